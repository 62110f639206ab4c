"""Header values that are safe to put into a mail: no CR/LF injection, well-formed addresses."""

from __future__ import annotations

import re

from bbws.notifications.errors import InvalidHeader

MAX_SUBJECT_LENGTH = 250  # keeps the header well under SMTP's 998-octet line limit once encoded
MAX_ADDRESS_LENGTH = 254  # RFC 5321 path limit

# A deliberately strict addr-spec: dot-atom local part and an LDH domain with at least one dot.
# Quoted local parts and internationalised addresses are refused: SES needs SMTPUTF8 for the
# latter, and neither appears in the orders the storefront accepts.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    rf"@{_LABEL}(?:\.{_LABEL})+"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def validate_subject(subject: str) -> str:
    """The subject, stripped of surrounding whitespace, if it is one clean line."""
    value = subject.strip()
    if "\r" in value or "\n" in value:
        raise InvalidHeader("subject contains a line break")
    if _CONTROL.search(value):
        raise InvalidHeader("subject contains a control character")
    if not value:
        raise InvalidHeader("subject is empty")
    if len(value) > MAX_SUBJECT_LENGTH:
        raise InvalidHeader(f"subject is longer than {MAX_SUBJECT_LENGTH} characters")
    return value


def validate_address(address: str) -> str:
    """The address, if it is a single plain `local@domain` that can go into To or From."""
    if _CONTROL.search(address):
        raise InvalidHeader("address contains a line break or control character")
    if len(address) > MAX_ADDRESS_LENGTH or not _ADDRESS.fullmatch(address):
        raise InvalidHeader(f"{address!r} is not a valid email address")
    return address
