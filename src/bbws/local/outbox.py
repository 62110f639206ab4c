"""The local outbox: every email the platform sent through the emulated SES, read from moto.

Emails arrive in moto's SES backend in several shapes: simple sends (SES v1 `SendEmail`, SESv2
`Simple` content) keep one body, raw sends keep the whole MIME message. This module turns each
into one `OutboxMessage` with both parts where the sender supplied them.
"""

from __future__ import annotations

import email
import email.policy
import functools
import html
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from email.message import Message
from typing import Any

from moto.ses.models import ses_backends

from bbws.local.emulator import SerialisedApp


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    from_: str
    to: list[str]
    subject: str
    html: str
    text: str
    sentAt: str | None  # the JSON field name of SPEC §7

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["from"] = body.pop("from_")
        return {key: body[key] for key in ("id", "from", "to", "subject", "html", "text", "sentAt")}


def _addresses(destinations: Any) -> list[str]:
    if isinstance(destinations, Mapping):
        return [str(a) for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destinations.get(key, [])]
    if isinstance(destinations, list):
        return [str(a) for a in destinations]
    return []


def _looks_like_html(body: str) -> bool:
    head = body.lstrip()[:200].lower()
    return head.startswith("<") or "<html" in head


# Parsed raw emails, by their text: the outbox page, outbox.json and every state snapshot read
# the whole outbox, and parsing MIME is what that costs (a sent email never changes).
PARSED_RAW_EMAILS = 4096


@functools.lru_cache(maxsize=PARSED_RAW_EMAILS)
def parse_raw(raw: str) -> tuple[str, tuple[str, ...], str, str, str]:
    """(from, to, subject, html, text) of a raw MIME message.

    Split with the standard library's cheap `compat32` policy; the headers shown are then read
    by `email.policy.default`'s own header classes and the bodies decoded here as its `get_body`
    and `get_content` would (`test_outbox_parse.py` compares the two). Parsing the whole message
    with the default policy cost about 4 ms an email (header objects for every header of every
    part), paid in the stack's process, beside the emulator, for every email a burst sends."""
    message = email.message_from_string(raw, policy=email.policy.compat32)
    recipients = tuple(
        str(address.addr_spec)
        for name in ("To", "Cc")
        for value in message.get_all(name, [])
        for address in getattr(_DEFAULT.header_factory(name, _unfolded(value)), "addresses", ())
    )
    parts = list(_leaves(message))
    return (
        _header(message, "From"),
        recipients,
        _header(message, "Subject"),
        _text_of(parts, "html"),
        _text_of(parts, "plain"),
    )


_DEFAULT = email.policy.default


def _unfolded(value: Any) -> str:
    return str(value).replace("\r", "").replace("\n", "")  # as the default policy unfolds a header


def _header(message: Message, name: str) -> str:
    """A header's text as the default policy gives it (unfolded, encoded words decoded)."""
    value = message.get(name)
    return "" if value is None else str(_DEFAULT.header_factory(name, _unfolded(value)))


def _leaves(part: Message) -> Any:
    """The non-multipart parts, in order, without looking inside attached messages."""
    if part.get_content_maintype() == "multipart" and part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                yield from _leaves(sub)
    else:
        yield part


def _text_of(parts: list[Message], subtype: str) -> str:
    """The first inline text/<subtype> part, decoded by its charset (undecodable bytes replaced)."""
    for part in parts:
        if part.get_content_type() == f"text/{subtype}" and part.get_content_disposition() != "attachment":
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            return data.decode(part.get_content_charset() or "us-ascii", errors="replace")
    return ""


def to_outbox_message(message: Any, sent_at: str | None, text_part: str | None) -> OutboxMessage:
    """One moto SES message (Message, RawMessage or TemplateMessage) as an outbox entry."""
    if hasattr(message, "raw_data"):
        sender, recipients, subject, html_body, text_body = parse_raw(message.raw_data)
        return OutboxMessage(
            message.id,
            sender or str(message.source),
            list(recipients) or _addresses(message.destinations),
            subject,
            html_body,
            text_body,
            sent_at,
        )
    if hasattr(message, "template"):
        return OutboxMessage(
            message.id,
            str(message.source),
            _addresses(message.destinations),
            f"(SES template {message.template})",
            "",
            str(message.template_data),
            sent_at,
        )
    body = str(message.body or "")
    if text_part is not None or _looks_like_html(body):
        html_body, text_body = body, text_part or ""
    else:
        html_body, text_body = "", body
    return OutboxMessage(
        message.id, str(message.source), _addresses(message.destinations), str(message.subject or ""),
        html_body, text_body, sent_at,
    )  # fmt: skip


