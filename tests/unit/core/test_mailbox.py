"""Only addresses SES can deliver to are accepted, and every spelling of one mailbox has one key."""

from __future__ import annotations

import unicodedata

import idna
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bbws.core.mailbox import UndeliverableAddress, lookup_keys, mailbox_key, parse_mailbox

UNDELIVERABLE = [
    "a\x00b@example.com",  # NUL
    "a..b@example.com",
    ".ab@example.com",
    "ab.@example.com",
    "bø@example.com",  # non-ASCII local part: SES needs 7-bit ASCII
    "\uff42ob@example.com",  # fullwidth letter in the local part
    "b\u200bob@example.com",  # zero-width space in the local part
    "bob@exa\u200bmple.com",  # zero-width space in the domain
    "bob@example.com.",  # trailing dot
    "\u212aelvin@example.com",  # Kelvin sign: must not fold into kelvin@
    "bob@localhost",
    "bob@printer.local",  # special-use domain
    "bob@[192.0.2.1]",
    '"bob smith"@example.com',
    "Bob <bob@example.com>",
    "bob",
    "bob@",
    "@example.com",
    "bob@@example.com",
    "bob@-bad-.example",
    "x" * 65 + "@example.com",  # local part over 64
    "bob@" + "a" * 250 + ".com",
    "",
]


@pytest.mark.parametrize("text", UNDELIVERABLE)
def test_an_address_ses_cannot_deliver_to_is_refused(text: str) -> None:
    with pytest.raises(UndeliverableAddress):
        parse_mailbox(text)


def test_an_idn_domain_is_converted_to_its_a_label() -> None:
    mailbox = parse_mailbox("Bob@Bücher.Example")
    assert mailbox.address == "Bob@xn--bcher-kva.example"
    assert mailbox.canonical == "bob@xn--bcher-kva.example"


@pytest.mark.parametrize(
    "spelling",
    [
        "bob@xn--bcher-kva.example",
        "bob@bücher.example",
        "BOB@BÜCHER.EXAMPLE",
        "Bob@XN--BCHER-KVA.example",
        "bob@bu\u0308cher.example",  # decomposed ü (NFD)
        "bob@\uff42\u00fc\uff43\uff48\uff45\uff52.example",  # fullwidth domain letters
        "  bob@bücher.example\t",
    ],
)
def test_every_spelling_of_one_mailbox_has_one_canonical_key(spelling: str) -> None:
    assert mailbox_key(spelling) == "bob@xn--bcher-kva.example"


def test_a_claim_stored_under_the_legacy_form_is_looked_up_after_the_canonical_one() -> None:
    # Before the canonical form, keys were strip().lower(): an IDN domain stayed a U-label.
    assert lookup_keys("Bob@xn--bcher-kva.example") == ("bob@xn--bcher-kva.example", "bob@bücher.example")
    assert lookup_keys("bob@Bücher.example") == ("bob@xn--bcher-kva.example", "bob@bücher.example")
    assert lookup_keys("Shop@Example.com") == ("shop@example.com",)  # one key: one GetItem
    # An address accepted before validation existed keeps its legacy key (its order is stored).
    assert mailbox_key("a..b@Example.com") == lookup_keys("a..b@Example.com")[0] == "a..b@example.com"


def test_an_undeliverable_address_from_a_queued_order_never_folds_into_another_mailbox() -> None:
    # "\u212a".lower() is an ASCII "k": the legacy key would be kelvin@'s own mailbox.
    assert mailbox_key("\u212aelvin@Example.com") == "\u212aelvin@Example.com"
    assert lookup_keys("\u212aelvin@Example.com") == ("\u212aelvin@Example.com",)
    assert mailbox_key("kelvin@example.com") == "kelvin@example.com"


_ASCII_LOCAL = st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9_+-]{0,10}[a-zA-Z0-9])?", fullmatch=True)
_LABEL = st.text(alphabet=st.characters(categories=["Ll", "Lu", "Lo", "Nd"]), min_size=1, max_size=10)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
@example("\u212a@example.com")
@example("\u0130@example.com")
def test_any_text_is_either_refused_or_a_7bit_mailbox_with_a_stable_key(text: str) -> None:
    try:
        mailbox = parse_mailbox(text)
    except UndeliverableAddress:
        return
    assert mailbox.address.isascii()
    assert mailbox.canonical == mailbox.address.lower()
    # The stored address means the same mailbox again: the key is a fixed point.
    assert parse_mailbox(mailbox.address).canonical == mailbox.canonical
    assert parse_mailbox(mailbox.canonical).canonical == mailbox.canonical


