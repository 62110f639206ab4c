"""orders-api's valid order for SnapStart priming (`bbws.core.priming.add_valid_request`).

Two products and a campaign that exist only in the priming stub's answers (ids no real
request names; nothing stores them), written with the products' and campaigns' own item
writers, and an order for them from the storefront key. Priming rehearses it and requires a
202, so the accepting path (the products' BatchGetItem and the campaign's GetItem deserialised,
pricing with a discount, the queue message built, its SendMessage answered inside botocore)
has run once before the snapshot, as the first real order runs it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bbws.campaigns.dal.items import CampaignRecord
from bbws.campaigns.dal.items import to_item as campaign_item
from bbws.core.priming import ValidRequest
from bbws.products.dal.items import ProductRecord
from bbws.products.dal.items import to_item as product_item

PRODUCTS = ("bbws-priming", "bbws-priming-two")
CAMPAIGN = "BBWS-PRIMING"
_CREATED = "2026-01-01T00:00:00Z"


def catalog_items() -> list[dict[str, Any]]:
    products = [
        product_item(
            ProductRecord(pid, "Priming", "", Decimal("100.00"), "ZAR", (), "once", True, 1, _CREATED, _CREATED)
        )
        for pid in PRODUCTS
    ]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    campaign = CampaignRecord(CAMPAIGN, "", Decimal(10), (), start, None, True, 1, _CREATED, _CREATED)
    return [*products, campaign_item(campaign)]


VALID_ORDER = ValidRequest(
    method="POST",
    path="/orders",
    body={
        "customerEmail": "priming@example.com",
        "currency": "ZAR",
        "campaignCode": CAMPAIGN,
        "items": [{"productId": pid, "quantity": 1} for pid in PRODUCTS],
    },
    api_key=True,
    status=202,
    items=catalog_items,
)