@dataclass(frozen=True)
class OutboxCopy:
    """What the outbox is made of at one moment, copied cheaply under the emulator's lock (moto's
    sent messages never change once sent, so they are turned into `OutboxMessage`s outside it)."""

    restored: list[OutboxMessage]
    sent: list[Any]
    sent_at: dict[str, str]
    text_parts: dict[str, str]

    def messages(self) -> list[OutboxMessage]:
        """Every email sent so far, oldest first (earlier runs' restored ones first)."""
        return [
            *self.restored,
            *(
                to_outbox_message(message, self.sent_at.get(message.id), self.text_parts.get(message.id))
                for message in self.sent
                if hasattr(message, "id")  # bulk templated sends carry several ids and no single email
            ),
        ]


def copy_outbox(emulator_app: SerialisedApp) -> OutboxCopy:
    """The outbox's parts; the caller holds the emulator's lock."""
    return OutboxCopy(
        list(emulator_app.restored_outbox),
        list(ses_backends[emulator_app.account_id][emulator_app.region].sent_messages),
        dict(emulator_app.sent_at),
        dict(emulator_app.text_parts),
    )


def read_outbox(emulator_app: SerialisedApp) -> list[OutboxMessage]:
    """Every email sent so far, oldest first (copied under the emulator's lock)."""
    with emulator_app.lock:
        copy = copy_outbox(emulator_app)
    return copy.messages()


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Outbox · BBWS local</title>
<meta http-equiv="refresh" content="10">
<style>
body{{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222;background:#f6f7f9}}
h1{{font-size:1.4rem}} .mail{{background:#fff;border:1px solid #ddd;border-radius:8px;margin:1rem 0;padding:1rem}}
dl{{display:grid;grid-template-columns:6rem 1fr;margin:0 0 .75rem}} dt{{color:#666}} dd{{margin:0}}
iframe{{width:100%;height:420px;border:1px solid #eee;border-radius:4px;background:#fff}}
pre{{white-space:pre-wrap;background:#fafafa;border:1px solid #eee;padding:.75rem;border-radius:4px}}
.empty{{color:#666}}
</style></head><body>
<h1>Outbox <small>({count} sent)</small></h1>
<p>Emails the local stack sent through the emulated SES, newest first.
Also as JSON: <a href="/_local/outbox.json">/_local/outbox.json</a>.</p>
{items}
</body></html>
"""

_ITEM = """<section class="mail">
<dl><dt>From</dt><dd>{sender}</dd><dt>To</dt><dd>{to}</dd><dt>Subject</dt><dd><strong>{subject}</strong></dd>
<dt>Sent</dt><dd>{sent_at}</dd><dt>Id</dt><dd><code>{id}</code></dd></dl>
{html_frame}
<details{open_text}><summary>Plain-text part</summary><pre>{text}</pre></details>
<form method="post" action="/_local/outbox/events"><input type="hidden" name="id" value="{id}">
As SES would report it: <button name="event" value="bounce">hard bounce</button>
<button name="event" value="soft-bounce">soft bounce</button>
<button name="event" value="complaint">complaint</button></form>
</section>"""


def render_outbox_page(messages: list[OutboxMessage]) -> str:
    """The outbox as a web page; each email's HTML in a sandboxed iframe (no scripts, no
    same-origin access), so an email can never act on the local stack's page."""
    items = []
    for message in reversed(messages):
        frame = (
            f'<iframe sandbox="" referrerpolicy="no-referrer" srcdoc="{html.escape(message.html, quote=True)}"'
            f' title="{html.escape(message.subject, quote=True)}"></iframe>'
            if message.html
            else '<p class="empty">(no HTML part)</p>'
        )
        items.append(
            _ITEM.format(
                sender=html.escape(message.from_),
                to=html.escape(", ".join(message.to)),
                subject=html.escape(message.subject),
                sent_at=html.escape(message.sentAt or "unknown"),
                id=html.escape(message.id),
                html_frame=frame,
                open_text="" if message.html else " open",
                text=html.escape(message.text) or "(no plain-text part)",
            )
        )
    body = "\n".join(items) or '<p class="empty">No emails yet. Place an order and they will appear here.</p>'
    return _PAGE.format(count=len(messages), items=body)
