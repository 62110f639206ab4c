"""The default templates in templates/email/ render, with everything a customer must see."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from jinja2 import FileSystemLoader

from bbws.notifications.logic.context import template_context
from bbws.notifications.logic.rendering import EmailRenderer, template_files
from bbws.notifications.models.emails import EmailTemplate

TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "email"


@dataclass(frozen=True)
class Line:
    product_id: str
    product_name: str
    quantity: int
    unit_price: Decimal
    total_price: Decimal


@dataclass(frozen=True)
class View:
    order_id: str = "ord-42"
    tenant_id: str | None = "ten-1"
    customer_email: str = "thandi@acme.example"
    customer_id: str | None = None
    status: str = "CREATED"
    currency: str = "ZAR"
    items: tuple[Line, ...] = (
        Line("website-business", "Business <Website> & Co", 1, Decimal("12500.00"), Decimal("12500.00")),
        Line("hosting-standard", "Standard Hosting", 3, Decimal("349.00"), Decimal("1047.00")),
    )
    subtotal: Decimal | None = Decimal("13547.00")
    discount: Decimal | None = Decimal("1354.70")
    campaign_code: str | None = "LAUNCH10"
    total_amount: Decimal = Decimal("12192.30")
    created_at: str = "2026-01-02T21:00:00Z"


renderer = EmailRenderer(FileSystemLoader(TEMPLATES))


@pytest.mark.parametrize("template", list(EmailTemplate))
def test_every_email_has_its_three_files(template: EmailTemplate) -> None:
    assert all((TEMPLATES / name).is_file() for name in template_files(template))


@pytest.mark.parametrize("template", list(EmailTemplate))
@pytest.mark.parametrize("order", [View(), View(discount=Decimal("0.00"), campaign_code=None, tenant_id=None)])
def test_every_email_shows_the_order_summary_in_both_parts(template: EmailTemplate, order: View) -> None:
    email = renderer.render(template, template_context(order, support_email="orders@bbws.example"))
    assert "ord-42" in email.subject
    for part in (email.html, email.text):
        assert "ord-42" in part
        assert "2 January 2026" in part
        assert "Standard Hosting" in part
        assert "ZAR 349.00" in part
        assert "ZAR 1,047.00" in part
        assert ("ZAR 1,354.70" in part) is (order.discount != 0)
        assert "ZAR 13,547.00" in part
    # The HTML is a 600px table layout with the brand, and product names are escaped.
    assert 'width="600"' in email.html
    assert ">BBWS<" in email.html
    assert "Business &lt;Website&gt; &amp; Co" in email.html
    assert "Business <Website> & Co" in email.text


def test_the_internal_notification_names_the_customer_and_tenant() -> None:
    email = renderer.render(EmailTemplate.INTERNAL_NOTIFICATION, template_context(View(), support_email="x@y.example"))
    for part in (email.html, email.text):
        assert "thandi@acme.example" in part
        assert "ten-1" in part
        assert "LAUNCH10" in part


def test_customer_emails_tell_them_how_to_reach_the_shop() -> None:
    context = template_context(View(), support_email="orders@bbws.example")
    for template in (EmailTemplate.CUSTOMER_CONFIRMATION, EmailTemplate.ORDER_RECEIPT):
        email = renderer.render(template, context)
        assert "orders@bbws.example" in email.html
        assert "orders@bbws.example" in email.text
