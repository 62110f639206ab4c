"""The outbox's raw-email parser gives what the standard library's default email policy gives.

`bbws.local.outbox.parse_raw` reads MIME with the cheap `compat32` policy and decodes headers and
bodies itself; here it is compared with a reference written with `email.policy.default`
(`get_body`, header objects) over generated emails of the shapes a sender can produce.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from bbws.local.outbox import parse_raw


def reference(raw: str) -> tuple[str, tuple[str, ...], str, str, str]:
    message = email.message_from_string(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    recipients = tuple(
        str(address.addr_spec)
        for name in ("To", "Cc")
        for header in message.get_all(name, [])
        for address in getattr(header, "addresses", ())
    )
    return (
        str(message.get("From", "")),
        recipients,
        str(message.get("Subject", "")),
        html_part.get_content() if isinstance(html_part, EmailMessage) else "",
        text_part.get_content() if isinstance(text_part, EmailMessage) else "",
    )


words = (
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)
phrases = st.lists(words, min_size=1, max_size=12).map(" ".join)
# Display names as people and shops have them (letters in any script, digits, . - '), and any
# printable text (RFC 5322 specials included).
names = st.lists(
    st.text(alphabet=st.characters(categories=("L", "N"), include_characters=".-'"), min_size=1, max_size=10),
    min_size=1,
    max_size=4,
).map(" ".join)
locals_ = st.from_regex(r"[a-z][a-z0-9.+_-]{0,10}[a-z0-9]", fullmatch=True).filter(lambda s: ".." not in s)
addresses = st.builds(
    lambda local, domain: f"{local}@{domain}.example", locals_, st.sampled_from(["shop", "a-b", "x1"])
)
mailboxes = st.tuples(st.one_of(st.none(), names, phrases), addresses)


def _mailbox(named: tuple[str | None, str]) -> str:
    name, address = named
    return email.utils.formataddr((name, address)) if name else address


@st.composite
def emails(draw: st.DrawFn) -> str:
    mime = EmailMessage()
    mime["From"] = _mailbox(draw(mailboxes))
    mime["To"] = ", ".join(_mailbox(m) for m in draw(st.lists(mailboxes, min_size=1, max_size=3)))
    if draw(st.booleans()):
        mime["Cc"] = _mailbox(draw(mailboxes))
    mime["Subject"] = draw(phrases)
    text, html_body = draw(st.one_of(st.none(), phrases)), draw(st.one_of(st.none(), phrases))
    cte = draw(st.sampled_from([None, "base64", "quoted-printable"]))
    options = {"cte": cte} if cte else {}
    if text is None and html_body is None:
        mime.set_content("")
    elif text is not None:
        mime.set_content(text + "\n", **options)
        if html_body is not None:
            mime.add_alternative(f"<p>{html_body}</p>\n", subtype="html", **options)
    else:
        mime.set_content(f"<p>{html_body}</p>\n", subtype="html", **options)
    if draw(st.booleans()):
        mime.add_attachment(b"%PDF-1.4 not a body", maintype="application", subtype="pdf", filename="invoice.pdf")
    if draw(st.booleans()):
        mime.add_attachment("an attached text, not the body\n", filename="notes.txt")
    for number, part in enumerate(mime.walk()):  # fixed boundaries: no draw from `random` outside hypothesis
        if part.is_multipart():
            part.set_boundary(f"==boundary-{number}==")
    return mime.as_string()


@settings(max_examples=300, deadline=None)
@given(emails())
def test_parse_raw_reads_what_the_default_policy_reads(raw: str) -> None:
    assert parse_raw(raw) == reference(raw)


def test_parse_raw_matches_on_folded_and_encoded_headers() -> None:
    raw = (
        "From: =?utf-8?q?Caf=C3=A9_Shop?= <shop@x.example>\r\n"
        "To: Ann <a@x.example>,\r\n Bob <b@x.example>\r\n"
        "Subject: =?utf-8?b?w5xiZXIgdW5z?= and a long\r\n folded subject\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n"
    )
    assert parse_raw(raw) == reference(raw)
    assert parse_raw(raw)[2] == "Über uns and a long folded subject"
