"""The published catalog read API that orders price through: fewest calls, missing ids absent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from botocore.stub import Stubber

from bbws.core import aws
from bbws.products.dal.items import ProductRecord
from bbws.products.dal.repository import ProductRepository
from bbws.products.read import CatalogProduct, get_products
from tests.support.dynamodb_calls import dynamodb_calls


def record(product_id: str, *, active: bool = True, price: str = "99.99") -> ProductRecord:
    return ProductRecord(
        product_id=product_id,
        name=product_id.title(),
        description="",
        price=Decimal(price),
        currency="ZAR",
        features=("one",),
        billing_cycle="monthly",
        active=active,
        version=1,
        created_at="2026-01-02T12:00:00Z",
        updated_at="2026-01-02T12:00:00Z",
    )


@pytest.fixture
def table_name(aws_resources) -> str:
    return aws_resources.settings["products_table_name"]


@pytest.fixture
def stored(table_name):
    """Given a catalog of 'web-basic' (active) and 'old-plan' (retired)."""
    repository = ProductRepository.from_settings()
    repository.create(record("web-basic"))
    repository.create(record("old-plan", active=False, price="10"))


def test_a_single_id_is_one_getitem(stored, table_name) -> None:
    with dynamodb_calls(table_name) as calls:
        found = get_products(["web-basic"])
    assert found == {
        "web-basic": CatalogProduct(
            product_id="web-basic",
            name="Web-Basic",
            price=Decimal("99.99"),
            currency="ZAR",
            active=True,
            billing_cycle="monthly",
        )
    }
    assert calls == {"GetItem": 1}


def test_a_set_of_ids_is_one_batchgetitem_with_missing_ids_absent(stored, table_name) -> None:
    with dynamodb_calls(table_name) as calls:
        found = get_products({"web-basic", "old-plan", "no-such-plan"})
    assert set(found) == {"web-basic", "old-plan"}
    assert found["old-plan"].active is False  # the caller decides what inactive means
    assert calls == {"BatchGetItem": 1}


def test_duplicate_ids_count_once(stored, table_name) -> None:
    with dynamodb_calls(table_name) as calls:
        found = get_products(["web-basic", "web-basic"])
    assert set(found) == {"web-basic"}
    assert calls == {"GetItem": 1}


def test_ids_that_cannot_exist_are_absent_without_a_call(stored, table_name) -> None:
    with dynamodb_calls(table_name) as calls:
        assert get_products(["", "UPPER", "a" * 100]) == {}
        assert get_products([]) == {}
    assert sum(calls.values()) == 0


def test_more_than_100_ids_are_read_in_batches_of_100(stored, table_name) -> None:
    wanted = [f"plan-{n:03d}" for n in range(150)] + ["web-basic"]
    with dynamodb_calls(table_name) as calls:
        found = get_products(wanted)
    assert set(found) == {"web-basic"}
    assert calls == {"BatchGetItem": 2}


def _low_level(product_id: str) -> dict:
    return {
        "pk": {"S": f"PRODUCT#{product_id}"},
        "sk": {"S": "PRODUCT"},
        "productId": {"S": product_id},
        "name": {"S": product_id},
        "price": {"N": "5.00"},
        "currency": {"S": "USD"},
        "active": {"BOOL": True},
        "billingCycle": {"S": "once"},
    }


def test_unprocessed_keys_are_asked_for_again(table_name) -> None:
    table = aws.table(table_name)
    keys = {"pk": {"S": "PRODUCT#bbb-two"}, "sk": {"S": "PRODUCT"}}
    with Stubber(table.meta.client) as stub:
        stub.add_response(
            "batch_get_item",
            {"Responses": {table_name: [_low_level("aaa-one")]}, "UnprocessedKeys": {table_name: {"Keys": [keys]}}},
        )
        stub.add_response("batch_get_item", {"Responses": {table_name: [_low_level("bbb-two")]}})
        found = get_products(["aaa-one", "bbb-two"])
        stub.assert_no_pending_responses()
    assert {pid: p.price for pid, p in found.items()} == {"aaa-one": Decimal("5.00"), "bbb-two": Decimal("5.00")}


def test_keys_left_unprocessed_after_retries_are_an_error(table_name) -> None:
    table = aws.table(table_name)
    with Stubber(table.meta.client) as stub:
        for _ in range(5):
            # A fresh response each time: boto3 converts responses in place.
            keys = {"pk": {"S": "PRODUCT#aaa-one"}, "sk": {"S": "PRODUCT"}}
            stub.add_response("batch_get_item", {"Responses": {}, "UnprocessedKeys": {table_name: {"Keys": [keys]}}})
        with pytest.raises(RuntimeError, match="unprocessed"):
            get_products(["aaa-one", "bbb-two"])
