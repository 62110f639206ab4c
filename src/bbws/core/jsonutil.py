"""JSON in and out of the platform: bounded parsing (numbers as Decimal), Decimals as strings.

Every request body goes through `loads`, so its bounds are the platform's bounds on JSON input
(docs/api.md lists them). They are enforced while parsing, before any value reaches a model:
a body beyond them is malformed input (a 400), never a RecursionError, a ValueError from
Python's int-digits limit, or a value DynamoDB or the mailer refuse later (a 500). The bounds
are loose - far above what any route accepts - so that merely large values still reach the
models, whose errors name the field ("quantity must be at most 1000").
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

MAX_DEPTH = 16  # nested arrays/objects; the deepest body of the API has 3
MAX_NUMBER_LENGTH = 100  # characters of one JSON number (sign, digits, point, exponent)
MAX_STRING_LENGTH = 4096  # characters of one string, keys included; the longest field has 2000
MAX_KEYS = 64  # members of one object; the widest body of the API has 9
MAX_ITEMS = 1000  # elements of one array; the longest list of the API has 100
# A number's power of ten: `1e999999999` is a 12-byte number whose conversion to int or whose
# arithmetic would otherwise spin a function until its timeout.
MAX_EXPONENT = 1000

# Strings (closing quote optional, so an unterminated one is consumed in one linear match) and
# brackets: enough to measure nesting without recursion, in one pass of the C regex engine.
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*+"?|[\[\]{}]', re.DOTALL)
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class JSONBoundsError(json.JSONDecodeError):
    """Well-formed JSON beyond the platform's bounds (or with a duplicate key): still malformed
    input. A JSONDecodeError, so every caller that refuses bad JSON refuses it too."""


def _bound(message: str, doc: str) -> JSONBoundsError:
    return JSONBoundsError(message, doc, 0)


def _check_depth(text: str) -> None:
    depth = 0
    for match in _STRUCTURE.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _bound(f"nesting deeper than {MAX_DEPTH} levels", text)
        elif bracket in "]}":
            depth -= 1


def _check_string(value: str, text: str) -> None:
    if len(value) > MAX_STRING_LENGTH:
        raise _bound(f"a string longer than {MAX_STRING_LENGTH} characters", text)
    # "\ud800" is valid JSON but no valid text: it cannot be encoded as UTF-8 for DynamoDB,
    # an email or the response.
    if not value.isascii() and _SURROGATE.search(value):
        raise _bound("a string with an unpaired surrogate (\\ud800-\\udfff)", text)


def _check_values(value: Any, text: str) -> None:
    # Recursion is bounded: _check_depth ran first.
    if isinstance(value, str):
        _check_string(value, text)
    elif isinstance(value, list):
        if len(value) > MAX_ITEMS:
            raise _bound(f"an array of more than {MAX_ITEMS} elements", text)
        for item in value:
            _check_values(item, text)
    elif isinstance(value, dict):
        for item in value.values():
            _check_values(item, text)


def loads(text: str | bytes | bytearray) -> Any:
    """Parse JSON within the platform's bounds, every non-integer number an exact Decimal.

    Beyond a bound, a duplicate key, NaN/Infinity or an unpaired surrogate is a JSONDecodeError
    (JSONBoundsError): malformed input, a 400.
    """
    try:
        doc = text if isinstance(text, str) else bytes(text).decode("utf-8")
    except UnicodeDecodeError as error:
        raise JSONBoundsError("the body is not UTF-8 text", "", 0) from error

    def number(raw: str, convert: type[int] | type[Decimal]) -> int | Decimal:
        if len(raw) > MAX_NUMBER_LENGTH:
            raise _bound(f"a number longer than {MAX_NUMBER_LENGTH} characters", doc)
        value = convert(raw)
        if isinstance(value, Decimal) and abs(value.adjusted()) > MAX_EXPONENT:
            raise _bound(f"a number beyond 10^{MAX_EXPONENT}", doc)
        return value

    def members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if len(pairs) > MAX_KEYS:
            raise _bound(f"an object with more than {MAX_KEYS} members", doc)
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                # The last value silently winning would let `{"status":"PAID","status":"CANCELLED"}`
                # mean something other than what a reader of the body sees first.
                raise _bound(f"duplicate key {key[:64]!r}", doc)
            _check_string(key, doc)
            result[key] = value
        return result

    def constant(name: str) -> Any:
        raise _bound(f"{name} is not a JSON number", doc)

    _check_depth(doc)
    value = json.loads(
        doc,
        parse_int=lambda raw: number(raw, int),
        parse_float=lambda raw: number(raw, Decimal),
        parse_constant=constant,
        object_pairs_hook=members,
    )
    _check_values(value, doc)
    return value


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Integral Decimals from DynamoDB (quantities, versions) go out as numbers; amounts are
        # formatted to strings by the models before they get here.
        exponent = value.as_tuple().exponent
        integral = isinstance(exponent, int) and exponent >= 0
        return int(value) if integral else str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=_default, ensure_ascii=False)