@settings(max_examples=300, deadline=None)
@given(local=_ASCII_LOCAL, label=_LABEL, other=st.text(min_size=1, max_size=3))
def test_a_non_ascii_character_in_the_local_part_is_always_refused(local: str, label: str, other: str) -> None:
    text = local + other + "@example.com"
    if not text.split("@")[0].isascii():
        with pytest.raises(UndeliverableAddress):
            parse_mailbox(text)


@settings(max_examples=300, deadline=None)
@given(local=_ASCII_LOCAL, label=_LABEL, data=st.data())
def test_spellings_of_a_mailbox_share_its_key_and_other_mailboxes_never_do(local: str, label: str, data) -> None:
    try:
        mailbox = parse_mailbox(f"{local}@{label}.example")
    except UndeliverableAddress:
        return  # a label IDNA refuses (mixed scripts, digits-only bidi ...)
    # Spellings: any case of the local part, the domain as A-label or U-label in any case/form.
    cased = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in local)
    domain = mailbox.address.split("@")[1]
    spellings = [
        f"{cased}@{domain}",
        f"{cased}@{domain.upper()}",
        f"{cased}@{unicodedata.normalize('NFC', label)}.example",
        f"{cased}@{unicodedata.normalize('NFD', label)}.example",
    ]
    for spelling in spellings:
        try:
            assert mailbox_key(spelling) == mailbox.canonical, spelling
        except UndeliverableAddress:  # pragma: no cover - reported by the assertion below
            pytest.fail(f"{spelling!r} is a spelling of {mailbox.address!r} but was refused")
    # Another local part is another mailbox, whatever the domain's spelling.
    other = local + "x"
    assert mailbox_key(f"{other}@{domain}") != mailbox.canonical


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=30)
    | st.from_regex(r"[a-zA-Z\u212a\u0130\uff21-\uff3a.]{1,8}@[a-z\u00fc\uff41-\uff5a.]{1,8}", fullmatch=True)
)
def test_the_key_of_an_undeliverable_address_is_no_mailbox_s_key(text: str) -> None:
    try:
        parse_mailbox(text)
    except UndeliverableAddress:
        # Every mailbox's key is deliverable, so a key that is not can never be one of theirs.
        with pytest.raises(UndeliverableAddress):
            parse_mailbox(mailbox_key(text))


def _same_mailbox(a: str, b: str) -> bool:
    """An oracle independent of email-validator: the local parts equal ignoring ASCII case, the
    domains equal after IDNA 2008 with UTS #46 mapping (the `idna` package)."""
    (local_a, domain_a), (local_b, domain_b) = (x.strip(" \t\r\n").rsplit("@", 1) for x in (a, b))
    encode = lambda domain: idna.encode(domain, uts46=True).lower()  # noqa: E731
    return local_a.lower() == local_b.lower() and encode(domain_a) == encode(domain_b)


_LOCAL = st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9_+.-]{0,6}[a-zA-Z0-9])?", fullmatch=True)
_DOMAIN_LABEL = st.text(
    alphabet=st.sampled_from("abkKsSz\u00fc\u00dc\u00e9\u0131\u0130\u212a\u017f\uff41\uff4b\u00df-0"),
    min_size=1,
    max_size=6,
)


@settings(max_examples=500, deadline=None)
@given(a_local=_LOCAL, b_local=_LOCAL, a_label=_DOMAIN_LABEL, b_label=_DOMAIN_LABEL, data=st.data())
def test_two_addresses_share_a_key_exactly_when_they_are_one_mailbox(
    a_local: str, b_local: str, a_label: str, b_label: str, data
) -> None:
    # Often the same local part in another case, so that equal keys are tried as well as unequal ones.
    if data.draw(st.booleans()):
        b_local = "".join(c.swapcase() if data.draw(st.booleans()) else c for c in a_local)
    a, b = f"{a_local}@{a_label}.example", f"{b_local}@{b_label}.example"
    try:
        key_a, key_b = mailbox_key(a), mailbox_key(b)
        parse_mailbox(a), parse_mailbox(b)
    except UndeliverableAddress:
        return
    assert (key_a == key_b) == _same_mailbox(a, b), (a, b, key_a, key_b)
