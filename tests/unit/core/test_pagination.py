"""List cursors are opaque and bound to their query: any edit or replay elsewhere is a 400."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bbws.core.errors import InvalidInput
from bbws.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor, parse_limit

KEYS = frozenset({"pk", "sk"})
key_values = st.one_of(
    st.text(min_size=1, max_size=40),
    st.integers(min_value=-(10**12), max_value=10**12).map(Decimal),
)
last_keys = st.fixed_dictionaries({"pk": key_values, "sk": key_values})


@given(last_keys, st.text(min_size=1, max_size=60))
def test_a_cursor_decodes_to_the_key_it_was_made_from(last_key: dict[str, object], scope: str) -> None:
    cursor = encode_cursor(last_key, scope)
    assert cursor is not None
    assert decode_cursor(cursor, scope, KEYS) == last_key


@given(last_keys, st.data())
def test_any_single_character_edit_is_rejected(last_key: dict[str, object], data: st.DataObject) -> None:
    cursor = encode_cursor(last_key, "products#active")
    assert cursor is not None
    position = data.draw(st.integers(min_value=0, max_value=len(cursor) - 1))
    replacement = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
    tampered = cursor[:position] + replacement + cursor[position + 1 :]
    if tampered == cursor:
        return
    try:
        decoded = decode_cursor(tampered, "products#active", KEYS)
    except InvalidInput:
        return
    # base64 padding bits can absorb an edit of the last character without changing the bytes
    assert decoded == last_key


def test_a_cursor_from_another_query_is_rejected() -> None:
    # Given a cursor from tenant A's order list
    cursor = encode_cursor({"pk": "TENANT#a", "sk": "ORDER#1"}, "orders#TENANT#a")
    # When tenant B presents it, Then it is a 400, not a page of A's orders
    with pytest.raises(InvalidInput) as error:
        decode_cursor(cursor, "orders#TENANT#b", KEYS)
    assert error.value.to_problem()["errors"] == [{"field": "cursor", "message": "invalid or tampered cursor"}]


def test_a_forged_cursor_for_another_partition_is_rejected() -> None:
    # Given a tag forged by someone who knows the scheme and the scope (there is no secret)
    forged = encode_cursor({"pk": "ORDER#theirs", "sk": "ORDER", "tenantId": "b"}, "orders#TENANT#a")
    keys = frozenset({"pk", "sk", "tenantId"})
    # When it is used on tenant a's list, Then the key's partition is not a's: 400
    with pytest.raises(InvalidInput):
        decode_cursor(forged, "orders#TENANT#a", keys, fixed={"tenantId": "a"})
    own = encode_cursor({"pk": "ORDER#mine", "sk": "ORDER", "tenantId": "a"}, "orders#TENANT#a")
    assert decode_cursor(own, "orders#TENANT#a", keys, fixed={"tenantId": "a"}) is not None


@pytest.mark.parametrize("garbage", ["!!!", "a", "x" * 10, "eyJwayI6IjEifQ"])
def test_garbage_is_rejected(garbage: str) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(garbage, "scope", KEYS)


def test_a_cursor_with_other_key_attributes_is_rejected() -> None:
    cursor = encode_cursor({"pk": "a"}, "scope")
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, "scope", KEYS)


def test_no_last_key_means_no_next_page() -> None:
    assert encode_cursor(None, "scope") is None
    assert encode_cursor({}, "scope") is None
    assert decode_cursor(None, "scope", KEYS) is None
    assert decode_cursor("", "scope", KEYS) is None


def test_unsupported_key_types_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        encode_cursor({"pk": b"bytes"}, "scope")


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
