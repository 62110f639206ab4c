"""Email addresses: only what SES can deliver is accepted, and each mailbox has one canonical key.

Validation is email-validator's (the library pydantic's EmailStr uses), configured for what SES
sends to: no internationalised local part (SMTPUTF8), no quoted local part, no IP-literal or
special-use domain, no display name. An internationalised domain is accepted and converted to
its IDNA A-label (punycode), which is what SES needs; fullwidth or other compatibility forms of
domain letters map to the same label (UTS #46). No DNS lookup is made (a Lambda must not block
on DNS): a mailbox that does not exist is only SES's to know, and its bounce reaches the
suppression list and the order's `emailDeliveryIssues`.

Two forms come out of an accepted address:
- `address`: what is stored and mailed to: the local part as written, `@`, the A-label domain
  in lower case (`Bob@xn--bcher-kva.example`);
- `canonical`: the mailbox's key, used for tenant resolution: the same with the local part in
  lower case (`bob@xn--bcher-kva.example`). Local parts are case-sensitive in RFC 5321 but not
  at any real provider, and the platform has always matched them ignoring case. Nothing else is
  folded: `bob+shop@` and `b.o.b@` are other mailboxes, as their providers may deliver them
  elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, StringConstraints, WithJsonSchema

MAX_ADDRESS_LENGTH = 254  # RFC 5321's path limit less the angle brackets; email-validator's too
_BLANKS = " \t\r\n"  # ignored around an address (a form's stray space), nothing more exotic


class UndeliverableAddress(ValueError):
    """An address SES could never deliver to; the message says why, in the library's words."""


@dataclass(frozen=True)
class Mailbox:
    address: str  # as stored and sent: local part as written, A-label domain in lower case
    canonical: str  # the mailbox's one key: the same with the local part in lower case
    unicode_key: str  # the key as the legacy form wrote it for a U-label domain (bücher, not xn--)


def parse_mailbox(text: str) -> Mailbox:
    """The deliverable mailbox `text` names (surrounding blanks ignored), or UndeliverableAddress."""
    try:
        checked = validate_email(
            text.strip(_BLANKS),
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            globally_deliverable=True,
            strict=True,  # RFC 5321 limits too: a local part over 64 octets is refused by MTAs
        )
    except EmailNotValidError as error:
        raise UndeliverableAddress(str(error)) from None
    local, domain = checked.local_part, checked.ascii_domain.lower()
    # allow_smtputf8=False guarantees a 7-bit ASCII local part; asserted, not assumed.
    if not local.isascii() or not domain.isascii():  # pragma: no cover - the library's promise
        raise UndeliverableAddress("the address is not 7-bit ASCII")
    return Mailbox(
        address=f"{local}@{domain}",
        canonical=f"{local.lower()}@{domain}",
        unicode_key=f"{local}@{checked.domain}".lower(),
    )


def legacy_key(text: str) -> str:
    """How mailboxes were keyed before the canonical form (`strip().lower()`)."""
    return text.strip().lower()


def _unchecked_key(text: str) -> str:
    """The key of an address accepted before validation existed (still travelling in a queued
    order, so its order must be stored, not lost). It must never be another mailbox's key:
    every canonical key is deliverable (it parses to itself), so an undeliverable key is safe.
    The legacy key is kept where it is undeliverable (old claims are found again); where
    lower-casing made it deliverable (a Kelvin sign folds to `kelvin@...`) the text itself is
    the key."""
    legacy = legacy_key(text)
    try:
        parse_mailbox(legacy)
    except UndeliverableAddress:
        return legacy
    return text


def mailbox_key(text: str) -> str:
    """The key a mailbox is stored under: its canonical form, or - for an address that is not
    deliverable, from an order accepted before addresses were validated - an undeliverable key
    that no deliverable mailbox can have."""
    try:
        return parse_mailbox(text).canonical
    except UndeliverableAddress:
        return _unchecked_key(text)


def lookup_keys(text: str) -> tuple[str, ...]:
    """Every key under which this mailbox may have been stored, the canonical one first: claims
    written under the legacy form (`Bob@Bücher.example` as `bob@bücher.example`) are still
    found, so a tenant stored before keeps its mailbox. For a plain ASCII address all forms are
    one key: one GetItem."""
    try:
        mailbox = parse_mailbox(text)
    except UndeliverableAddress:
        return (_unchecked_key(text),)
    keys = (mailbox.canonical, legacy_key(text), mailbox.unicode_key)
    return tuple(dict.fromkeys(keys))  # distinct, in order


def _deliverable(text: str) -> str:
    try:
        return parse_mailbox(text).address
    except UndeliverableAddress as error:
        raise ValueError(f"is not an address email can be delivered to: {error}") from None


# A request field holding an email address: refused (400 naming the field) unless SES can deliver
# to it; the accepted value is the address in its stored form (A-label domain).
DeliverableEmail = Annotated[
    str,
    # At most 254 characters as sent (blanks around it included), and email-validator holds the
    # stored form (an IDN domain as its A-label) to 254 as well: docs/api.md states both.
    StringConstraints(max_length=MAX_ADDRESS_LENGTH),
    AfterValidator(_deliverable),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": MAX_ADDRESS_LENGTH}),
]
