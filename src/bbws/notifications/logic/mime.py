"""The MIME form of an email: multipart/alternative with a plain-text and an HTML part.

Sent as SES "raw" content because that is the one form in which the whole message — sender,
recipients, subject and both parts — travels intact; the local emulator (moto) records the
raw MIME, so the local outbox can show exactly what a customer would receive.
"""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from bbws.notifications.logic.headers import validate_address, validate_subject
from bbws.notifications.models.emails import OutgoingEmail


def build_mime(outgoing: OutgoingEmail, *, message_domain: str | None = None) -> bytes:
    """The message as bytes, every header value validated (no CR/LF, addresses well formed)."""
    sender = validate_address(outgoing.sender)
    recipients = [validate_address(address) for address in outgoing.recipients]
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = validate_subject(outgoing.content.subject)
    message["From"] = formataddr((outgoing.sender_name, sender))
    message["To"] = ", ".join(recipients)
    message["Message-ID"] = make_msgid(domain=message_domain or sender.rpartition("@")[2])
    message["MIME-Version"] = "1.0"
    # Text first, HTML last: clients show the last alternative they can render.
    message.set_content(outgoing.content.text, subtype="plain", charset="utf-8")
    message.add_alternative(outgoing.content.html, subtype="html", charset="utf-8")
    return message.as_bytes()
