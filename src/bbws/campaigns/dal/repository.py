"""The campaigns table behind a small class: one call per operation, every write conditional."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bbws.campaigns.dal.items import CampaignRecord, from_item, to_item
from bbws.campaigns.dal.schema import ENTITY_TYPE, campaign_key
from bbws.core import aws
from bbws.core.pagination import Page
from bbws.core.settings import get_settings
from bbws.core.versioned_items import ListFilter, VersionedItems

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

# The date window as a filter on the sparse index; timestamps are stored as ISO 8601 UTC
# with second precision, so comparing the strings compares the moments.
_IN_WINDOW = "#startsAt <= :now AND (attribute_not_exists(#endsAt) OR #endsAt > :now)"


class CampaignRepository:
    """Reads and writes campaigns in the table named by `CAMPAIGNS_TABLE_NAME`."""

    def __init__(self, table: Table) -> None:
        self._items = VersionedItems(table, ENTITY_TYPE, sort_attribute="code", noun="campaign")

    @classmethod
    def from_settings(cls) -> CampaignRepository:
        return cls(aws.table(get_settings().require("campaigns_table_name")))

    def get(self, code: str) -> CampaignRecord | None:
        item = self._items.get(campaign_key(code))
        return from_item(item) if item else None

    def create(self, record: CampaignRecord) -> None:
        """Store a new campaign; 409 if the code is taken (even by a switched-off campaign)."""
        self._items.create(to_item(record), f"with code {record.code!r}")

    def replace(
        self,
        code: str,
        fields: dict[str, Any],
        *,
        active: bool | None,
        expected_versions: tuple[int, ...] | None,
        updated_at: str,
    ) -> CampaignRecord:
        """Overwrite the client fields of an existing campaign and bump its version, in one
        conditional UpdateItem. A field whose value is None is removed (an open-ended campaign
        has no `endsAt`). 404 if it does not exist, 412 if its version is none of those expected."""
        item = self._items.replace(
            campaign_key(code),
            fields,
            active=active,
            expected_versions=expected_versions,
            updated_at=updated_at,
            identity=repr(code.upper()),
        )
        return from_item(item)

    def deactivate(self, code: str, updated_at: str) -> CampaignRecord:
        """Soft delete: `active` false and out of the active index. 404 if it does not exist."""
        return from_item(self._items.deactivate(campaign_key(code), updated_at, repr(code.upper())))

    def list_page(self, *, usable_at: str | None, limit: int, cursor: str | None) -> Page[CampaignRecord]:
        """One Query per page: with `usable_at`, the sparse active index filtered to campaigns
        whose window contains that moment (a page may then hold fewer than `limit` items);
        without it, every campaign (admins)."""
        window = (
            ListFilter(_IN_WINDOW, {"#startsAt": "startsAt", "#endsAt": "endsAt"}, {":now": usable_at})
            if usable_at
            else None
        )
        items, next_cursor = self._items.page(active_only=bool(usable_at), limit=limit, cursor=cursor, where=window)
        return Page(items=[from_item(item) for item in items], next_cursor=next_cursor)
