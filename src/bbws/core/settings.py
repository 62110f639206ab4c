"""The one settings model: every environment variable the functions read, read once.

A frozen dataclass rather than a pydantic model: every function reads it at init, and a
pydantic class costs its import and schema build in every cold start (health, which needs no
pydantic at all, paid about 60 ms CPU for it; docs/bench.md). Thirteen strings need no more
than the two checks below.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Final

from bbws.core.errors import ConfigurationError

# `local`, or the name of an environment defined under infra/terraform/environments (dev, sit,
# prod or one an adopter adds); the same pattern as the stack's `environment` variable.
ENVIRONMENT_PATTERN: Final = re.compile(r"^[a-z][a-z0-9]{1,9}$")

# Environment variable name for each settings field. Terraform sets exactly these names; a
# test reads this mapping and checks every function's Terraform environment against it.
ENV_NAMES: dict[str, str] = {
    "environment": "ENVIRONMENT",
    "log_level": "LOG_LEVEL",
    "products_table_name": "PRODUCTS_TABLE_NAME",
    "campaigns_table_name": "CAMPAIGNS_TABLE_NAME",
    "orders_table_name": "DYNAMODB_TABLE_NAME",
    "tenants_table_name": "TENANTS_TABLE_NAME",
    "orders_queue_url": "ORDERS_QUEUE_URL",
    "notifications_queue_url": "NOTIFICATIONS_QUEUE_URL",
    "templates_bucket_name": "TEMPLATES_BUCKET_NAME",
    "from_email": "FROM_EMAIL",
    "internal_emails": "INTERNAL_EMAILS",
    "cursor_secret_arn": "CURSOR_SECRET_ARN",
    "service_name": "POWERTOOLS_SERVICE_NAME",
    "metrics_namespace": "POWERTOOLS_METRICS_NAMESPACE",
}


@dataclass(frozen=True)
class Settings:
    """Configuration of one function. Resource names are optional here because each function
    needs only some of them; `require` raises a clear error when a needed one is missing."""

    environment: str = "local"
    log_level: str = "INFO"
    products_table_name: str | None = None
    campaigns_table_name: str | None = None
    orders_table_name: str | None = None
    tenants_table_name: str | None = None
    orders_queue_url: str | None = None
    notifications_queue_url: str | None = None
    templates_bucket_name: str | None = None
    from_email: str | None = None
    internal_emails: tuple[str, ...] = ()
    cursor_secret_arn: str | None = None  # the secret that signs list cursors (bbws.core.cursor_keys)
    service_name: str = "bbws"
    metrics_namespace: str = "BBWS"

    def __post_init__(self) -> None:
        if not ENVIRONMENT_PATTERN.fullmatch(self.environment):
            raise ConfigurationError(
                f"environment variable ENVIRONMENT is {self.environment!r}, not an environment's name"
                f" ({ENVIRONMENT_PATTERN.pattern})"
            )

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Settings:
        source = os.environ if environ is None else environ
        values: dict[str, object] = {field: source[name] for field, name in ENV_NAMES.items() if source.get(name)}
        if isinstance(emails := values.get("internal_emails"), str):
            values["internal_emails"] = tuple(part.strip() for part in emails.split(",") if part.strip())
        return cls(**values)  # type: ignore[arg-type]

    def require(self, field: str) -> str:
        """The value of a resource setting this function cannot work without."""
        value = getattr(self, field)
        if not value:
            raise ConfigurationError(f"environment variable {ENV_NAMES[field]} is not set")
        return str(value)


FIELDS: frozenset[str] = frozenset(field.name for field in fields(Settings))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read from the process environment once (tests call `get_settings.cache_clear()`)."""
    return Settings.from_environ()
