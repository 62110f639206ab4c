"""The order status lifecycle: CREATED -> PAID -> FULFILLED, CREATED|PAID -> CANCELLED."""

from __future__ import annotations

from types import MappingProxyType

from bbws.orders.models.order import OrderStatus

# target status -> the statuses an order may move to it from. CREATED is set only by the
# consumer when it stores an order; nothing moves back to it.
ALLOWED_FROM: MappingProxyType[OrderStatus, frozenset[OrderStatus]] = MappingProxyType(
    {
        OrderStatus.PAID: frozenset({OrderStatus.CREATED}),
        OrderStatus.FULFILLED: frozenset({OrderStatus.PAID}),
        OrderStatus.CANCELLED: frozenset({OrderStatus.CREATED, OrderStatus.PAID}),
    }
)


def sources_of(target: OrderStatus) -> frozenset[OrderStatus]:
    """The statuses from which an order may move to `target` (empty: never)."""
    return ALLOWED_FROM.get(target, frozenset())


def can_move(current: OrderStatus, target: OrderStatus) -> bool:
    return current in sources_of(target)


def notification_for(target: OrderStatus) -> str | None:
    """The notification a move to `target` announces (SPEC §5: a receipt once paid)."""
    return "ORDER_PAID" if target is OrderStatus.PAID else None
