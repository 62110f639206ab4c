"""How a product is written as a DynamoDB item and read back (the one place that knows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bbws.products.dal.schema import ENTITY_TYPE, product_key


@dataclass(frozen=True)
class ProductRecord:
    """A stored product, exactly as the table holds it."""

    product_id: str
    name: str
    description: str
    price: Decimal
    currency: str
    features: tuple[str, ...]
    billing_cycle: str
    active: bool
    version: int
    created_at: str
    updated_at: str


def to_item(record: ProductRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        **product_key(record.product_id),
        "entityType": ENTITY_TYPE,
        "productId": record.product_id,
        "name": record.name,
        "description": record.description,
        "price": record.price,
        "currency": record.currency,
        "features": list(record.features),
        "billingCycle": record.billing_cycle,
        "active": record.active,
        "version": record.version,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
    }
    if record.active:
        # Present only while active: this is what makes the active index sparse.
        item["activeType"] = ENTITY_TYPE
    return item


def from_item(item: Mapping[str, Any]) -> ProductRecord:
    return ProductRecord(
        product_id=str(item["productId"]),
        name=str(item["name"]),
        description=str(item.get("description", "")),
        price=Decimal(item["price"]),
        currency=str(item["currency"]),
        features=tuple(str(f) for f in item.get("features", [])),
        billing_cycle=str(item.get("billingCycle", "once")),
        active=bool(item.get("active", False)),
        version=int(item.get("version", 1)),
        created_at=str(item.get("createdAt", "")),
        updated_at=str(item.get("updatedAt", "")),
    )
