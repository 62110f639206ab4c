"""The variables a template sees: the order with its money already formatted for people."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bbws.core.money import format_money
from bbws.notifications.models.order import NotifiableOrder

SHOP_NAME = "BBWS"


def display_money(amount: Decimal, currency: str) -> str:
    """`ZAR 12,500.00`: the platform's exact wire form (`format_money`) with the currency code
    and thousands grouped, never through a float or a locale."""
    wire = format_money(amount, currency)
    sign, digits = ("-", wire[1:]) if wire.startswith("-") else ("", wire)
    whole, _, fraction = digits.partition(".")
    grouped = f"{int(whole):,}"
    return f"{currency} {sign}{grouped}{'.' + fraction if fraction else ''}"


def display_date(created_at: str | datetime) -> str:
    """`2 January 2026, 21:00 UTC` (a timestamp the platform stores as ISO 8601 UTC)."""
    moment = created_at if isinstance(created_at, datetime) else datetime.fromisoformat(created_at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def template_context(order: NotifiableOrder, *, support_email: str) -> dict[str, Any]:
    """Everything the default templates use. Templates in S3 may use any subset of it; a name
    outside it is an error (StrictUndefined), never a silently blank field."""
    currency = order.currency
    lines = [
        {
            "product_id": item.product_id,
            "name": item.product_name,
            "quantity": int(item.quantity),
            "unit_price": display_money(item.unit_price, currency),
            "line_total": display_money(item.total_price, currency),
        }
        for item in order.items
    ]
    discount = order.discount if order.discount is not None else Decimal(0)
    # The earlier message shape had no subtotal; the lines always add up to it.
    subtotal = order.subtotal if order.subtotal is not None else sum((i.total_price for i in order.items), Decimal(0))
    return {
        "shop": {"name": SHOP_NAME, "support_email": support_email},
        "order": {
            "id": order.order_id,
            "date": display_date(order.created_at),
            "status": order.status,
            "currency": currency,
            "customer_email": order.customer_email,
            "customer_id": order.customer_id or "",
            "tenant_id": order.tenant_id or "",
            "lines": lines,
            "item_count": sum(item["quantity"] for item in lines),
            "subtotal": display_money(subtotal, currency),
            "discount": display_money(discount, currency),
            "has_discount": discount > 0,
            "campaign_code": order.campaign_code or "",
            "total": display_money(order.total_amount, currency),
        },
    }
