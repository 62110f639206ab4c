"""The published read API of campaigns: what other services (orders) may know of a code.

Other services import only this module; reading one campaign is one GetItem.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bbws.campaigns.dal.items import CampaignRecord, from_item, to_item
from bbws.campaigns.dal.schema import campaign_key
from bbws.campaigns.logic.promotions import is_usable
from bbws.core import aws
from bbws.core.settings import get_settings


@dataclass(frozen=True)
class CampaignTerms:
    """The terms of a promotion code: which products, what discount, when."""

    code: str
    discount_percent: Decimal
    product_ids: frozenset[str]  # empty: the whole catalog
    active: bool
    starts_at: datetime
    ends_at: datetime | None

    def usable_at(self, moment: datetime) -> bool:
        """Switched on and inside its window: `starts_at <= moment < ends_at`."""
        return is_usable(active=self.active, starts_at=self.starts_at, ends_at=self.ends_at, moment=moment)

    def applies_to(self, product_id: str) -> bool:
        return not self.product_ids or product_id in self.product_ids


def get_campaign(code: str) -> CampaignTerms | None:
    """The campaign with this code (any case), active or not; None if there is none."""
    if not code or len(code) > 64:
        return None
    table = aws.table(get_settings().require("campaigns_table_name"))
    item = table.get_item(Key=campaign_key(code)).get("Item")
    if not item:
        return None
    record = from_item(item)
    return CampaignTerms(
        code=record.code,
        discount_percent=record.discount_percent,
        product_ids=frozenset(record.product_ids),
        active=record.active,
        starts_at=record.starts_at,
        ends_at=record.ends_at,
    )


def priming_item(code: str) -> dict[str, Any]:
    """An active campaign as the table holds it (10 % off every product, started 2026-01-01,
    no end), for SnapStart priming: its stub answers reads of `code`, a code no real request
    names, with it while one rehearsal runs (`bbws.core.priming.ValidRequest`); nothing ever
    stores it."""
    created = "2026-01-01T00:00:00Z"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return to_item(CampaignRecord(code, "", Decimal(10), (), start, None, True, 1, created, created))
