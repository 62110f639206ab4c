"""JSON in and out of the platform: numbers parse as Decimal, Decimals serialise as strings."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

# Bounding the exponent at parse time matters: `1e999999999` is a 12-byte JSON number whose
# conversion to int (a quantity) or whose arithmetic would otherwise spin a function until its
# timeout. The bound is loose (10^1000 converts in microseconds) so that merely large numbers
# still reach the models, whose errors name the field ("price must be less than 10^12").
MAX_EXPONENT = 1000


def _exact_number(text: str) -> Decimal:
    number = Decimal(text)
    if number.is_finite() and abs(number.adjusted()) > MAX_EXPONENT:
        raise json.JSONDecodeError(f"number {text[:20]} is out of range", text, 0)
    return number


def loads(text: str | bytes | bytearray) -> Any:
    """Parse JSON with every non-integer number as an exact Decimal (never a float).

    A number beyond 10^1000 (or below 10^-1000) is a JSONDecodeError: malformed input, a 400.
    """
    return json.loads(text, parse_float=_exact_number)


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
