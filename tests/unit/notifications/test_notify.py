"""The notifier's rules, with the AWS ports replaced by in-memory fakes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from bbws.notifications.errors import (
    ClaimHeldElsewhere,
    EmailRejected,
    EmailServiceUnavailable,
    EmailsFailed,
    InvalidHeader,
    InvalidNotification,
    OrderNotFoundYet,
)
from bbws.notifications.logic.notify import Delivery, Notifier
from bbws.notifications.models.emails import Claim, EmailTemplate, RenderedEmail
from bbws.notifications.models.messages import NotificationMessage, NotificationType


@dataclass(frozen=True)
class Line:
    product_id: str = "website-business"
    product_name: str = "Business Website"
    quantity: int = 1
    unit_price: Decimal = Decimal("100.00")
    total_price: Decimal = Decimal("100.00")


@dataclass(frozen=True)
class View:
    order_id: str = "ord-1"
    tenant_id: str | None = "ten-1"
    customer_email: str = "thandi@acme.example"
    customer_id: str | None = None
    status: str = "CREATED"
    currency: str = "ZAR"
    items: tuple[Line, ...] = (Line(),)
    subtotal: Decimal | None = Decimal("100.00")
    discount: Decimal | None = Decimal("0.00")
    campaign_code: str | None = None
    total_amount: Decimal = Decimal("100.00")
    created_at: str = "2026-01-02T21:00:00Z"


class FakeRenderer:
    def render(self, template: EmailTemplate | str, context: Mapping[str, Any]) -> RenderedEmail:
        return RenderedEmail(subject=f"{template} {context['order']['id']}", html="<p>hi</p>", text="hi")


@dataclass
class FakeMailer:
    sent: list[bytes] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    senders: list[str] = field(default_factory=list)

    def send(self, raw_message: bytes, sender: str) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(raw_message)
        self.senders.append(sender)
        return f"ses-{len(self.sent)}"


@dataclass
class FakeLedger:
    """A dict of (order, template) -> state, with the claim semantics of the DynamoDB ledger."""

    state: dict[tuple[str, str], str] = field(default_factory=dict)
    released: list[str] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)
    fail_mark_sent: bool = False
    fail_release: bool = False

    def claim(self, order_id: str, template: str, lease_until_ms: int) -> Claim | None:
        current = self.state.get((order_id, template))
        if current == "SENT":
            return None
        if current == "SENDING":
            raise ClaimHeldElsewhere(template)
        self.state[(order_id, template)] = "SENDING"
        return Claim(order_id, template, "token", lease_until_ms)

    def mark_sent(self, claim: Claim, ses_message_id: str) -> None:
        if self.fail_mark_sent:
            raise RuntimeError("DynamoDB unavailable")
        self.state[(claim.order_id, claim.template)] = "SENT"
        self.message_ids.append(ses_message_id)

    def release(self, claim: Claim) -> None:
        if self.fail_release:
            raise RuntimeError("DynamoDB unavailable")
        self.released.append(claim.template)
        del self.state[(claim.order_id, claim.template)]


@dataclass
class World:
    orders: dict[str, View] = field(default_factory=lambda: {"ord-1": View()})
    mailer: FakeMailer = field(default_factory=FakeMailer)
    ledger: FakeLedger = field(default_factory=FakeLedger)

    def notifier(self, sender: str = "orders@bbws.example") -> Notifier:
        return Notifier(
            read_order=self.orders.get,
            renderer=FakeRenderer(),
            mailer=self.mailer,
            ledger=self.ledger,
            sender=sender,
            internal_emails=("sales@bbws.example",),
        )


def message(
    kind: NotificationType = NotificationType.ORDER_CREATED, tenant: str | None = "ten-1"
) -> NotificationMessage:
    return NotificationMessage.model_validate(
        {"schemaVersion": 1, "type": kind, "orderId": "ord-1", "tenantId": tenant}
    )


LEASE = 10**13


def test_order_created_sends_two_emails_and_records_both() -> None:
    world = World()
    deliveries = world.notifier().notify(message(), lease_until_ms=LEASE)
    assert deliveries == {
        EmailTemplate.INTERNAL_NOTIFICATION: Delivery.SENT,
        EmailTemplate.CUSTOMER_CONFIRMATION: Delivery.SENT,
    }
    assert world.mailer.senders == ["orders@bbws.example"] * 2
    assert set(world.ledger.state.values()) == {"SENT"}
    assert world.ledger.message_ids == ["ses-1", "ses-2"]


def test_a_second_delivery_sends_nothing() -> None:
    world = World()
    world.notifier().notify(message(), lease_until_ms=LEASE)
    again = world.notifier().notify(message(), lease_until_ms=LEASE)
    assert set(again.values()) == {Delivery.ALREADY_SENT}
    assert len(world.mailer.sent) == 2


def test_a_failed_send_releases_its_claim_so_the_retry_sends_it() -> None:
    # Given SES fails transiently for the first email
    world = World()
    world.mailer.failures.append(EmailServiceUnavailable("throttled"))
    # When the message is handled, Then it fails naming that email, transiently
    with pytest.raises(EmailsFailed) as failed:
        world.notifier().notify(message(NotificationType.ORDER_PAID), lease_until_ms=LEASE)
    assert set(failed.value.failures) == {"order_receipt"}
    assert failed.value.permanent is False
    # And the claim was given back
    assert world.ledger.released == ["order_receipt"]
    # When retried, Then the receipt is sent
    assert world.notifier().notify(message(NotificationType.ORDER_PAID), lease_until_ms=LEASE) == {
        EmailTemplate.ORDER_RECEIPT: Delivery.SENT
    }


def test_one_failing_email_does_not_stop_the_other() -> None:
    world = World()
    world.mailer.failures.append(EmailRejected("rejected"))
    with pytest.raises(EmailsFailed) as failed:
        world.notifier().notify(message(), lease_until_ms=LEASE)
    assert failed.value.permanent is True
    assert set(failed.value.failures) == {"internal_notification"}
    assert len(world.mailer.sent) == 1


def test_an_unexpected_error_while_sending_still_releases_the_claim() -> None:
    world = World()
    world.mailer.failures.append(KeyError("bug"))
    with pytest.raises(KeyError):
        world.notifier().notify(message(NotificationType.ORDER_PAID), lease_until_ms=LEASE)
    assert world.ledger.state == {}


def test_a_release_that_fails_does_not_hide_the_send_error() -> None:
    world = World()
    world.mailer.failures.append(EmailServiceUnavailable("503"))
    world.ledger.fail_release = True
    with pytest.raises(EmailsFailed, match="503"):
        world.notifier().notify(message(NotificationType.ORDER_PAID), lease_until_ms=LEASE)


def test_an_email_sent_but_not_recorded_is_not_failed_again() -> None:
    # Failing the record would make the retry send a second copy.
    world = World()
    world.ledger.fail_mark_sent = True
    deliveries = world.notifier().notify(message(NotificationType.ORDER_PAID), lease_until_ms=LEASE)
    assert deliveries == {EmailTemplate.ORDER_RECEIPT: Delivery.SENT}
    assert len(world.mailer.sent) == 1


def test_an_order_not_found_is_transient() -> None:
    world = World(orders={})
    with pytest.raises(OrderNotFoundYet) as failed:
        world.notifier().notify(message(), lease_until_ms=LEASE)
    assert failed.value.permanent is False
    assert world.mailer.sent == []


def test_a_message_naming_another_tenant_is_refused() -> None:
    with pytest.raises(InvalidNotification):
        World().notifier().notify(message(tenant="ten-2"), lease_until_ms=LEASE)


def test_a_message_without_tenant_is_accepted() -> None:
    world = World()
    world.notifier().notify(message(tenant=None), lease_until_ms=LEASE)
    assert len(world.mailer.sent) == 2


def test_a_bad_address_fails_before_any_claim_is_taken() -> None:
    world = World(orders={"ord-1": View(customer_email="not an address")})
    with pytest.raises(EmailsFailed) as failed:
        world.notifier().notify(message(NotificationType.ORDER_PAID), lease_until_ms=LEASE)
    assert isinstance(failed.value.failures["order_receipt"], InvalidHeader)
    assert failed.value.permanent is True
    assert world.ledger.state == {}


def test_an_email_claimed_elsewhere_is_retried_later() -> None:
    world = World()
    world.ledger.state[("ord-1", "order_receipt")] = "SENDING"
    with pytest.raises(EmailsFailed) as failed:
        world.notifier().notify(message(NotificationType.ORDER_PAID), lease_until_ms=LEASE)
    assert failed.value.permanent is False
    assert world.mailer.sent == []
