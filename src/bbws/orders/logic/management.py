"""Reading orders and moving them through their lifecycle, for tenants and admins."""

from __future__ import annotations

from bbws.core.errors import Conflict, NotFound, ServiceUnavailable
from bbws.core.identity import Principal, require_admin, tenant_scope
from bbws.core.observability import logger
from bbws.core.pagination import Page
from bbws.orders.dal import queues
from bbws.orders.dal.repository import OrderRepository, StatusNotChanged
from bbws.orders.logic.lifecycle import notification_for, sources_of
from bbws.orders.models.messages import OrderNotification
from bbws.orders.models.order import ORDER_ID, Order, OrderStatus

_NOT_FOUND = "no such order"


def list_orders(repository: OrderRepository, principal: Principal, limit: int, cursor: str | None) -> Page[Order]:
    """A tenant's own orders, or (admin) the selected tenant's or everyone's; newest first."""
    tenant_id = tenant_scope(principal)
    if tenant_id is None:
        return repository.list_all(limit, cursor)
    return repository.list_for_tenant(tenant_id, limit, cursor)


def read_order(repository: OrderRepository, principal: Principal, order_id: str) -> Order:
    """The order, to its tenant or an admin. Another tenant's order (also one outside the tenant
    an admin selected) is the same 404 as a missing one, so ids cannot be probed across tenants."""
    tenant_id = tenant_scope(principal)
    order = repository.get(order_id) if ORDER_ID.fullmatch(order_id) else None
    if order is None or (tenant_id is not None and order.tenant_id != tenant_id):
        raise NotFound(_NOT_FOUND)
    return order


def _announce(repository: OrderRepository, order: Order, notification: str) -> None:
    try:
        announcement = OrderNotification.model_validate(
            {"type": notification, "order_id": order.order_id, "tenant_id": order.tenant_id}
        )
        queues.send_notification(announcement)
    except queues.PublishFailed:
        logger.exception("notification not queued", extra={"order_id": order.order_id})
        raise ServiceUnavailable(
            f"the order is {order.status}, but its {notification} notification could not be queued; "
            "repeat the request to finish"
        ) from None
    repository.clear_pending_notification(order.order_id, notification)


def _illegal_move(current: Order, target: OrderStatus) -> Conflict:
    return Conflict(
        f"an order that is {current.status} cannot become {target}",
        extensions={"currentStatus": current.status.value},
    )


def change_status(
    repository: OrderRepository, principal: Principal, order_id: str, target: OrderStatus, now: str
) -> Order:
    """Move an order along CREATED -> PAID -> FULFILLED or CREATED|PAID -> CANCELLED (admin).

    The move and the notification it owes are written in one conditional update (the outbox);
    the notification is then published and struck off. If publishing fails the answer is a 503
    and the notification stays owed; repeating the same PATCH publishes it (the one case where
    asking for the current status is not a 409), and so does any later move of the order, so a
    receipt owed by PAID is not lost when the order moves on to FULFILLED or CANCELLED.

    An admin that selected a tenant (`X-Tenant-Id`) moves only that tenant's orders: the write
    is conditional on the order's tenant, and any other order is a 404, as GET answers it.
    """
    require_admin(principal)
    tenant_id = tenant_scope(principal)
    if not ORDER_ID.fullmatch(order_id):  # cannot exist; spares DynamoDB a key it would refuse
        raise NotFound(_NOT_FOUND)
    notification = notification_for(target)
    sources = sources_of(target)
    if not sources:  # nothing ever moves to this status (CREATED): no write to attempt
        current = repository.get(order_id)
        if current is None or (tenant_id is not None and current.tenant_id != tenant_id):
            raise NotFound(_NOT_FOUND)
        raise _illegal_move(current, target)
    try:
        order, owed_after_move = repository.change_status(
            order_id, target, sources, now, notification, tenant_id=tenant_id
        )
    except StatusNotChanged as refused:
        current = refused.current
        if current is None or (tenant_id is not None and current.tenant_id != tenant_id):
            raise NotFound(_NOT_FOUND) from None
        owed = refused.pending_notification
        if current.status is target and owed is not None:
            _announce(repository, current, owed)
            return current
        raise _illegal_move(current, target) from None
    if owed_after_move is not None:
        _announce(repository, order, owed_after_move)
    return order
