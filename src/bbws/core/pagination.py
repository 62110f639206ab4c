"""List pages: `?limit=` and opaque, tamper-proof `?cursor=` tokens over DynamoDB keys.

A cursor is the DynamoDB LastEvaluatedKey of a page, bound to the query it came from (its
`scope`: table, index and partition) and signed with the cursor secret (`bbws.core.cursor_keys`):

    base64url( version 0x01 | key id (4 bytes) | HMAC-SHA256 tag (16 bytes) | key as JSON )

The tag covers the version, the key id, the scope and the JSON, so a cursor edited by hand,
minted without the secret, or replayed against another query (another tenant's partition, say)
fails to verify. After the tag, the decoded key must still have exactly the shape of that query's
keys (`CursorShape`: exact attribute names, every value a string of the attribute's pattern or
the query's own partition value), so even a cursor signed by a leaked key can only start a page
inside the caller's own partition with a key DynamoDB accepts. Any failure is the same 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bbws.core.cursor_keys import KEYS, Keyring
from bbws.core.errors import FieldError, InvalidInput

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
VERSION = b"\x01"
_KEY_ID_BYTES = 4
_TAG_BYTES = 16
_HEADER_BYTES = len(VERSION) + _KEY_ID_BYTES + _TAG_BYTES
MAX_CURSOR_CHARS = 2048  # our keys are far smaller; longer input is refused before decoding

# Value patterns of the key attributes the lists page over.
ID = r"[A-Za-z0-9_-]{1,128}"  # product ids, campaign codes, order and tenant ids
# `<createdAt>#<id>`, the newest-first sort keys: createdAt as stored (orders keep the message's).
CREATED_KEY = re.compile(r"[^\x00-\x1f\x7f#]{1,64}#" + ID)


@dataclass(frozen=True)
class CursorShape:
    """The keys a list's cursor may carry: the query's `scope`, and for each key attribute
    (exactly these) its fixed value (the query's partition) or the pattern its value matches."""

    scope: str
    attributes: Mapping[str, str | re.Pattern[str]]

    def admits(self, key: Mapping[str, Any]) -> bool:
        if set(key) != set(self.attributes):
            return False
        for name, expected in self.attributes.items():
            value = key[name]
            if not isinstance(value, str):
                return False
            if isinstance(expected, str) and value != expected:
                return False
            if isinstance(expected, re.Pattern) and not expected.fullmatch(value):
                return False
        return True


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


def _tag(secret: bytes, key_id: bytes, scope: str, payload: bytes) -> bytes:
    signed = VERSION + key_id + scope.encode() + b"\x00" + payload
    return hmac.new(secret, signed, hashlib.sha256).digest()[:_TAG_BYTES]


def encode_cursor(last_key: Mapping[str, Any] | None, shape: CursorShape, keyring: Keyring | None = None) -> str | None:
    """The signed cursor for a DynamoDB LastEvaluatedKey (resource-style values), or None."""
    if not last_key:
        return None
    key = (keyring or KEYS.signing()).current
    payload = json.dumps(dict(sorted(last_key.items())), separators=(",", ":"), ensure_ascii=True).encode()
    raw = VERSION + key.key_id + _tag(key.secret, key.key_id, shape.scope, payload) + payload
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: CursorShape, keyring: Keyring | None = None) -> dict[str, str] | None:
    """The ExclusiveStartKey a cursor stands for; a cursor that fails any check is a 400."""
    if cursor is None or cursor == "":
        return None
    if len(cursor) > MAX_CURSOR_CHARS or not cursor.isascii():
        raise invalid_cursor()
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise invalid_cursor() from None
    if len(raw) <= _HEADER_BYTES or raw[:1] != VERSION:
        raise invalid_cursor()
    key_id, tag, payload = raw[1:5], raw[5:_HEADER_BYTES], raw[_HEADER_BYTES:]
    key = keyring.find(key_id) if keyring else KEYS.verifying(key_id)
    if key is None or not hmac.compare_digest(tag, _tag(key.secret, key_id, shape.scope, payload)):
        raise invalid_cursor()
    try:
        decoded = json.loads(payload)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError included
        raise invalid_cursor() from None
    if not isinstance(decoded, dict) or not shape.admits(decoded):
        raise invalid_cursor()
    return decoded
