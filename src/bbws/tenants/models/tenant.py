"""Tenants: the stored record and the API's bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from bbws.core.mailbox import DeliverableEmail


@dataclass(frozen=True)
class Tenant:
    """A customer organisation. `contact_email` is a deliverable address (A-label domain); its
    canonical mailbox belongs to this tenant only."""

    tenant_id: str
    name: str
    contact_email: str
    created_at: str


class NewTenant(BaseModel):
    """POST /tenants."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, frozen=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    contact_email: DeliverableEmail


class TenantView(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, validate_by_name=True, frozen=True)

    tenant_id: str
    name: str
    contact_email: str
    created_at: Annotated[str, Field(json_schema_extra={"format": "date-time"})]

    @classmethod
    def of(cls, tenant: Tenant) -> TenantView:
        return cls(
            tenant_id=tenant.tenant_id,
            name=tenant.name,
            contact_email=tenant.contact_email,
            created_at=tenant.created_at,
        )


class TenantPage(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, validate_by_name=True, frozen=True)

    items: list[TenantView]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")
