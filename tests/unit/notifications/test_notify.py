"""The notifier's rules, with the AWS ports replaced by in-memory fakes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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
from bbws.notifications.models.emails import Claim, EmailTemplate, RenderedEmail, Suppression
from bbws.notifications.models.messages import NotificationMessage, NotificationType
from bbws.orders.email_issues import EmailIssue, EmailProblem


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
    tags: list[Mapping[str, str]] = field(default_factory=list)

    def send(self, raw_message: bytes, sender: str, tags: Mapping[str, str]) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(raw_message)
        self.senders.append(sender)
        self.tags.append(dict(tags))
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
        if current in ("SENT", "SUPPRESSED"):
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

    def mark_suppressed(self, claim: Claim) -> None:
        self.state[(claim.order_id, claim.template)] = "SUPPRESSED"

    def release(self, claim: Claim) -> None:
        if self.fail_release:
            raise RuntimeError("DynamoDB unavailable")
        self.released.append(claim.template)
        del self.state[(claim.order_id, claim.template)]


@dataclass
class FakeSuppressions:
    """The account's suppression list: address -> reason; reads are counted."""

    listed: dict[str, str] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    unavailable: bool = False

    def suppression_of(self, address: str) -> Suppression | None:
        self.reads.append(address)
        if self.unavailable:
            raise EmailServiceUnavailable("SES is down")
        reason = self.listed.get(address.lower())
        return Suppression(address, reason, "2026-01-01T00:00:00Z") if reason else None


@dataclass
class World:
    orders: dict[str, View] = field(default_factory=lambda: {"ord-1": View()})
    mailer: FakeMailer = field(default_factory=FakeMailer)
    ledger: FakeLedger = field(default_factory=FakeLedger)
    suppressions: FakeSuppressions = field(default_factory=FakeSuppressions)
    issues: list[tuple[str, EmailIssue]] = field(default_factory=list)

    def notifier(self, sender: str = "orders@bbws.example") -> Notifier:
        return Notifier(
            read_order=self.orders.get,
            renderer=FakeRenderer(),
            mailer=self.mailer,
            ledger=self.ledger,
            sender=sender,
            internal_emails=("sales@bbws.example",),
            suppressions=self.suppressions,
            record_issue=lambda order_id, issue: self.issues.append((order_id, issue)),
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


def test_every_email_is_tagged_with_its_order_and_template() -> None:
    """Given an ORDER_CREATED, then each send carries the order id and template as SES tags, which
    SES copies into the bounce or complaint events about it."""
    world = World()
    world.notifier().notify(message(), lease_until_ms=LEASE)
    assert world.mailer.tags == [
        {"orderId": "ord-1", "template": "internal_notification"},
        {"orderId": "ord-1", "template": "customer_confirmation"},
    ]


def test_a_suppressed_customer_is_not_mailed_and_the_order_says_why() -> None:
    # Given the customer's address bounced before and is on the suppression list
    world = World()
    world.suppressions.listed["thandi@acme.example"] = "BOUNCE"
    # When the order is paid (the receipt is due)
    deliveries = world.notifier().notify(message(NotificationType.ORDER_PAID), lease_until_ms=LEASE)
    # Then no receipt goes out, and that is final
    assert deliveries == {EmailTemplate.ORDER_RECEIPT: Delivery.SUPPRESSED}
    assert world.mailer.sent == []
    assert world.ledger.state == {("ord-1", "order_receipt"): "SUPPRESSED"}
    # And the order records the reason
    [(order_id, issue)] = world.issues
    assert order_id == "ord-1"
    assert (issue.template, issue.recipient, issue.problem) == (
        "order_receipt",
        "thandi@acme.example",
        EmailProblem.SUPPRESSED,
    )
    assert "bounce" in issue.detail
    # And a redelivery neither reads the list again nor sends
    reads = len(world.suppressions.reads)
    assert world.notifier().notify(message(NotificationType.ORDER_PAID), lease_until_ms=LEASE) == {
        EmailTemplate.ORDER_RECEIPT: Delivery.ALREADY_SENT
    }
    assert len(world.suppressions.reads) == reads
    assert world.mailer.sent == []


def test_a_suppressed_recipient_is_dropped_and_the_others_still_get_the_email() -> None:
    """Given two internal recipients, one of which complained, then the email goes to the other
    only (its To header too)."""
    world = World()
    world.suppressions.listed["sales@bbws.example"] = "COMPLAINT"
    notifier = replace(world.notifier(), internal_emails=("sales@bbws.example", "ops@bbws.example"))
    deliveries = notifier.notify(message(), lease_until_ms=LEASE)
    assert deliveries[EmailTemplate.INTERNAL_NOTIFICATION] is Delivery.SENT
    internal = world.mailer.sent[0].decode()
    assert "ops@bbws.example" in internal
    assert "sales@bbws.example" not in internal
    assert [(issue.recipient, issue.problem) for _, issue in world.issues] == [
        ("sales@bbws.example", EmailProblem.SUPPRESSED)
    ]


def test_an_unreadable_suppression_list_is_a_transient_failure_that_keeps_nothing_claimed() -> None:
    world = World()
    world.suppressions.unavailable = True
    with pytest.raises(EmailsFailed) as failed:
        world.notifier().notify(message(NotificationType.ORDER_PAID), lease_until_ms=LEASE)
    assert failed.value.permanent is False
    assert world.ledger.state == {}
    assert world.mailer.sent == []
