"""Turning an OrderSubmitted message into a stored order, exactly once, then announcing it.

Delivery is at least once, so every step is idempotent:
1. the tenant is resolved by email (exactly one tenant per email, however many race);
2. the order is stored with one conditional PutItem keyed by orderId: of any number of
   deliveries of one message, concurrent or not, exactly one stores it;
3. ORDER_CREATED is published only after the order is durable, by EVERY delivery that finds
   the order stored, not only by the one that stored it. A crash (or a failed publish) between
   2 and 3 leaves the message on the queue; its redelivery finds the order and publishes. The
   notifier drops the duplicates this produces.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from bbws.core.clock import now_iso
from bbws.core.observability import logger, metrics
from bbws.orders.dal import queues
from bbws.orders.dal.repository import OrderRepository
from bbws.orders.models.messages import OrderNotification, OrderSubmitted
from bbws.orders.models.order import Order, OrderLine, OrderStatus
from bbws.tenants.directory import resolve_tenant


def order_from_message(message: OrderSubmitted, tenant_id: str, now: str) -> Order:
    subtotal, discount, total_amount = message.amounts()
    return Order(
        order_id=message.order_id,
        tenant_id=tenant_id,
        customer_email=message.customer_email,
        customer_id=message.customer_id,
        status=OrderStatus.CREATED,
        currency=message.currency,
        items=tuple(
            OrderLine(
                product_id=line.product_id,
                product_name=line.product_name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                total_price=line.total_price,
            )
            for line in message.items
        ),
        subtotal=subtotal,
        discount=discount,
        campaign_code=message.campaign_code,
        total_amount=total_amount,
        created_at=message.created_at,
        updated_at=now,
    )


def record_order(message: OrderSubmitted, repository: OrderRepository) -> Order:
    """Store the submitted order (once) and announce it (at least once). Returns the stored
    order; raises if anything failed, so the message is delivered again."""
    # No read first: the conditional write is the guard (a redelivery's write fails and returns
    # the stored order at no extra cost), so a new order costs one read less. A redelivery
    # resolves the tenant again, which finds the tenant the first delivery resolved.
    tenant_id = message.tenant_id or resolve_tenant(message.customer_email)
    stored, created = repository.insert(order_from_message(message, tenant_id, now_iso()))
    logger.info("order stored" if created else "order already stored", extra={"order_id": stored.order_id})
    if created:
        metrics.add_metric(name="OrdersStored", unit=MetricUnit.Count, value=1)
    announcement = OrderNotification(type="ORDER_CREATED", order_id=stored.order_id, tenant_id=stored.tenant_id)
    queues.send_notification(announcement)
    return stored
