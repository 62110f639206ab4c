"""What each event sends to whom, and how an order reads in an email."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bbws.core.errors import ConfigurationError
from bbws.notifications.logic.context import display_date, display_money, template_context
from bbws.notifications.logic.plan import plan_emails
from bbws.notifications.models.emails import EmailTemplate, PlannedEmail
from bbws.notifications.models.messages import NotificationType


@dataclass(frozen=True)
class Line:
    product_id: str = "hosting-standard"
    product_name: str = "Standard Hosting"
    quantity: int = 3
    unit_price: Decimal = Decimal("349.00")
    total_price: Decimal = Decimal("1047.00")


@dataclass(frozen=True)
class View:
    order_id: str = "ord-1"
    tenant_id: str | None = "ten-1"
    customer_email: str = "thandi@acme.example"
    customer_id: str | None = None
    status: str = "CREATED"
    currency: str = "ZAR"
    items: tuple[Line, ...] = (Line(),)
    subtotal: Decimal | None = Decimal("1047.00")
    discount: Decimal | None = Decimal("0.00")
    campaign_code: str | None = None
    total_amount: Decimal = Decimal("1047.00")
    created_at: str | datetime = "2026-01-02T21:00:00Z"


STAFF = ("sales@bbws.example", "ops@bbws.example")


def test_order_created_notifies_staff_and_confirms_to_the_customer() -> None:
    assert plan_emails(NotificationType.ORDER_CREATED, View(), STAFF) == (
        PlannedEmail(EmailTemplate.INTERNAL_NOTIFICATION, STAFF),
        PlannedEmail(EmailTemplate.CUSTOMER_CONFIRMATION, ("thandi@acme.example",)),
    )


def test_order_paid_sends_the_customer_a_receipt() -> None:
    assert plan_emails(NotificationType.ORDER_PAID, View(), STAFF) == (
        PlannedEmail(EmailTemplate.ORDER_RECEIPT, ("thandi@acme.example",)),
    )


def test_order_created_without_internal_addresses_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="INTERNAL_EMAILS"):
        plan_emails(NotificationType.ORDER_CREATED, View(), ())


def test_a_receipt_needs_no_internal_addresses() -> None:
    assert len(plan_emails(NotificationType.ORDER_PAID, View(), ())) == 1


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("12500"), "ZAR", "ZAR 12,500.00"),
        (Decimal("0.5"), "USD", "USD 0.50"),
        (Decimal("1500"), "JPY", "JPY 1,500"),
        (Decimal("1234567.125"), "KWD", "KWD 1,234,567.125"),
        (Decimal("-10.005"), "EUR", "EUR -10.01"),
        (Decimal("999.995"), "GBP", "GBP 1,000.00"),
    ],
)
def test_money_reads_with_its_currency_code_and_grouped_thousands(amount: Decimal, currency: str, shown: str) -> None:
    assert display_money(amount, currency) == shown


@pytest.mark.parametrize(
    "moment",
    [
        "2026-01-02T21:00:00Z",
        "2026-01-02T21:00:00",
        datetime(2026, 1, 2, 23, 0, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_order_dates_read_in_utc(moment: str | datetime) -> None:
    assert display_date(moment) == "2 January 2026, 21:00 UTC"


def test_context_carries_the_order_lines_and_totals_formatted() -> None:
    order = View(discount=Decimal("104.70"), campaign_code="LAUNCH10", total_amount=Decimal("942.30"))
    context = template_context(order, support_email="orders@bbws.example")
    assert context["shop"] == {"name": "BBWS", "support_email": "orders@bbws.example"}
    summary = context["order"]
    assert summary["lines"] == [
        {
            "product_id": "hosting-standard",
            "name": "Standard Hosting",
            "quantity": 3,
            "unit_price": "ZAR 349.00",
            "line_total": "ZAR 1,047.00",
        }
    ]
    assert (summary["subtotal"], summary["discount"], summary["total"]) == ("ZAR 1,047.00", "ZAR 104.70", "ZAR 942.30")
    assert summary["has_discount"] is True
    assert summary["campaign_code"] == "LAUNCH10"
    assert summary["item_count"] == 3


def test_an_order_without_discount_or_subtotal_reads_from_its_lines() -> None:
    # The earlier message shape stored no subtotal or discount.
    order = replace(View(), subtotal=None, discount=None, items=(Line(), Line(quantity=1, total_price=Decimal("349"))))
    summary = template_context(order, support_email="orders@bbws.example")["order"]
    assert summary["subtotal"] == "ZAR 1,396.00"
    assert summary["has_discount"] is False
    assert summary["tenant_id"] == "ten-1"
    assert summary["customer_id"] == ""
