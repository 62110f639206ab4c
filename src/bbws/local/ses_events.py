"""SES's events about a sent email (bounce, complaint, reject), built as SES publishes them.

The emulator (moto) sends nothing and so never bounces; the local outbox uses these to mark a
sent email as bounced or complained, and tests use them to drive the email-events consumer.
The shapes follow SES's event publishing records (`eventType`, `mail`, `bounce` / `complaint`
/ `reject`), with the message's tags under `mail.tags` as SES copies them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    BOUNCE = "bounce"  # a hard (Permanent) bounce: the address does not exist
    SOFT_BOUNCE = "soft-bounce"  # a Transient bounce: mailbox full
    COMPLAINT = "complaint"  # the recipient marked it as spam
    REJECT = "reject"  # SES refused to send it


def _stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def ses_event(
    kind: EventKind | str,
    *,
    message_id: str,
    sender: str,
    recipients: Sequence[str],
    tags: Mapping[str, str],
    sent_at: str | None = None,
    configuration_set: str = "bbws-local",
) -> dict[str, Any]:
    """The event SES would publish about one sent message, for all of `recipients`."""
    kind = EventKind(kind)
    now = _stamp()
    mail = {
        "timestamp": sent_at or now,
        "source": sender,
        "sendingAccountId": "123456789012",
        "messageId": message_id,
        "destination": list(recipients),
        "headersTruncated": False,
        "tags": {
            "ses:configuration-set": [configuration_set],
            "ses:from-domain": [sender.rsplit("@", 1)[-1]],
            **{name: [value] for name, value in tags.items()},
        },
    }
    feedback_id = f"{uuid.uuid4().hex}-000000"
    if kind in (EventKind.BOUNCE, EventKind.SOFT_BOUNCE):
        hard = kind is EventKind.BOUNCE
        return {
            "eventType": "Bounce",
            "bounce": {
                "bounceType": "Permanent" if hard else "Transient",
                "bounceSubType": "General" if hard else "MailboxFull",
                "bouncedRecipients": [
                    {
                        "emailAddress": address,
                        "action": "failed",
                        "status": "5.1.1" if hard else "4.2.2",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown" if hard else "smtp; 452 4.2.2 mailbox full",
                    }
                    for address in recipients
                ],
                "timestamp": now,
                "feedbackId": feedback_id,
                "reportingMTA": "dsn; local.bbws",
            },
            "mail": mail,
        }
    if kind is EventKind.COMPLAINT:
        return {
            "eventType": "Complaint",
            "complaint": {
                "complainedRecipients": [{"emailAddress": address} for address in recipients],
                "timestamp": now,
                "feedbackId": feedback_id,
                "complaintFeedbackType": "abuse",
                "userAgent": "bbws local outbox",
            },
            "mail": mail,
        }
    return {"eventType": "Reject", "reject": {"reason": "Bad content"}, "mail": mail}
