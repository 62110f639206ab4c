"""List cursors are signed with a secret and bound to their query: an edit, a forgery, a replay
elsewhere, an unknown key or a key of the wrong shape is a 400, never a page and never a 500."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bbws.core.cursor_keys import CursorKey, Keyring
from bbws.core.errors import ConfigurationError, InvalidInput
from bbws.core.pagination import (
    DEFAULT_LIMIT,
    ID,
    MAX_LIMIT,
    CursorShape,
    Page,
    decode_cursor,
    encode_cursor,
    parse_limit,
)

OLD = CursorKey(b"o" * 40)
NEW = CursorKey(b"n" * 40)
RING = Keyring(NEW)
SHAPE = CursorShape("orders:by-tenant:a", {"pk": re.compile("ORDER#" + ID), "sk": "ORDER", "tenantId": "a"})
KEY = {"pk": "ORDER#ord-1", "sk": "ORDER", "tenantId": "a"}


def signed(payload: bytes, key: CursorKey = NEW, scope: str = SHAPE.scope, key_id: bytes | None = None) -> str:
    """A cursor made by hand, as an attacker who holds `key` (or guesses it) would make one."""
    kid = key.key_id if key_id is None else key_id
    tag = hmac.new(key.secret, b"\x01" + kid + scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(b"\x01" + kid + tag + payload).decode().rstrip("=")


def test_a_cursor_decodes_to_the_key_it_was_made_from() -> None:
    cursor = encode_cursor(KEY, SHAPE, RING)
    assert cursor is not None
    assert decode_cursor(cursor, SHAPE, RING) == KEY


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_single_character_edit_is_rejected(data: st.DataObject) -> None:
    cursor = encode_cursor(KEY, SHAPE, RING)
    assert cursor is not None
    position = data.draw(st.integers(min_value=0, max_value=len(cursor) - 1))
    replacement = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
    tampered = cursor[:position] + replacement + cursor[position + 1 :]
    try:
        decoded = decode_cursor(tampered, SHAPE, RING)
    except InvalidInput:
        return
    # base64 padding bits can absorb an edit of the last character without changing the bytes
    assert decoded == KEY


def test_a_cursor_signed_without_the_secret_is_rejected() -> None:
    # Given someone who knows the scheme and the scope but not the secret
    forged = signed(json.dumps(KEY).encode(), key=CursorKey(b"guess" * 8), key_id=NEW.key_id)
    with pytest.raises(InvalidInput) as error:
        decode_cursor(forged, SHAPE, RING)
    assert error.value.to_problem()["errors"] == [{"field": "cursor", "message": "invalid or tampered cursor"}]


def test_a_cursor_naming_an_unknown_key_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(signed(json.dumps(KEY).encode(), key=NEW, key_id=b"\x00\x00\x00\x00"), SHAPE, RING)
    with pytest.raises(InvalidInput):
        decode_cursor(signed(json.dumps(KEY).encode(), key=OLD), SHAPE, RING)


def test_after_a_rotation_cursors_of_the_previous_key_still_work() -> None:
    # Given a cursor signed before the rotation
    before = encode_cursor(KEY, SHAPE, Keyring(OLD))
    # When the key ring holds the new key and the previous one
    rotated = Keyring(NEW, previous=OLD)
    # Then the old cursor still decodes, and new cursors are signed with the new key
    assert decode_cursor(before, SHAPE, rotated) == KEY
    after = encode_cursor(KEY, SHAPE, rotated)
    assert after != before
    assert decode_cursor(after, SHAPE, Keyring(NEW)) == KEY
    # And once the previous key is gone, the old cursor is refused
    with pytest.raises(InvalidInput):
        decode_cursor(before, SHAPE, Keyring(NEW))


def test_a_cursor_from_another_query_is_rejected() -> None:
    # Given a cursor from tenant a's order list, When tenant b presents it, Then it is a 400
    cursor = encode_cursor(KEY, SHAPE, RING)
    other = CursorShape("orders:by-tenant:b", {**SHAPE.attributes, "tenantId": "b"})
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, other, RING)


@pytest.mark.parametrize(
    "key",
    [
        {"pk": {"N": "NaN"}, "sk": "ORDER", "tenantId": "a"},
        {"pk": "ORDER#ord-1", "sk": "ORDER", "tenantId": 1},
        {"pk": "ORDER#ord-1", "sk": "ORDER", "tenantId": None},
        {"pk": "ORDER#ord-1", "sk": "ORDER", "tenantId": ["a"]},
        {"pk": "ORDER#ord-1", "sk": "ORDER", "tenantId": "b"},  # another tenant's partition
        {"pk": "ORDER#ord-1", "sk": "ORDER"},  # a missing attribute
        {"pk": "ORDER#ord-1", "sk": "ORDER", "tenantId": "a", "extra": "x"},
        {"pk": "PRODUCT#x", "sk": "ORDER", "tenantId": "a"},  # not an order's key
        {"pk": "ORDER#" + "x" * 129, "sk": "ORDER", "tenantId": "a"},
        {"pk": "ORDER#a b", "sk": "ORDER", "tenantId": "a"},
    ],
)
def test_a_signed_key_of_the_wrong_shape_is_still_rejected(key: dict[str, Any]) -> None:
    # Even signed with the real key (a leaked secret), a key the query could not have returned
    # is a 400: DynamoDB never sees NaN, a number where a string belongs, or another partition.
    with pytest.raises(InvalidInput):
        decode_cursor(signed(json.dumps(key).encode()), SHAPE, RING)


@pytest.mark.parametrize(
    "payload", [b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b'{"pk": NaN}', b"{" * 5000, b"1" * 5000]
)
def test_a_signed_payload_that_is_not_a_key_is_rejected(payload: bytes) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(signed(payload), SHAPE, RING)


@pytest.mark.parametrize(
    "garbage", ["!!!", "a", "x" * 10, "eyJwayI6IjEifQ", "AAAA" * 700, "é" * 8, "AQ==", "AQ", " " + "A" * 40]
)
def test_garbage_is_rejected(garbage: str) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(garbage, SHAPE, RING)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_no_text_is_anything_but_a_400(text: str) -> None:
    try:
        assert decode_cursor(text, SHAPE, RING) is None
        assert text == ""
    except InvalidInput:
        pass


def test_no_last_key_means_no_next_page() -> None:
    assert encode_cursor(None, SHAPE, RING) is None
    assert encode_cursor({}, SHAPE, RING) is None
    assert decode_cursor(None, SHAPE, RING) is None
    assert decode_cursor("", SHAPE, RING) is None


def test_a_secret_too_short_to_sign_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        CursorKey(b"short")


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, DEFAULT_LIMIT), ("", DEFAULT_LIMIT), ("1", 1), ("100", MAX_LIMIT)]
)
def test_limits_within_range_are_accepted(raw: str | None, expected: int) -> None:
    assert parse_limit(raw) == expected


@pytest.mark.parametrize("raw", ["0", "101", "-1", "ten", "1.5", "\u00b2", "\u0661\u0660", "\uff11"])
def test_limits_out_of_range_are_a_400_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_limit(raw)
    assert error.value.status == 400
    assert error.value.to_problem()["errors"][0]["field"] == "limit"


def test_a_page_renders_items_and_next_cursor() -> None:
    page = Page(items=[1, 2], next_cursor="abc")
    assert page.to_response(lambda n: {"n": n}) == {"items": [{"n": 1}, {"n": 2}], "nextCursor": "abc"}
    assert Page(items=[], next_cursor=None).to_response() == {"items": [], "nextCursor": None}
