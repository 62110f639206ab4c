"""The MIME form of an email: multipart/alternative with a plain-text and an HTML part.

Sent as SES "raw" content because that is the one form in which the whole message — sender,
recipients, subject and both parts — travels intact; the local emulator (moto) records the
raw MIME, so the local outbox can show exactly what a customer would receive.
"""

from __future__ import annotations

import email.policy
import functools
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from bbws.notifications.logic.headers import validate_address, validate_subject
from bbws.notifications.models.emails import OutgoingEmail


class ReusedHeaders(HeaderRegistry):
    """The standard header registry, reusing what it made before: a header name's class, and
    the header made from a name and value it was given recently.

    - `HeaderRegistry[name]` builds a new class (`type(...)`) for every header it makes, about
      25 per email (parts and boundary included): a third of the message's build time. The
      classes it builds for a name are all alike, so one per name is kept.
    - Most of an email's headers are the same in every email (`MIME-Version`, each part's
      `Content-Type` and `Content-Transfer-Encoding`, usually `From`), and each is parsed again
      whenever it is set. Header objects are immutable (a `str` with its parse tree, which
      folding reads and never changes), so the one made for a (name, value) serves every
      message; the last `RECENT` are kept, which the constant ones always are.

    Either way the headers, and so the bytes, are those of the plain registry (tested).
    """

    RECENT = 256

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}
        self._recent = functools.lru_cache(maxsize=self.RECENT)(super().__call__)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._classes.get(key)
        if made is None:
            made = self._classes[key] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: Any) -> BaseHeader:
        if type(value) is not str:
            return super().__call__(name, value)
        return self._recent(name, value)

    def map_to_type(self, name: str, cls: type[BaseHeader]) -> None:
        super().map_to_type(name, cls)
        self._classes.pop(name.lower(), None)
        self._recent.cache_clear()


# SMTP's policy (CRLF line ends, UTF-8 headers encoded) with the reused headers.
POLICY = email.policy.SMTP.clone(header_factory=ReusedHeaders())


def build_mime(outgoing: OutgoingEmail, *, message_domain: str | None = None) -> bytes:
    """The message as bytes, every header value validated (no CR/LF, addresses well formed)."""
    sender = validate_address(outgoing.sender)
    recipients = [validate_address(address) for address in outgoing.recipients]
    message = EmailMessage(policy=POLICY)
    message["Subject"] = validate_subject(outgoing.content.subject)
    message["From"] = formataddr((outgoing.sender_name, sender))
    message["To"] = ", ".join(recipients)
    message["Message-ID"] = make_msgid(domain=message_domain or sender.rpartition("@")[2])
    message["MIME-Version"] = "1.0"
    # Text first, HTML last: clients show the last alternative they can render.
    message.set_content(outgoing.content.text, subtype="plain", charset="utf-8")
    message.add_alternative(outgoing.content.html, subtype="html", charset="utf-8")
    return message.as_bytes()
