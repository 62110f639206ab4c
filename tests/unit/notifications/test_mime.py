"""The MIME message: both parts, validated headers, UTF-8 throughout."""

from __future__ import annotations

import email
import email.generator
import email.headerregistry
import email.policy
from email.message import EmailMessage

import pytest

from bbws.notifications.errors import InvalidHeader
from bbws.notifications.logic import mime
from bbws.notifications.logic.mime import build_mime
from bbws.notifications.models.emails import OutgoingEmail, RenderedEmail


def outgoing(**changes: object) -> OutgoingEmail:
    values: dict[str, object] = {
        "sender": "orders@bbws.example",
        "recipients": ("thandi@acme.example", "ops@bbws.example"),
        "content": RenderedEmail(subject="Ihr Beleg für Bestellung ord-1 ✓", html="<p>Grüße</p>", text="Grüße"),
    }
    values.update(changes)
    return OutgoingEmail(**values)  # type: ignore[arg-type]


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_the_message_has_a_text_and_an_html_alternative() -> None:
    message = parsed(build_mime(outgoing()))
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    assert html_part is not None
    assert text_part is not None
    # SMTP line endings on the wire: CRLF.
    assert html_part.get_content() == "<p>Grüße</p>\r\n"  # type: ignore[attr-defined]
    assert text_part.get_content() == "Grüße\r\n"  # type: ignore[attr-defined]


def test_headers_carry_sender_name_recipients_and_a_unicode_subject() -> None:
    message = parsed(build_mime(outgoing()))
    assert str(message["From"]) == "BBWS <orders@bbws.example>"
    assert [a.addr_spec for a in message["To"].addresses] == ["thandi@acme.example", "ops@bbws.example"]
    assert str(message["Subject"]) == "Ihr Beleg für Bestellung ord-1 ✓"
    assert str(message["Message-ID"]).endswith("@bbws.example>")


def test_every_line_of_the_wire_form_is_ascii_and_short() -> None:
    raw = build_mime(outgoing(content=RenderedEmail(subject="s", html="<p>" + "é" * 2000 + "</p>", text="t")))
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    raw.decode("ascii")


@pytest.mark.parametrize(
    "changes",
    [
        {"recipients": ("thandi@acme.example\r\nBcc: x@evil.example",)},
        {"sender": "orders@bbws.example\nX: y"},
        {"content": RenderedEmail(subject="a\r\nBcc: x@evil.example", html="", text="")},
    ],
)
def test_header_injection_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidHeader):
        build_mime(outgoing(**changes))


CONTENTS = [
    RenderedEmail(subject="Ihr Beleg für Bestellung ord-1 ✓", html="<p>Grüße</p>", text="Grüße"),
    RenderedEmail(subject="We've received your order ord-1001", html="<p>plain ascii</p>\n", text="ascii\n"),
    RenderedEmail(subject="x" * 240, html="<p>" + "é" * 2000 + "</p>", text="a " * 600),
]


def test_the_reused_headers_give_the_bytes_of_the_standard_smtp_policy() -> None:
    # Given emails built one after another with a fresh policy of reused headers (each email
    # gets headers made for the ones before), twice over, and each built with plain policy.SMTP
    policy = email.policy.SMTP.clone(header_factory=mime.ReusedHeaders())
    mails = [outgoing(content=content, recipients=recipients) for content in CONTENTS for recipients in RECIPIENTS]
    ours = [_with_fixed_ids(policy, mail) for mail in mails + mails]
    standard = [_with_fixed_ids(email.policy.SMTP, mail) for mail in mails + mails]
    # Then every one is the same bytes (the Message-ID and the boundary are fixed here)
    assert ours == standard
    # And the module's policy is such a policy
    assert isinstance(mime.POLICY.header_factory, mime.ReusedHeaders)


RECIPIENTS = [("thandi@acme.example",), ("thandi@acme.example", "ops@bbws.example")]


def test_a_header_made_for_the_same_name_and_value_is_reused() -> None:
    registry = mime.ReusedHeaders()
    first = registry("Content-Type", 'text/plain; charset="utf-8"')
    assert registry("Content-Type", 'text/plain; charset="utf-8"') is first
    assert registry("Content-Type", "text/html") is not first
    assert registry("content-type", 'text/plain; charset="utf-8"').name == "content-type"


def _fixed_boundary(_cls: type, _text: str | None = None) -> str:
    return "===============0000000000000000000=="


def _with_fixed_ids(policy: email.policy.Policy, mail: OutgoingEmail) -> bytes:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mime, "POLICY", policy)
        patch.setattr(mime, "make_msgid", lambda domain: f"<fixed@{domain}>")
        patch.setattr(email.generator.Generator, "_make_boundary", classmethod(_fixed_boundary))
        return mime.build_mime(mail)


def test_a_header_type_mapped_later_is_used() -> None:
    registry = mime.ReusedHeaders()
    assert issubclass(registry["X-Kind"], email.headerregistry.UnstructuredHeader)
    made = registry("X-Kind", "a@b.example")
    registry.map_to_type("x-kind", email.headerregistry.AddressHeader)  # type: ignore[arg-type]
    assert issubclass(registry["X-Kind"], email.headerregistry.AddressHeader)
    assert registry["X-Kind"] is registry["x-kind"]
    assert registry("X-Kind", "a@b.example") is not made
