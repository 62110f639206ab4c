"""The one settings model: every environment variable the functions read, read once."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from bbws.core.errors import ConfigurationError

# `local`, or the name of an environment defined under infra/terraform/environments (dev, sit,
# prod or one an adopter adds); the same pattern as the stack's `environment` variable.
Environment = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{1,9}$")]

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
    "service_name": "POWERTOOLS_SERVICE_NAME",
    "metrics_namespace": "POWERTOOLS_METRICS_NAMESPACE",
}


class Settings(BaseModel):
    """Configuration of one function. Resource names are optional here because each function
    needs only some of them; `require` raises a clear error when a needed one is missing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    environment: Environment = "local"
    log_level: str = "INFO"
    products_table_name: str | None = None
    campaigns_table_name: str | None = None
    orders_table_name: str | None = None
    tenants_table_name: str | None = None
    orders_queue_url: str | None = None
    notifications_queue_url: str | None = None
    templates_bucket_name: str | None = None
    from_email: str | None = None
    internal_emails: tuple[str, ...] = Field(default=())
    service_name: str = "bbws"
    metrics_namespace: str = "BBWS"

    @field_validator("internal_emails", mode="before")
    @classmethod
    def _split_emails(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Settings:
        source = os.environ if environ is None else environ
        values = {field: source[name] for field, name in ENV_NAMES.items() if source.get(name)}
        return cls.model_validate(values)

    def require(self, field: str) -> str:
        """The value of a resource setting this function cannot work without."""
        value = getattr(self, field)
        if not value:
            raise ConfigurationError(f"environment variable {ENV_NAMES[field]} is not set")
        return str(value)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read from the process environment once (tests call `get_settings.cache_clear()`)."""
    return Settings.from_environ()
