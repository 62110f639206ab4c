"""Header values: subjects are one clean line, addresses a single plain addr-spec."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bbws.notifications.errors import InvalidHeader
from bbws.notifications.logic.headers import MAX_SUBJECT_LENGTH, validate_address, validate_subject


@given(st.text(max_size=40), st.sampled_from(["\r", "\n", "\r\n"]), st.text(max_size=40))
def test_any_subject_containing_cr_or_lf_inside_is_refused(before: str, breaker: str, after: str) -> None:
    subject = f"x{before}{breaker}{after}x"
    with pytest.raises(InvalidHeader):
        validate_subject(subject)


def test_a_subject_is_stripped_of_its_trailing_newline() -> None:
    assert validate_subject("  Your receipt for order ord-1\n") == "Your receipt for order ord-1"


@pytest.mark.parametrize("subject", ["", "   \n", "bell\x07", "x" * (MAX_SUBJECT_LENGTH + 1)])
def test_empty_control_or_overlong_subjects_are_refused(subject: str) -> None:
    with pytest.raises(InvalidHeader):
        validate_subject(subject)


@pytest.mark.parametrize(
    "address",
    ["thandi@acme.example", "sales@bbws.local", "o'brien+orders@mail.acme-plumbing.co.za", "a.b@c.io"],
)
def test_plain_addresses_are_accepted(address: str) -> None:
    assert validate_address(address) == address


@pytest.mark.parametrize(
    "address",
    [
        "thandi@acme.example\r\nBcc: victim@example.com",
        "thandi@acme.example\n",
        "Thandi <thandi@acme.example>",
        "two@one.example, three@two.example",
        "no-at-sign.example",
        "user@localhost",
        "user@-bad-.example",
        ".dot@acme.example",
        "dot.@acme.example",
        "",
        "x@" + "a" * 250 + ".example",
        "thändi@acme.example",
    ],
)
def test_malformed_or_injected_addresses_are_refused(address: str) -> None:
    with pytest.raises(InvalidHeader):
        validate_address(address)
