"""How a campaign is written as a DynamoDB item and read back (the one place that knows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bbws.campaigns.dal.schema import ENTITY_TYPE, campaign_key
from bbws.core.clock import iso


@dataclass(frozen=True)
class CampaignRecord:
    """A stored campaign, exactly as the table holds it."""

    code: str
    description: str
    discount_percent: Decimal
    product_ids: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime | None
    active: bool
    version: int
    created_at: str
    updated_at: str


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def to_item(record: CampaignRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        **campaign_key(record.code),
        "entityType": ENTITY_TYPE,
        "code": record.code,
        "description": record.description,
        "discountPercent": record.discount_percent,
        # A list, not a string set: DynamoDB refuses empty sets, and empty means "all products".
        "productIds": list(record.product_ids),
        "startsAt": iso(record.starts_at),
        "active": record.active,
        "version": record.version,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
    }
    if record.ends_at is not None:
        item["endsAt"] = iso(record.ends_at)
    if record.active:
        # Present only while active: this is what makes the active index sparse.
        item["activeType"] = ENTITY_TYPE
    return item


def from_item(item: Mapping[str, Any]) -> CampaignRecord:
    ends_at = item.get("endsAt")
    return CampaignRecord(
        code=str(item["code"]),
        description=str(item.get("description", "")),
        discount_percent=Decimal(item["discountPercent"]),
        product_ids=tuple(str(p) for p in item.get("productIds", [])),
        starts_at=parse_timestamp(str(item["startsAt"])),
        ends_at=parse_timestamp(str(ends_at)) if ends_at else None,
        active=bool(item.get("active", False)),
        version=int(item.get("version", 1)),
        created_at=str(item.get("createdAt", "")),
        updated_at=str(item.get("updatedAt", "")),
    )
