"""The orders table: its definition (create_table arguments) and its one key scheme.

Key scheme (single-table design; two kinds of item):

| item               | `pk`                         | `sk`                        | other keys                   |
|--------------------|------------------------------|-----------------------------|------------------------------|
| order              | `ORDER#<orderId>`            | `ORDER`                     | `entityType`, `tenantId`,    |
|                    |                              |                             | `createdKey`                 |
| idempotency record | `IDEMPOTENCY#orders-api`     | `<prefix>#<hash of key>`    | `expiration` (TTL)           |

| attribute      | value                                 | purpose                                          |
|----------------|---------------------------------------|--------------------------------------------------|
| `entityType`   | `ORDER` on every order                | `by-type` GSI partition: the admin's all-tenant  |
|                |                                       | list                                             |
| `tenantId`     | the owning tenant                     | `by-tenant` GSI partition: a tenant's orders     |
| `createdKey`   | `<createdAt>#<orderId>`               | sort key of both GSIs: newest first with         |
|                |                                       | ScanIndexForward=false, ties broken by id        |
| `expiration`   | epoch seconds (idempotency records)   | the table's TTL attribute (set by Terraform)     |

Reading one order is one GetItem on (`ORDER#<orderId>`, `ORDER`); creating one is one
conditional PutItem (`attribute_not_exists(pk)`), which is what makes the consumer idempotent.
A list page is one Query on a GSI; both GSIs project ALL attributes. Idempotency records are
Powertools' own items (static partition, hashed `Idempotency-Key` as sort key); they carry no
`entityType` or `tenantId`, so they never appear in either index. The `by-type` partition is
one value: fine for an agency's order volume (DynamoDB splits a hot partition on sort-key
ranges); it would be sharded by month if volume ever demanded it.
"""

from __future__ import annotations

from typing import Any

ORDER_PREFIX = "ORDER#"
ORDER_SK = "ORDER"
ENTITY_TYPE = "ORDER"

BY_TENANT_INDEX = "by-tenant"
BY_TYPE_INDEX = "by-type"

# Powertools idempotency records of orders-api live in this table under one partition value.
IDEMPOTENCY_PK = "IDEMPOTENCY#orders-api"
TTL_ATTRIBUTE = "expiration"


def order_key(order_id: str) -> dict[str, str]:
    return {"pk": ORDER_PREFIX + order_id, "sk": ORDER_SK}


def created_key(created_at: str, order_id: str) -> str:
    return f"{created_at}#{order_id}"


TABLE: dict[str, Any] = {
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "entityType", "AttributeType": "S"},
        {"AttributeName": "tenantId", "AttributeType": "S"},
        {"AttributeName": "createdKey", "AttributeType": "S"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "GlobalSecondaryIndexes": [
        {
            "IndexName": BY_TENANT_INDEX,
            "KeySchema": [
                {"AttributeName": "tenantId", "KeyType": "HASH"},
                {"AttributeName": "createdKey", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": BY_TYPE_INDEX,
            "KeySchema": [
                {"AttributeName": "entityType", "KeyType": "HASH"},
                {"AttributeName": "createdKey", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
    ],
}
