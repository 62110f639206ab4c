"""Bounded polling for tests that wait on another thread or process (never a timing test)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def eventually(probe: Callable[[], Any], seconds: float = 60, interval: float = 0.25) -> Any:
    """The probe's first truthy answer within `seconds`, else its last (falsy) answer."""
    deadline = time.monotonic() + seconds
    while True:
        answer = probe()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(interval)
