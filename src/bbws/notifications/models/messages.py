"""The notifications queue message (SPEC §4), as the orders service publishes it."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class NotificationType(StrEnum):
    ORDER_CREATED = "ORDER_CREATED"
    ORDER_PAID = "ORDER_PAID"


class NotificationMessage(BaseModel):
    """`{"schemaVersion":1,"type":...,"orderId":...,"tenantId":...}`.

    Unknown extra fields are ignored so that a producer may add fields before this consumer
    reads them; an unknown `type` or `schemaVersion` is refused (it would be silently dropped
    otherwise).
    """

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    schema_version: Literal[1] = Field(alias="schemaVersion")
    type: NotificationType
    order_id: str = Field(alias="orderId", min_length=1, max_length=128)
    tenant_id: str | None = Field(default=None, alias="tenantId", max_length=128)
