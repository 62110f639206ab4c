"""JSON input is parsed within bounds: anything beyond them is a JSONDecodeError (a 400)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bbws.core import jsonutil
from bbws.core.jsonutil import (
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_KEYS,
    MAX_NUMBER_LENGTH,
    MAX_STRING_LENGTH,
    JSONBoundsError,
    loads,
)


def test_numbers_parse_exactly_and_integers_stay_integers() -> None:
    assert loads('{"a": 0.1, "b": 3, "c": -2.50}') == {"a": Decimal("0.1"), "b": 3, "c": Decimal("-2.50")}
    assert isinstance(loads("3"), int)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1" * 5000, "number longer"),  # Python's int-digits limit would be a ValueError
        ("[" + "1" * (MAX_NUMBER_LENGTH + 1) + "]", "number longer"),
        ("1e999999999", r"beyond 10\^1000"),
        ("[" * 5000 + "]" * 5000, "nesting deeper"),  # a RecursionError without the bound
        ('{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1), "nesting deeper"),
        ('"' + "x" * (MAX_STRING_LENGTH + 1) + '"', "string longer"),
        ('{"' + "k" * (MAX_STRING_LENGTH + 1) + '": 1}', "string longer"),
        (json.dumps({f"k{i}": i for i in range(MAX_KEYS + 1)}), "more than 64 members"),
        (json.dumps(list(range(MAX_ITEMS + 1))), "more than 1000 elements"),
        ('{"status":"PAID","status":"CANCELLED"}', "duplicate key 'status'"),
        ('{"a":{"b":1,"b":1}}', "duplicate key 'b'"),
        ('{"price": NaN}', "NaN is not a JSON number"),
        ("[Infinity]", "Infinity is not"),
        ("[-Infinity]", "-Infinity is not"),
        ('["\\ud800"]', "unpaired surrogate"),
        ('{"\\udfff": 1}', "unpaired surrogate"),
        (b'{"a": "\xe1"}', "not UTF-8"),
    ],
)
def test_input_beyond_a_bound_is_malformed_json(text: str | bytes, reason: str) -> None:
    with pytest.raises(json.JSONDecodeError, match=reason) as raised:
        loads(text)
    assert isinstance(raised.value, JSONBoundsError)


def test_input_at_every_bound_still_parses() -> None:
    deepest = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(deepest) is not None
    assert loads('"' + "x" * MAX_STRING_LENGTH + '"') == "x" * MAX_STRING_LENGTH
    assert len(loads(json.dumps({f"k{i}": i for i in range(MAX_KEYS)}))) == MAX_KEYS
    assert len(loads(json.dumps(list(range(MAX_ITEMS))))) == MAX_ITEMS
    assert loads("9" * MAX_NUMBER_LENGTH) == int("9" * MAX_NUMBER_LENGTH)
    assert loads('"\\ud83d\\ude00"') == "\U0001f600"  # a surrogate pair is one character


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"a": "[" * 100 + '\\"{' * 100})
    assert loads(text) == {"a": "[" * 100 + '\\"{' * 100}


def test_an_unterminated_string_full_of_quotes_is_refused_in_linear_time() -> None:
    # Each quote must not restart a scan to the end of the text (quadratic on 64 KiB).
    with pytest.raises(json.JSONDecodeError):
        loads('["' + '\\"' * 30000)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
        max_leaves=20,
    )
)
def test_any_json_within_the_bounds_round_trips(value: object) -> None:
    assert loads(jsonutil.dumps(value)) == value
