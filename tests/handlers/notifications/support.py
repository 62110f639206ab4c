"""What notification tests share: stored orders, the emulated SES outbox, SES fault injection.

Plain helpers; the handler tests' conftest and the BDD module wrap them in fixtures.
"""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from email.message import EmailMessage
from typing import Any, Protocol

from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from bbws.core import aws
from bbws.local.provision import Resources
from bbws.notifications.handlers import consumer
from bbws.orders.dal.items import to_item
from bbws.orders.models.order import Order, OrderLine, OrderStatus

REGION = "eu-west-1"


def sample_order(**changes: Any) -> Order:
    order = Order(
        order_id="ord-1001",
        tenant_id="ten-acme",
        customer_email="thandi@acme.example",
        customer_id="cus-1",
        status=OrderStatus.CREATED,
        currency="ZAR",
        items=(
            OrderLine("website-business", "Business Website", 1, Decimal("12500.00"), Decimal("12500.00")),
            OrderLine("hosting-standard", "Standard Hosting", 3, Decimal("349.00"), Decimal("1047.00")),
        ),
        subtotal=Decimal("13547.00"),
        discount=Decimal("1354.70"),
        campaign_code="LAUNCH10",
        total_amount=Decimal("12192.30"),
        created_at="2026-01-02T21:00:00Z",
        updated_at="2026-01-02T21:00:00Z",
    )
    return replace(order, **changes)


def notification(
    kind: str = "ORDER_CREATED", order_id: str = "ord-1001", tenant_id: str | None = "ten-acme"
) -> dict[str, Any]:
    return {"schemaVersion": 1, "type": kind, "orderId": order_id, "tenantId": tenant_id}


@dataclass(frozen=True)
class SentEmail:
    sender: str
    recipients: tuple[str, ...]
    subject: str
    html: str
    text: str


def _parse(raw: str) -> SentEmail:
    message = email.message_from_string(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    assert isinstance(html_part, EmailMessage)
    assert html_part.get_content_subtype() == "html"
    assert isinstance(text_part, EmailMessage)
    assert text_part.get_content_subtype() == "plain"
    return SentEmail(
        sender=str(message["From"].addresses[0].addr_spec),
        recipients=tuple(str(a.addr_spec) for a in message["To"].addresses),
        subject=str(message["Subject"]),
        html=str(html_part.get_content()),
        text=str(text_part.get_content()),
    )


def sent_emails() -> list[SentEmail]:
    """Every email moto's SES accepted so far, parsed from the raw MIME it recorded."""
    return [_parse(m.raw_data) for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages]


class OrderStore(Protocol):
    def __call__(self, **changes: Any) -> Order: ...


def order_store(resources: Resources) -> OrderStore:
    """Stores orders as the orders service's own data access writes them."""

    def store(**changes: Any) -> Order:
        if isinstance(changes.get("status"), str):
            changes["status"] = OrderStatus(changes["status"])
        order = sample_order(**changes)
        aws.table(resources.settings["orders_table_name"]).put_item(Item=to_item(order))
        return order

    return store


@contextmanager
def fresh_notifier() -> Iterator[None]:
    """The notifier (and its template cache) built against the current emulated account."""
    consumer.notifier.cache_clear()
    consumer.suppression_list.cache_clear()
    try:
        yield
    finally:
        consumer.notifier.cache_clear()
        consumer.suppression_list.cache_clear()


@dataclass
class SesFaults:
    """Makes SES SendEmail calls fail with chosen error codes before they reach the emulator."""

    planned: list[tuple[str, int]] = field(default_factory=list)
    gate: threading.Event | None = None
    entered: threading.Event = field(default_factory=threading.Event)
    calls: int = 0

    def fail_next(self, code: str, status: int = 400, times: int = 1) -> None:
        self.planned.extend([(code, status)] * times)

    def hold_first_send(self) -> threading.Event:
        """Block the next send until the returned event is set (a slow SES call in flight)."""
        self.gate = threading.Event()
        return self.gate

    def __call__(self, **_: Any) -> None:
        self.calls += 1
        gate, self.gate = self.gate, None
        if gate is not None:
            self.entered.set()
            assert gate.wait(timeout=10), "the held SES call was never released"
        if self.planned:
            code, status = self.planned.pop(0)
            error = {"Code": code, "Message": f"injected {code}"}
            raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}, "SendEmail")


def install_ses_faults() -> SesFaults:
    """Fault injection on the platform's SES client, ahead of the emulator."""
    faults = SesFaults()
    aws.ses().meta.events.register("before-call.sesv2.SendEmail", faults)
    return faults
