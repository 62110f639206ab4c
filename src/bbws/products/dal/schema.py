"""The products table: its definition (create_table arguments) and its one key scheme.

Key scheme (single-table design; every item is one product):

| attribute      | value                          | purpose                                         |
|----------------|--------------------------------|-------------------------------------------------|
| `pk`           | `PRODUCT#<productId>`          | table partition key: one GetItem reads one      |
| `sk`           | `PRODUCT`                      | table sort key (room for per-product children)  |
| `entityType`   | `PRODUCT` on every product     | `by-type` GSI partition: admin "all" lists      |
| `activeType`   | `PRODUCT` only while active    | `active-by-type` GSI partition (SPARSE): public |
| `productId`    | the id                         | sort key of both GSIs: lists ordered by id      |

A soft delete (and any update to `active=false`) REMOVEs `activeType`, so the item drops out of
the sparse index and the public list is a Query that never reads inactive products. Both GSIs
project ALL attributes, so a list page is exactly one Query with no follow-up reads. The
constant GSI partition is fine for a catalog of agency plans (hundreds of items, read-mostly);
it would be sharded if the catalog ever grew to hot-partition size.
"""

from __future__ import annotations

from typing import Any

PRODUCT_PREFIX = "PRODUCT#"
PRODUCT_SK = "PRODUCT"
ENTITY_TYPE = "PRODUCT"

BY_TYPE_INDEX = "by-type"
ACTIVE_INDEX = "active-by-type"


def product_key(product_id: str) -> dict[str, str]:
    return {"pk": PRODUCT_PREFIX + product_id, "sk": PRODUCT_SK}


TABLE: dict[str, Any] = {
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "entityType", "AttributeType": "S"},
        {"AttributeName": "activeType", "AttributeType": "S"},
        {"AttributeName": "productId", "AttributeType": "S"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "GlobalSecondaryIndexes": [
        {
            "IndexName": BY_TYPE_INDEX,
            "KeySchema": [
                {"AttributeName": "entityType", "KeyType": "HASH"},
                {"AttributeName": "productId", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": ACTIVE_INDEX,
            "KeySchema": [
                {"AttributeName": "activeType", "KeyType": "HASH"},
                {"AttributeName": "productId", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
    ],
}
