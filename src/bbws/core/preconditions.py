"""HTTP preconditions on versioned resources: strong ETags are the version in quotes."""

from __future__ import annotations

from bbws.core.errors import PreconditionFailed


def etag(version: int) -> str:
    return f'"{version}"'


def expected_versions(if_match: str | None) -> tuple[int, ...] | None:
    """The versions an `If-Match` header accepts; None when any version will do (no header, or
    `*`). A header naming no version this API could have issued can never match: 412 at once."""
    if if_match is None or if_match.strip() == "*":
        return None
    versions: list[int] = []
    for tag in if_match.split(","):
        text = tag.strip()
        # A weak tag still names our version; If-Match compares strongly but our tags are only
        # ever strong, so a client echoing one back through a proxy that weakened it is honoured.
        text = text.removeprefix("W/")
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1]
        if text.isdigit() and len(text) <= 18:
            versions.append(int(text))
    if not versions:
        raise PreconditionFailed("If-Match names no version of this resource")
    return tuple(sorted(set(versions)))[:100]
