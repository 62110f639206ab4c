"""An order as the API shows it: amounts formatted with the currency's minor-unit digits."""

from __future__ import annotations

from bbws.core.money import format_money
from bbws.orders.models.api import EmailIssueView, OrderLineView, OrderView
from bbws.orders.models.order import Order


def to_view(order: Order, *, admin: bool = False) -> OrderView:
    """The order as its caller may see it: an admin also sees why emails were not delivered."""
    money = order.currency
    return OrderView(
        order_id=order.order_id,
        tenant_id=order.tenant_id,
        customer_id=order.customer_id,
        customer_email=order.customer_email,
        status=order.status,
        currency=money,
        items=[
            OrderLineView(
                product_id=line.product_id,
                product_name=line.product_name,
                quantity=line.quantity,
                unit_price=format_money(line.unit_price, money),
                total_price=format_money(line.total_price, money),
            )
            for line in order.items
        ],
        subtotal=format_money(order.subtotal, money),
        discount=format_money(order.discount, money),
        campaign_code=order.campaign_code,
        total_amount=format_money(order.total_amount, money),
        created_at=order.created_at,
        updated_at=order.updated_at,
        email_delivery_issues=[
            EmailIssueView(
                template=issue.template,
                recipient=issue.recipient,
                problem=issue.problem,
                detail=issue.detail,
                at=issue.at,
            )
            for issue in order.email_issues
        ]
        if admin
        else None,
    )
