"""List pages: `?limit=` and opaque, tamper-evident `?cursor=` tokens over DynamoDB keys.

A cursor is the DynamoDB LastEvaluatedKey bound to the query it came from (the "scope": table,
index and partition). It carries a BLAKE2 tag keyed by that scope, so a cursor edited by hand,
or replayed against another query (another tenant's partition, say), fails to verify and is a
400. The tag has no server secret (there is no setting to hold one), so someone who knows the
scheme can forge a tag; security therefore never rests on it. The scope is recomputed from the
verified caller on every request, and the decoded key must carry exactly the query's key
attributes with the query's own partition value (`fixed`), so a forged cursor can at most start
a page inside the caller's own partition, and a key DynamoDB would reject is a 400, not a 500.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bbws.core.errors import FieldError, InvalidInput

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_TAG_BYTES = 16


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    next_cursor: str | None

    def to_response(self, render: Any = None) -> dict[str, Any]:
        items = [render(item) for item in self.items] if render else self.items
        return {"items": items, "nextCursor": self.next_cursor}


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    # ASCII digits only: str.isdigit() is also true of "²" (which int() refuses: a 500) and of
    # Arabic-Indic digits (which int() reads): neither is the documented integer.
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInput(
            "limit must be an integer from 1 to 100",
            [FieldError("limit", f"must be an integer between 1 and {MAX_LIMIT}")],
        )
    return int(raw)


def invalid_cursor() -> InvalidInput:
    """The 400 for a cursor this list did not issue (edited, forged, or from another list)."""
    return InvalidInput("the cursor is not valid for this list", [FieldError("cursor", "invalid or tampered cursor")])


def _tag(scope: str, payload: bytes) -> bytes:
    return hashlib.blake2b(payload, key=scope.encode()[:64], digest_size=_TAG_BYTES).digest()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    raise TypeError(f"unsupported key attribute type {type(value).__name__}")


def _unplain(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, raw),) = value.items()
        if kind == "N" and isinstance(raw, str):
            return Decimal(raw)
        if kind == "S" and isinstance(raw, str):
            return raw
    raise ValueError("bad key attribute")


def encode_cursor(last_key: dict[str, Any] | None, scope: str) -> str | None:
    """The opaque cursor for a DynamoDB LastEvaluatedKey (resource-style values), or None."""
    if not last_key:
        return None
    payload = json.dumps(
        {name: _plain(value) for name, value in sorted(last_key.items())}, separators=(",", ":")
    ).encode()
    return base64.urlsafe_b64encode(_tag(scope, payload) + payload).decode().rstrip("=")


def decode_cursor(
    cursor: str | None, scope: str, key_names: frozenset[str], fixed: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """The ExclusiveStartKey a cursor stands for; a cursor that fails any check is a 400.

    `fixed`: key attributes whose value the query itself determines (its partition); the
    cursor's key must hold exactly those values.
    """
    if cursor is None or cursor == "":
        return None
    invalid = invalid_cursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise invalid from None
    tag, payload = raw[:_TAG_BYTES], raw[_TAG_BYTES:]
    if len(tag) != _TAG_BYTES or not hmac.compare_digest(tag, _tag(scope, payload)):
        raise invalid
    try:
        decoded = json.loads(payload)
        key = {name: _unplain(value) for name, value in decoded.items()}
    except (ValueError, AttributeError, TypeError):
        raise invalid from None
    if frozenset(key) != key_names:
        raise invalid
    if any(key.get(name) != value for name, value in (fixed or {}).items()):
        raise invalid
    return key
