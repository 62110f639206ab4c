"""JSON in and out of the platform: numbers parse as Decimal, Decimals serialise as strings."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any


def loads(text: str | bytes | bytearray) -> Any:
    """Parse JSON with every non-integer number as an exact Decimal (never a float)."""
    return json.loads(text, parse_float=Decimal)


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
