"""The published campaign read API orders use: one GetItem, and when a code is usable."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bbws.campaigns.dal.items import CampaignRecord
from bbws.campaigns.dal.repository import CampaignRepository
from bbws.campaigns.read import CampaignTerms, get_campaign
from tests.support.dynamodb_calls import dynamodb_calls

JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)


def terms(*, active: bool = True, ends_at: datetime | None = FEB, product_ids: frozenset[str] = frozenset()):
    return CampaignTerms(
        code="WINTER",
        discount_percent=Decimal("10"),
        product_ids=product_ids,
        active=active,
        starts_at=JAN,
        ends_at=ends_at,
    )


@pytest.mark.parametrize(
    ("moment", "usable"),
    [
        (datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC), False),
        (JAN, True),
        (datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC), True),
        (FEB, False),
    ],
)
def test_a_campaign_is_usable_from_its_start_until_just_before_its_end(moment, usable) -> None:
    assert terms().usable_at(moment) is usable


def test_an_open_ended_campaign_stays_usable() -> None:
    assert terms(ends_at=None).usable_at(datetime(2099, 1, 1, tzinfo=UTC))


def test_a_switched_off_campaign_is_never_usable() -> None:
    assert not terms(active=False).usable_at(JAN)


def test_no_product_ids_means_the_whole_catalog() -> None:
    assert terms().applies_to("anything")
    limited = terms(product_ids=frozenset({"web-basic"}))
    assert limited.applies_to("web-basic")
    assert not limited.applies_to("web-pro")


def test_get_campaign_reads_any_case_with_one_getitem(aws_resources) -> None:
    CampaignRepository.from_settings().create(
        CampaignRecord(
            code="WINTER",
            description="",
            discount_percent=Decimal("12.5"),
            product_ids=("web-basic",),
            starts_at=JAN,
            ends_at=None,
            active=True,
            version=1,
            created_at="2026-01-01T00:00:00Z",
            updated_at="2026-01-01T00:00:00Z",
        )
    )
    with dynamodb_calls(aws_resources.settings["campaigns_table_name"]) as calls:
        found = get_campaign("winter")
    assert found == CampaignTerms(
        code="WINTER",
        discount_percent=Decimal("12.5"),
        product_ids=frozenset({"web-basic"}),
        active=True,
        starts_at=JAN,
        ends_at=None,
    )
    assert calls == {"GetItem": 1}


def test_unknown_or_impossible_codes_are_none(aws_resources) -> None:
    with dynamodb_calls(aws_resources.settings["campaigns_table_name"]) as calls:
        assert get_campaign("NOPE") is None
        assert get_campaign("") is None
        assert get_campaign("X" * 65) is None
    assert calls == {"GetItem": 1}
