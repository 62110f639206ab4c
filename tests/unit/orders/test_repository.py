"""The orders repository against an emulated table: conditional writes and what they return."""

from __future__ import annotations

from decimal import Decimal

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from bbws.orders.dal.repository import PENDING_NOTIFICATION, OrderRepository, StatusNotChanged
from bbws.orders.dal.schema import order_key
from bbws.orders.models.order import Order, OrderLine
from bbws.orders.models.order import OrderStatus as S


def order(order_id: str = "ord-1", tenant_id: str = "tenant-1") -> Order:
    return Order(
        order_id=order_id,
        tenant_id=tenant_id,
        customer_email="a@b.example",
        customer_id="c-1",
        status=S.CREATED,
        currency="ZAR",
        items=(OrderLine("p", "P", 1, Decimal("10.00"), Decimal("10.00")),),
        subtotal=Decimal("10.00"),
        discount=Decimal(0),
        campaign_code=None,
        total_amount=Decimal("10.00"),
        created_at="2026-01-02T00:00:00Z",
        updated_at="2026-01-02T00:00:00Z",
    )


@pytest.fixture
def repository(aws_resources) -> OrderRepository:
    return OrderRepository.from_settings()


def test_inserting_an_existing_order_keeps_the_first_and_returns_it(repository: OrderRepository) -> None:
    repository.insert(order(tenant_id="first"))
    stored, created = repository.insert(order(tenant_id="second"))
    assert (created, stored.tenant_id) == (False, "first")
    assert repository.get("ord-1") == order(tenant_id="first")


def test_a_refused_move_reports_the_current_order_and_any_owed_notification(repository: OrderRepository) -> None:
    repository.insert(order())
    repository.change_status("ord-1", S.PAID, frozenset({S.CREATED}), "2026-01-03T00:00:00Z", "ORDER_PAID")
    with pytest.raises(StatusNotChanged) as refused:
        repository.change_status("ord-1", S.PAID, frozenset({S.CREATED}), "2026-01-04T00:00:00Z", "ORDER_PAID")
    assert refused.value.current is not None
    assert refused.value.current.status is S.PAID
    assert refused.value.pending_notification == "ORDER_PAID"


def test_a_move_of_a_missing_order_reports_none(repository: OrderRepository) -> None:
    with pytest.raises(StatusNotChanged) as refused:
        repository.change_status("nope", S.PAID, frozenset({S.CREATED}), "2026-01-03T00:00:00Z", None)
    assert refused.value.current is None


def test_clearing_an_owed_notification_twice_is_harmless(repository: OrderRepository) -> None:
    repository.insert(order())
    repository.change_status("ord-1", S.PAID, frozenset({S.CREATED}), "2026-01-03T00:00:00Z", "ORDER_PAID")
    repository.clear_pending_notification("ord-1", "ORDER_PAID")
    repository.clear_pending_notification("ord-1", "ORDER_PAID")
    item = repository.table.get_item(Key=order_key("ord-1"))["Item"]
    assert PENDING_NOTIFICATION not in item


@pytest.mark.parametrize("operation", ["insert", "change_status", "clear_pending_notification"])
def test_errors_other_than_a_failed_condition_propagate(repository: OrderRepository, operation: str) -> None:
    client = repository.table.meta.client
    calls = {
        "insert": ("put_item", lambda: repository.insert(order())),
        "change_status": (
            "update_item",
            lambda: repository.change_status("ord-1", S.PAID, frozenset({S.CREATED}), "now", None),
        ),
        "clear_pending_notification": (
            "update_item",
            lambda: repository.clear_pending_notification("ord-1", "ORDER_PAID"),
        ),
    }
    method, run = calls[operation]
    with Stubber(client) as stub:
        stub.add_client_error(method, service_error_code="InternalServerError", http_status_code=500)
        with pytest.raises(ClientError):
            run()
