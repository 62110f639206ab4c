"""A claim lasts until the claimant's Lambda deadline, within sane bounds."""

from __future__ import annotations

import time

import pytest

from bbws.notifications.handlers.consumer import DEFAULT_LEASE_MS, MAX_LEASE_MS, lease_until_ms


class Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def lease_bounds(context: Context | None) -> tuple[int, int]:
    """The shortest and longest the lease can be, given when "now" was read."""
    before = time.time_ns() // 1_000_000
    until = lease_until_ms(context)  # type: ignore[arg-type]
    after = time.time_ns() // 1_000_000
    return until - after, until - before


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (Context(25_000), 25_000),  # the invocation's remaining time
        (None, DEFAULT_LEASE_MS),  # no context: a minute
        (Context(10**9), MAX_LEASE_MS),  # never past Lambda's longest timeout
        (Context(0), 1_000),  # never already expired
    ],
)
def test_the_lease_ends_at_the_claimants_deadline(context: Context | None, expected: int) -> None:
    shortest, longest = lease_bounds(context)
    assert shortest <= expected <= longest
