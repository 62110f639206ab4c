"""The published read API of orders: what other services (notifications) may know of an order.

Other services import only this module. Reading one order is one strongly consistent GetItem,
so a notification handled right after the consumer stored the order always finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bbws.core import aws
from bbws.core.settings import get_settings
from bbws.orders.dal.items import from_item
from bbws.orders.dal.schema import order_key
from bbws.orders.models.order import ORDER_ID


@dataclass(frozen=True)
class OrderLineView:
    product_id: str
    product_name: str
    quantity: int
    unit_price: Decimal
    total_price: Decimal


@dataclass(frozen=True)
class OrderView:
    """A stored order as other services see it. Amounts are Decimal in `currency`; format them
    with `bbws.core.money.format_money`."""

    order_id: str
    tenant_id: str
    customer_email: str
    customer_id: str | None
    status: str  # CREATED | PAID | FULFILLED | CANCELLED
    currency: str
    items: tuple[OrderLineView, ...]
    subtotal: Decimal
    discount: Decimal
    campaign_code: str | None
    total_amount: Decimal
    created_at: str
    updated_at: str


def get_order(order_id: str) -> OrderView | None:
    """The stored order with this id, or None if there is none (yet)."""
    if not ORDER_ID.fullmatch(order_id):
        return None
    table = aws.table(get_settings().require("orders_table_name"))
    item = table.get_item(Key=order_key(order_id), ConsistentRead=True).get("Item")
    if not item:
        return None
    order = from_item(item)
    return OrderView(
        order_id=order.order_id,
        tenant_id=order.tenant_id,
        customer_email=order.customer_email,
        customer_id=order.customer_id,
        status=order.status.value,
        currency=order.currency,
        items=tuple(
            OrderLineView(
                product_id=line.product_id,
                product_name=line.product_name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                total_price=line.total_price,
            )
            for line in order.items
        ),
        subtotal=order.subtotal,
        discount=order.discount,
        campaign_code=order.campaign_code,
        total_amount=order.total_amount,
        created_at=order.created_at,
        updated_at=order.updated_at,
    )
