"""The products table: its definition (create_table arguments) and its one key scheme
(the versioned-items shape of `bbws.core.versioned_items`).

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

from bbws.core.versioned_items import ACTIVE_INDEX, BY_TYPE_INDEX, table_definition

__all__ = ["ACTIVE_INDEX", "BY_TYPE_INDEX", "ENTITY_TYPE", "TABLE", "product_key"]

PRODUCT_PREFIX = "PRODUCT#"
PRODUCT_SK = "PRODUCT"
ENTITY_TYPE = "PRODUCT"


def product_key(product_id: str) -> dict[str, str]:
    return {"pk": PRODUCT_PREFIX + product_id, "sk": PRODUCT_SK}


TABLE: dict[str, Any] = table_definition(sort_attribute="productId")
