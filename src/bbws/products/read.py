"""The published read API of the catalog: what other services (orders) may know of products.

Other services import only this module. It reads the products table directly, with the fewest
calls possible: one GetItem for a single id, one BatchGetItem per 100 ids otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bbws.core import aws
from bbws.core.settings import get_settings
from bbws.products.dal.items import ProductRecord, from_item, to_item
from bbws.products.dal.schema import product_key

PRODUCT_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
_BATCH_LIMIT = 100  # DynamoDB's limit of keys per BatchGetItem
_MAX_UNPROCESSED_RETRIES = 5


@dataclass(frozen=True)
class CatalogProduct:
    """What an order needs to know about a product to price it."""

    product_id: str
    name: str
    price: Decimal
    currency: str
    active: bool
    billing_cycle: str


def _catalog_product(item: Mapping[str, Any]) -> CatalogProduct:
    record = from_item(item)
    return CatalogProduct(
        product_id=record.product_id,
        name=record.name,
        price=record.price,
        currency=record.currency,
        active=record.active,
        billing_cycle=record.billing_cycle,
    )


def get_products(product_ids: Collection[str]) -> dict[str, CatalogProduct]:
    """The stored products among `product_ids`, by id, active or not (the caller decides what
    an inactive product means). Ids that do not exist, or cannot exist, are simply absent."""
    wanted = sorted({pid for pid in product_ids if PRODUCT_ID_PATTERN.fullmatch(pid)})
    if not wanted:
        return {}
    table = aws.table(get_settings().require("products_table_name"))
    if len(wanted) == 1:
        stored = table.get_item(Key=product_key(wanted[0])).get("Item")
        return {wanted[0]: _catalog_product(stored)} if stored else {}

    found: dict[str, CatalogProduct] = {}
    # The resource's client converts Python values in and out, unlike its low-level typing says.
    client: Any = table.meta.client
    for start in range(0, len(wanted), _BATCH_LIMIT):
        request: dict[str, Any] = {
            table.name: {"Keys": [product_key(pid) for pid in wanted[start : start + _BATCH_LIMIT]]}
        }
        for _ in range(_MAX_UNPROCESSED_RETRIES):
            answer = client.batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(table.name, []):
                product = _catalog_product(item)
                found[product.product_id] = product
            # DynamoDB may leave keys unprocessed under throttling; ask again for those only
            # (boto3's standard retry mode already backs off between throttled calls).
            request = dict(answer.get("UnprocessedKeys") or {})
            if not request:
                break
        else:
            raise RuntimeError("DynamoDB left product keys unprocessed after retries")
    return found


def priming_item(product_id: str) -> dict[str, Any]:
    """An active product as the table holds it (100.00 ZAR, sold once), for SnapStart priming:
    its stub answers reads of `product_id`, an id no real request names, with it while one
    rehearsal runs (`bbws.core.priming.ValidRequest`); nothing ever stores it."""
    created = "2026-01-01T00:00:00Z"
    return to_item(
        ProductRecord(product_id, "Priming", "", Decimal("100.00"), "ZAR", (), "once", True, 1, created, created)
    )
