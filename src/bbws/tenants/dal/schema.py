"""The tenants table: its definition (create_table arguments) and its one key scheme.

Key scheme (single-table design; two kinds of item):

| item         | `pk`                          | `sk`     | other attributes                           |
|--------------|-------------------------------|----------|--------------------------------------------|
| tenant       | `TENANT#<tenantId>`           | `TENANT` | `entityType`, `createdKey`, name, email... |
| email claim  | `EMAIL#<canonical mailbox>`   | `EMAIL`  | `tenantId` of the tenant owning the email  |

| attribute    | value                               | purpose                                       |
|--------------|-------------------------------------|-----------------------------------------------|
| `entityType` | `TENANT` on tenant items only       | `by-type` GSI partition: the admin's list     |
| `createdKey` | `<createdAt>#<tenantId>`            | `by-type` sort key: newest first              |

The claim's key is the mailbox's canonical form (`bbws.core.mailbox`: local part in lower
case, A-label domain), so every spelling of one mailbox is one claim. A tenant and the claim on
its contact email are written in ONE TransactWriteItems, each with `attribute_not_exists(pk)`:
of any number of concurrent creations for the same mailbox (any spelling), exactly one commits,
so a mailbox never belongs to two tenants. Resolving an email is one GetItem on its canonical
claim; only when that misses and the address has a legacy spelling (claims written before the
canonical form, `strip().lower()`: an IDN domain as U-label) is that claim read too. Claims
carry no `entityType`, so they never appear in the list.
The tenants table has no TTL.
"""

from __future__ import annotations

from typing import Any

from bbws.core.mailbox import lookup_keys, mailbox_key

TENANT_PREFIX = "TENANT#"
TENANT_SK = "TENANT"
EMAIL_PREFIX = "EMAIL#"
EMAIL_SK = "EMAIL"
ENTITY_TYPE = "TENANT"

BY_TYPE_INDEX = "by-type"

TTL_ATTRIBUTE: str | None = None


def tenant_key(tenant_id: str) -> dict[str, str]:
    return {"pk": TENANT_PREFIX + tenant_id, "sk": TENANT_SK}


def email_key(email: str) -> dict[str, str]:
    """The claim item a new tenant writes for its contact email (canonical mailbox)."""
    return {"pk": EMAIL_PREFIX + mailbox_key(email), "sk": EMAIL_SK}


def email_lookup_keys(email: str) -> list[dict[str, str]]:
    """Every claim item that may hold this mailbox, the canonical one first."""
    return [{"pk": EMAIL_PREFIX + key, "sk": EMAIL_SK} for key in lookup_keys(email)]


def created_key(created_at: str, tenant_id: str) -> str:
    return f"{created_at}#{tenant_id}"


TABLE: dict[str, Any] = {
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "entityType", "AttributeType": "S"},
        {"AttributeName": "createdKey", "AttributeType": "S"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "GlobalSecondaryIndexes": [
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
