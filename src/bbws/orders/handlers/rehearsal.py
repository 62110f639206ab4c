"""orders-api's valid order for SnapStart priming (`bbws.core.priming.add_valid_request`).

Two products and a campaign that exist only in the priming stub's answers (ids no real
request names; nothing stores them; the items come from the products' and campaigns' read
modules), and an order for them from the storefront key. Priming rehearses it and requires a
202, so the accepting path (the products' BatchGetItem and the campaign's GetItem deserialised,
pricing with a discount, the queue message built, its SendMessage answered inside botocore)
has run once before the snapshot, as the first real order runs it.
"""

from __future__ import annotations

from typing import Any

from bbws.campaigns import read as campaigns
from bbws.core.priming import ValidRequest
from bbws.products import read as products

PRODUCTS = ("bbws-priming", "bbws-priming-two")
CAMPAIGN = "BBWS-PRIMING"


def catalog_items() -> list[dict[str, Any]]:
    return [*(products.priming_item(pid) for pid in PRODUCTS), campaigns.priming_item(CAMPAIGN)]


VALID_ORDER = ValidRequest(
    method="POST",
    path="/orders",
    status=202,
    items=catalog_items,
    body={
        "customerEmail": "priming@example.com",
        "currency": "ZAR",
        "campaignCode": CAMPAIGN,
        "items": [{"productId": pid, "quantity": 1} for pid in PRODUCTS],
    },
    api_key=True,
)
