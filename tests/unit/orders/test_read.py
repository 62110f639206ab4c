"""The published read module finds stored orders and nothing else."""

from __future__ import annotations

from decimal import Decimal

from bbws.core import aws
from bbws.core.settings import get_settings
from bbws.orders.dal.items import to_item
from bbws.orders.models.order import Order, OrderLine, OrderStatus
from bbws.orders.read import get_order


def _stored_order() -> Order:
    return Order(
        order_id="ord-1",
        tenant_id="tenant-1",
        customer_email="shopper@example.com",
        customer_id=None,
        status=OrderStatus.CREATED,
        currency="ZAR",
        items=(OrderLine("site-basic", "Basic site", 2, Decimal("100.00"), Decimal("200.00")),),
        subtotal=Decimal("200.00"),
        discount=Decimal("20.00"),
        campaign_code="SAVE10",
        total_amount=Decimal("180.00"),
        created_at="2026-01-02T12:00:00Z",
        updated_at="2026-01-02T12:00:00Z",
    )


def test_a_stored_order_is_read_with_its_lines_and_amounts(aws_resources) -> None:
    # Given an order stored in the orders table
    aws.table(get_settings().require("orders_table_name")).put_item(Item=to_item(_stored_order()))
    # When another service reads it
    view = get_order("ord-1")
    # Then it sees the order as stored, with exact amounts
    assert view is not None
    assert (view.tenant_id, view.status, view.customer_id, view.campaign_code) == (
        "tenant-1",
        "CREATED",
        None,
        "SAVE10",
    )
    assert view.items[0].product_id == "site-basic"
    assert view.items[0].quantity == 2
    assert view.total_amount == Decimal("180.00")
    assert view.discount == Decimal("20")


def test_a_missing_order_is_none(aws_resources) -> None:
    assert get_order("ord-404") is None


def test_an_id_that_cannot_exist_is_none_without_a_read() -> None:
    # No AWS fixture: a read would fail for want of a table name.
    assert get_order("../etc/passwd") is None
