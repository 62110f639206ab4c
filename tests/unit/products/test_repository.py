"""The products table's data access against an emulated DynamoDB (moto)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bbws.core import aws
from bbws.core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from bbws.core.settings import get_settings
from bbws.products.dal.repository import ProductRepository
from bbws.products.dal.schema import product_key
from tests.unit.products.test_read import record

FIELDS = {
    "name": "Renamed",
    "description": "d",
    "price": Decimal("12.50"),
    "currency": "USD",
    "features": ["x"],
    "billingCycle": "annual",
}


@pytest.fixture
def repository(aws_resources) -> ProductRepository:
    return ProductRepository.from_settings()


def raw_item(repository: ProductRepository, product_id: str) -> dict:
    table = aws.table(get_settings().require("products_table_name"))
    return table.get_item(Key=product_key(product_id))["Item"]


def test_a_product_round_trips_exactly(repository) -> None:
    original = record("web-basic", price="1499.99")
    repository.create(original)
    assert repository.get("web-basic") == original


def test_an_active_product_carries_the_sparse_index_attribute_and_a_retired_one_does_not(repository) -> None:
    repository.create(record("web-basic"))
    assert raw_item(repository, "web-basic")["activeType"] == "PRODUCT"
    retired = repository.deactivate("web-basic", "2026-02-01T00:00:00Z")
    assert "activeType" not in raw_item(repository, "web-basic")
    assert (retired.active, retired.version, retired.updated_at) == (False, 2, "2026-02-01T00:00:00Z")


def test_creating_a_taken_id_is_a_conflict(repository) -> None:
    repository.create(record("web-basic"))
    with pytest.raises(Conflict):
        repository.create(record("web-basic", active=False))


def test_replace_overwrites_client_fields_and_bumps_the_version(repository) -> None:
    repository.create(record("web-basic"))
    replaced = repository.replace(
        "web-basic", FIELDS, active=None, expected_versions=(1,), updated_at="2026-03-01T00:00:00Z"
    )
    assert (replaced.name, replaced.price, replaced.currency, replaced.billing_cycle) == (
        "Renamed",
        Decimal("12.50"),
        "USD",
        "annual",
    )
    assert (replaced.version, replaced.active, replaced.created_at) == (2, True, "2026-01-02T12:00:00Z")


def test_replace_accepts_any_of_several_expected_versions(repository) -> None:
    repository.create(record("web-basic"))
    replaced = repository.replace("web-basic", FIELDS, active=None, expected_versions=(0, 1), updated_at="t")
    assert replaced.version == 2


def test_replace_of_a_stale_version_is_a_precondition_failure(repository) -> None:
    repository.create(record("web-basic"))
    with pytest.raises(PreconditionFailed):
        repository.replace("web-basic", FIELDS, active=None, expected_versions=(7,), updated_at="t")
    assert repository.get("web-basic").version == 1


def test_replace_or_retire_of_a_missing_product_is_not_found(repository) -> None:
    with pytest.raises(NotFound):
        repository.replace("ghost", FIELDS, active=None, expected_versions=None, updated_at="t")
    with pytest.raises(NotFound):
        repository.deactivate("ghost", "t")


def test_replace_can_switch_a_product_off_and_on(repository) -> None:
    repository.create(record("web-basic"))
    repository.replace("web-basic", FIELDS, active=False, expected_versions=None, updated_at="t")
    assert "activeType" not in raw_item(repository, "web-basic")
    repository.replace("web-basic", FIELDS, active=True, expected_versions=None, updated_at="t")
    assert raw_item(repository, "web-basic")["activeType"] == "PRODUCT"


def test_active_pages_skip_retired_products_and_cursors_continue(repository) -> None:
    for n in range(4):
        repository.create(record(f"plan-{n}", active=n != 1))
    first = repository.list_page(active_only=True, limit=2, cursor=None)
    second = repository.list_page(active_only=True, limit=2, cursor=first.next_cursor)
    assert [p.product_id for p in first.items + second.items] == ["plan-0", "plan-2", "plan-3"]
    everything = repository.list_page(active_only=False, limit=10, cursor=None)
    assert [p.product_id for p in everything.items] == [f"plan-{n}" for n in range(4)]
    assert everything.next_cursor is None


def test_a_cursor_is_bound_to_its_index(repository) -> None:
    for n in range(3):
        repository.create(record(f"plan-{n}"))
    page = repository.list_page(active_only=True, limit=1, cursor=None)
    with pytest.raises(InvalidInput):
        repository.list_page(active_only=False, limit=1, cursor=page.next_cursor)
