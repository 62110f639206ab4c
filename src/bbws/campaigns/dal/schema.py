"""The campaigns table: its definition (create_table arguments) and its one key scheme.

Key scheme (single-table design; every item is one campaign):

| attribute      | value                          | purpose                                         |
|----------------|--------------------------------|-------------------------------------------------|
| `pk`           | `CAMPAIGN#<CODE>`              | table partition key: one GetItem reads one      |
| `sk`           | `CAMPAIGN`                     | table sort key                                  |
| `entityType`   | `CAMPAIGN` on every campaign   | `by-type` GSI partition: admin "all" lists      |
| `activeType`   | `CAMPAIGN` only while active   | `active-by-type` GSI partition (SPARSE)         |
| `code`         | the code, upper case           | sort key of both GSIs: lists ordered by code    |

Codes are stored upper case, so `summer-25` and `SUMMER-25` are the same campaign. Switching a
campaign off REMOVEs `activeType`; the public list is a Query on the sparse index with a filter
for the date window (`startsAt <= now < endsAt`), so it never reads switched-off campaigns and
never Scans. Both GSIs project ALL attributes: a list page is exactly one Query.
"""

from __future__ import annotations

from typing import Any

CAMPAIGN_PREFIX = "CAMPAIGN#"
CAMPAIGN_SK = "CAMPAIGN"
ENTITY_TYPE = "CAMPAIGN"

BY_TYPE_INDEX = "by-type"
ACTIVE_INDEX = "active-by-type"


def campaign_key(code: str) -> dict[str, str]:
    return {"pk": CAMPAIGN_PREFIX + code.upper(), "sk": CAMPAIGN_SK}


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
        {"AttributeName": "code", "AttributeType": "S"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "GlobalSecondaryIndexes": [
        {
            "IndexName": BY_TYPE_INDEX,
            "KeySchema": [
                {"AttributeName": "entityType", "KeyType": "HASH"},
                {"AttributeName": "code", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": ACTIVE_INDEX,
            "KeySchema": [
                {"AttributeName": "activeType", "KeyType": "HASH"},
                {"AttributeName": "code", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
    ],
}
