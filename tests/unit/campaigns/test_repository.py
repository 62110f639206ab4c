"""The campaigns table's data access against an emulated DynamoDB (moto)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bbws.campaigns.dal.items import CampaignRecord
from bbws.campaigns.dal.repository import CampaignRepository
from bbws.core.errors import Conflict, NotFound, PreconditionFailed

JAN = datetime(2026, 1, 1, tzinfo=UTC)


def campaign(code: str, **changes) -> CampaignRecord:
    base = CampaignRecord(
        code=code,
        description="",
        discount_percent=Decimal("10"),
        product_ids=(),
        starts_at=JAN,
        ends_at=datetime(2026, 3, 1, tzinfo=UTC),
        active=True,
        version=1,
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
    )
    return replace(base, **changes)


@pytest.fixture
def repository(aws_resources) -> CampaignRepository:
    return CampaignRepository.from_settings()


def test_a_campaign_round_trips_exactly(repository) -> None:
    original = campaign("WINTER", product_ids=("web-basic", "web-pro"), discount_percent=Decimal("12.75"))
    repository.create(original)
    assert repository.get("winter") == original


def test_creating_a_taken_code_is_a_conflict(repository) -> None:
    repository.create(campaign("WINTER"))
    with pytest.raises(Conflict):
        repository.create(campaign("WINTER", active=False))


def test_replace_with_no_end_removes_the_end(repository) -> None:
    repository.create(campaign("WINTER"))
    fields = {
        "description": "open",
        "discountPercent": Decimal("5"),
        "productIds": [],
        "startsAt": "2026-01-01T00:00:00Z",
        "endsAt": None,
    }
    replaced = repository.replace("WINTER", fields, active=None, expected_versions=(1,), updated_at="t")
    assert (replaced.ends_at, replaced.description, replaced.version) == (None, "open", 2)


def test_stale_or_missing_replacements_fail_distinctly(repository) -> None:
    repository.create(campaign("WINTER"))
    with pytest.raises(PreconditionFailed):
        repository.replace("WINTER", {"description": "x"}, active=False, expected_versions=(3,), updated_at="t")
    with pytest.raises(NotFound):
        repository.replace("GHOST", {"description": "x"}, active=True, expected_versions=None, updated_at="t")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2025-12-31T23:59:59Z", []),
        ("2026-01-01T00:00:00Z", ["OPEN", "WINTER"]),
        ("2026-03-01T00:00:00Z", ["OPEN"]),
    ],
)
def test_usable_pages_filter_the_active_index_by_window(repository, moment, expected) -> None:
    repository.create(campaign("WINTER"))
    repository.create(campaign("OPEN", ends_at=None))
    repository.create(campaign("OFF", active=False))
    page = repository.list_page(usable_at=moment, limit=10, cursor=None)
    assert [c.code for c in page.items] == expected


def test_admin_pages_hold_every_campaign(repository) -> None:
    for code in ("AAA", "BBB", "CCC"):
        repository.create(campaign(code, active=code != "BBB"))
    first = repository.list_page(usable_at=None, limit=2, cursor=None)
    second = repository.list_page(usable_at=None, limit=2, cursor=first.next_cursor)
    assert [c.code for c in first.items + second.items] == ["AAA", "BBB", "CCC"]


def test_retire_switches_off_and_missing_is_not_found(repository) -> None:
    repository.create(campaign("WINTER"))
    assert repository.deactivate("winter", "t").active is False
    with pytest.raises(NotFound):
        repository.deactivate("GHOST", "t")
