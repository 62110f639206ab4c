"""What an SES event about a sent email means for the platform: which addresses to suppress and
what to note on the order (ports, no AWS).

| event                       | suppressed (reason) | noted on the order as      |
|-----------------------------|---------------------|----------------------------|
| Bounce, `Permanent`         | yes (BOUNCE)        | BOUNCED, per bounced address |
| Bounce, other types         | no                  | SOFT_BOUNCED               |
| Complaint                   | yes (COMPLAINT)     | COMPLAINED, per complainant |
| Reject                      | no                  | REJECTED, per destination  |
| anything else (Delivery...) | no                  | nothing                    |

Hard bounces and complaints are what SES counts against the account's reputation (a 10 %
bounce rate or 0.5 % complaint rate pauses sending), so those addresses are never mailed again.
A soft bounce (mailbox full, server down) already had SES's own retries and may work next time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bbws.core.clock import now_iso
from bbws.notifications.models.emails import ORDER_TAG, TEMPLATE_TAG
from bbws.notifications.models.events import SesEvent
from bbws.orders.email_issues import EmailIssue, EmailProblem

IssueRecorder = Callable[[str, EmailIssue], object]


class SuppressionWriter(Protocol):
    def suppress(self, address: str, reason: str) -> None: ...


@dataclass(frozen=True)
class Finding:
    recipient: str
    problem: EmailProblem
    detail: str
    suppress_as: str | None  # BOUNCE | COMPLAINT | None


def findings(event: SesEvent) -> list[Finding]:
    """Each recipient the event is about, what went wrong and whether to suppress it."""
    kind = event.event_type.lower()
    if kind == "bounce" and event.bounce is not None:
        bounce = event.bounce
        hard = bounce.bounce_type == "Permanent"
        kind_text = "/".join(part for part in (bounce.bounce_type, bounce.bounce_sub_type) if part)
        return [
            Finding(
                recipient.email_address,
                EmailProblem.BOUNCED if hard else EmailProblem.SOFT_BOUNCED,
                f"{kind_text} bounce: {recipient.diagnostic_code or recipient.status or 'no diagnostic given'}",
                "BOUNCE" if hard else None,
            )
            for recipient in bounce.bounced_recipients
        ]
    if kind == "complaint" and event.complaint is not None:
        feedback = event.complaint.complaint_feedback_type or "not given"
        return [
            Finding(
                recipient.email_address,
                EmailProblem.COMPLAINED,
                f"marked as spam (feedback type: {feedback})",
                "COMPLAINT",
            )
            for recipient in event.complaint.complained_recipients
        ]
    if kind == "reject":
        reason = event.reject.reason if event.reject is not None and event.reject.reason else "no reason given"
        return [
            Finding(address, EmailProblem.REJECTED, f"SES refused to send it: {reason}", None)
            for address in event.mail.destination
        ]
    return []


@dataclass(frozen=True)
class FeedbackOutcome:
    suppressed: tuple[str, ...]
    recorded: int
    order_id: str | None


@dataclass(frozen=True)
class FeedbackRecorder:
    suppressions: SuppressionWriter
    record_issue: IssueRecorder

    def handle(self, event: SesEvent) -> FeedbackOutcome:
        """Suppress what must never be mailed again, then note every finding on the order.

        Suppression comes first: it is what protects the account. Both steps are idempotent, so
        a redelivered event (SNS and SQS deliver at least once) changes nothing more.
        """
        found = findings(event)
        suppressed = []
        for finding in found:
            if finding.suppress_as is not None:
                self.suppressions.suppress(finding.recipient, finding.suppress_as)
                suppressed.append(finding.recipient)
        order_id, template = event.mail.tag(ORDER_TAG), event.mail.tag(TEMPLATE_TAG)
        recorded = 0
        if order_id:
            at = _event_time(event) or now_iso()
            for finding in found:
                self.record_issue(
                    order_id,
                    EmailIssue(
                        template=template or "unknown",
                        recipient=finding.recipient,
                        problem=finding.problem,
                        detail=finding.detail[:500],
                        at=at,
                        ses_message_id=event.mail.message_id,
                    ),
                )
                recorded += 1
        return FeedbackOutcome(tuple(suppressed), recorded, order_id)


def _event_time(event: SesEvent) -> str | None:
    """When the bounce or complaint happened, as SES reports it (ISO 8601, to the second)."""
    detail = event.bounce or event.complaint
    stamp = (detail.timestamp if detail is not None else None) or event.mail.timestamp
    if not stamp:
        return None
    # SES writes "2026-01-02T21:00:05.123Z"; the platform's timestamps are to the second.
    return stamp[:19] + "Z" if len(stamp) >= 19 and stamp[10] == "T" else stamp
