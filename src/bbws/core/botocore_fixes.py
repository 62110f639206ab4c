"""Where botocore costs more than it needs to, worked around in this one module.

Each workaround is small, named, applied only to the clients `bbws.core.aws` makes, and has a
test in `tests/unit/core/test_botocore_fixes.py` that reproduces the cost against unpatched
botocore (`test_<name>_still_needed`): that test fails once botocore no longer needs it, which
is the signal to delete the workaround.
"""

from __future__ import annotations

from typing import Any

from botocore.context import get_context

# At most this many User-Agent strings per client (one per set of request features; botocore
# adds a handful of them, so a few variants at most are ever seen).
_MAX_USER_AGENTS = 16


def cache_user_agent(client: Any) -> None:
    """`user_agent_per_request` (seen in botocore 1.44.5): every request rebuilds the
    User-Agent header from its parts, sanitising each character of every part again
    (`UserAgentString.to_string`, ~0.07 ms, twice per request sent). Everything in it is fixed
    when the client is made, except the features the request itself registers in botocore's
    request context, so the string is built once per client and set of request features and
    reused (the same string botocore builds, which the test checks)."""
    creator = client._user_agent_creator  # the one object both callers ask
    build = creator.to_string
    built: dict[frozenset[str], str] = {}

    def to_string() -> str:
        context = get_context()
        features = frozenset(context.features) if context is not None else frozenset()
        found = built.get(features)
        if found is None:
            found = build()
            if len(built) < _MAX_USER_AGENTS:
                built[features] = found
        return found

    # An instance attribute: `_convert_to_request_dict` and the `request-created` handler that
    # rebuilds the header (a bound method of the same object) both look `to_string` up on it.
    creator.to_string = to_string
