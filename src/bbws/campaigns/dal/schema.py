"""The campaigns table: its definition (create_table arguments) and its one key scheme
(the versioned-items shape of `bbws.core.versioned_items`).

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

from bbws.core.versioned_items import ACTIVE_INDEX, BY_TYPE_INDEX, table_definition

__all__ = ["ACTIVE_INDEX", "BY_TYPE_INDEX", "ENTITY_TYPE", "TABLE", "campaign_key"]

CAMPAIGN_PREFIX = "CAMPAIGN#"
CAMPAIGN_SK = "CAMPAIGN"
ENTITY_TYPE = "CAMPAIGN"


def campaign_key(code: str) -> dict[str, str]:
    return {"pk": CAMPAIGN_PREFIX + code.upper(), "sk": CAMPAIGN_SK}


TABLE: dict[str, Any] = table_definition(sort_attribute="code")
