"""Announcing an order event by email: each planned email rendered, claimed, sent, recorded.

The AWS side comes in through small ports (an order reader, a renderer, a mailer, a ledger) so
the rules here are tested without AWS, and the handler wires the real ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from bbws.core.clock import now_iso
from bbws.core.observability import logger
from bbws.notifications.errors import EmailsFailed, InvalidNotification, NotificationFailure, OrderNotFoundYet
from bbws.notifications.logic.context import template_context
from bbws.notifications.logic.headers import validate_address
from bbws.notifications.logic.mime import build_mime
from bbws.notifications.logic.plan import plan_emails
from bbws.notifications.models.emails import (
    ORDER_TAG,
    TEMPLATE_TAG,
    Claim,
    EmailTemplate,
    OutgoingEmail,
    PlannedEmail,
    RenderedEmail,
    Suppression,
)
from bbws.notifications.models.messages import NotificationMessage
from bbws.notifications.models.order import NotifiableOrder
from bbws.orders.email_issues import EmailIssue, EmailProblem

OrderReader = Callable[[str], NotifiableOrder | None]


class Renderer(Protocol):
    def render(self, template: EmailTemplate | str, context: Mapping[str, Any]) -> RenderedEmail: ...


class Mailer(Protocol):
    def send(self, raw_message: bytes, sender: str, tags: Mapping[str, str]) -> str: ...


class Ledger(Protocol):
    def claim(self, order_id: str, template: str, lease_until_ms: int) -> Claim | None: ...
    def mark_sent(self, claim: Claim, ses_message_id: str) -> None: ...
    def mark_suppressed(self, claim: Claim) -> None: ...
    def release(self, claim: Claim) -> None: ...


class Suppressions(Protocol):
    def suppression_of(self, address: str) -> Suppression | None: ...


IssueRecorder = Callable[[str, EmailIssue], object]


class Delivery(StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"  # sent (or suppressed) by an earlier delivery of the message
    SUPPRESSED = "suppressed"  # not sent: every recipient is on the suppression list


@dataclass(frozen=True)
class Notifier:
    read_order: OrderReader
    renderer: Renderer
    mailer: Mailer
    ledger: Ledger
    sender: str
    internal_emails: tuple[str, ...]
    suppressions: Suppressions
    record_issue: IssueRecorder

    def notify(self, message: NotificationMessage, *, lease_until_ms: int) -> dict[EmailTemplate, Delivery]:
        """Send every email `message` calls for that has not been sent yet.

        The emails of one message are independent: each is attempted even when another fails,
        and a retry of the message sends only those not yet sent. Raises `EmailsFailed` naming
        each failure; the caller fails the queue record so the message comes back.
        """
        order = self.read_order(message.order_id)
        if order is None:
            raise OrderNotFoundYet(f"order {message.order_id} is not readable yet")
        if message.tenant_id and order.tenant_id and message.tenant_id != order.tenant_id:
            raise InvalidNotification(f"message tenant does not match order {message.order_id}")
        context = template_context(order, support_email=self.sender)
        deliveries: dict[EmailTemplate, Delivery] = {}
        failures: dict[str, NotificationFailure] = {}
        for planned in plan_emails(message.type, order, self.internal_emails):
            try:
                deliveries[planned.template] = self._send_once(order.order_id, planned, context, lease_until_ms)
            except NotificationFailure as failure:
                failures[planned.template] = failure
        if failures:
            raise EmailsFailed(failures)
        return deliveries

    def _send_once(
        self, order_id: str, planned: PlannedEmail, context: Mapping[str, Any], lease_until_ms: int
    ) -> Delivery:
        # Everything that can fail for good (addresses, templates, headers) happens before the
        # claim, so a permanent failure never takes one, and a duplicate delivery only renders.
        outgoing = OutgoingEmail(
            sender=validate_address(self.sender),
            recipients=tuple(validate_address(address) for address in planned.recipients),
            content=self.renderer.render(planned.template, context),
        )
        raw_message = build_mime(outgoing)
        claim = self.ledger.claim(order_id, planned.template, lease_until_ms)
        if claim is None:
            return Delivery.ALREADY_SENT
        try:
            # Read after the claim, so a duplicate delivery costs no SES calls. An address that
            # bounced or complained is never mailed again (receipts included): SES counts those
            # against the account, and would drop the email anyway.
            suppressed = self._suppressed(outgoing.recipients)
            if suppressed:
                self._note_suppressed(order_id, planned.template, suppressed)
                remaining = tuple(r for r in outgoing.recipients if r not in suppressed)
                if not remaining:
                    self.ledger.mark_suppressed(claim)
                    return Delivery.SUPPRESSED
                outgoing = replace(outgoing, recipients=remaining)
                raw_message = build_mime(outgoing)
            tags = {ORDER_TAG: order_id, TEMPLATE_TAG: str(planned.template)}
            ses_message_id = self.mailer.send(raw_message, outgoing.sender, tags)
        except BaseException:
            self._release(claim)
            raise
        try:
            self.ledger.mark_sent(claim, ses_message_id)
        except Exception:  # noqa: BLE001 - the email is out; failing the record would send it again
            # The claim lapses at its lease; only a later redelivery of this same message could
            # then send a second copy. That is the smaller harm than retrying now, which would.
            logger.exception("email sent but not recorded", extra={"template": planned.template})
        return Delivery.SENT

    def _suppressed(self, recipients: tuple[str, ...]) -> dict[str, Suppression]:
        found = {address: self.suppressions.suppression_of(address) for address in recipients}
        return {address: entry for address, entry in found.items() if entry is not None}

    def _note_suppressed(self, order_id: str, template: str, suppressed: Mapping[str, Suppression]) -> None:
        at = now_iso()
        for address, entry in suppressed.items():
            detail = f"on the suppression list after a {entry.reason.lower()}" + (
                f" ({entry.since})" if entry.since else ""
            )
            self.record_issue(order_id, EmailIssue(template, address, EmailProblem.SUPPRESSED, detail, at))
            logger.info("recipient suppressed; not mailed", extra={"template": template, "reason": entry.reason})

    def _release(self, claim: Claim) -> None:
        try:
            self.ledger.release(claim)
        except Exception:  # noqa: BLE001 - the send error is the one to report; the lease lapses anyway
            logger.exception("claim could not be released; it lapses at its lease", extra={"template": claim.template})
