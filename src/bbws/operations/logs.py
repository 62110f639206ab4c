"""`bbws logs --env E FUNCTION [--since 10m] [--follow] [--filter TEXT]`: a function's
CloudWatch Logs, readable.

The functions log JSON lines (Powertools: `level`, `message`, `timestamp`, `order_id`,
`correlation_id`, ...); each is printed as one line — time, level, the order, the message, then
the other keys that say something — while Lambda's own lines (START, END, REPORT, a crash's
traceback) are printed as they are. `--filter` is a CloudWatch filter on the exact text (quoted
term), applied by CloudWatch; `--follow` keeps polling from the last event seen, like `sam logs
--tail`, until interrupted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bbws.core.functions import BY_NAME
from bbws.delivery.accounts import Environment, GuardError

_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# Keys printed in the line itself, or noise for a reader (Lambda context, sampling).
_SHOWN = {"level", "message", "timestamp", "order_id"}
_QUIET = {
    "location", "service", "cold_start", "function_name", "function_memory_size", "function_arn",
    "function_request_id", "xray_trace_id", "sampling_rate",
}  # fmt: skip
FOLLOW_POLL_SECONDS = 2.0


def log_group(env: Environment, function: str) -> str:
    if function not in BY_NAME:
        raise GuardError(f"unknown function {function!r}; known: {', '.join(sorted(BY_NAME))}")
    return f"/aws/lambda/{env.function_name(function)}"


def parse_since(text: str, now: datetime) -> datetime:
    """`10m`, `2h`, `1d` before `now`, or an ISO 8601 time (UTC when it names no zone)."""
    value = text.strip()
    match = _DURATION.fullmatch(value.lower())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise GuardError(f"--since {text!r}: give a duration (30s, 10m, 2h, 1d) or an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def filter_pattern(text: str | None) -> str | None:
    """CloudWatch's pattern for an exact, case-sensitive phrase."""
    if not text:
        return None
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _clock(milliseconds: int) -> str:
    return datetime.fromtimestamp(milliseconds / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _extras(record: dict[str, Any]) -> str:
    parts = []
    for key, value in record.items():
        if key in _SHOWN or key in _QUIET or value in (None, "", [], {}):
            continue
        rendered = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
        parts.append(f"{key}={rendered}")
    return "  " + " ".join(parts) if parts else ""


def format_event(event: dict[str, Any]) -> str:
    """One log event as one readable line (a JSON line's fields; any other line as it is)."""
    text = str(event.get("message", "")).rstrip("\n")
    stamp = _clock(int(event.get("timestamp", 0)))
    try:
        record = json.loads(text)
    except ValueError:
        record = None
    if not isinstance(record, dict) or "message" not in record:
        return f"{stamp} {text}"
    level = str(record.get("level", "")).upper() or "-"
    order = f" [order {record['order_id']}]" if record.get("order_id") else ""
    return f"{stamp} {level:<7}{order} {record['message']}{_extras(record)}"


@dataclass
class LogReader:
    """Reads one log group's events from a start time, then (following) whatever comes next."""

    logs: Any
    group: str
    start_ms: int
    pattern: str | None = None

    def __post_init__(self) -> None:
        self._seen: set[str] = set()  # ids of the events already returned at `start_ms`

    def read(self) -> list[dict[str, Any]]:
        """Events since the last read (all since the start at first), oldest first, once each.

        The next read starts at the newest millisecond seen (more events may still arrive within
        it) and skips the ones of that millisecond already returned."""
        request: dict[str, Any] = {"logGroupName": self.group, "startTime": self.start_ms}
        if self.pattern:
            request["filterPattern"] = self.pattern
        fresh = [
            event
            for page in self.logs.get_paginator("filter_log_events").paginate(**request)
            for event in page.get("events", [])
            if str(event.get("eventId")) not in self._seen
        ]
        fresh.sort(key=lambda e: (int(e.get("timestamp", 0)), str(e.get("eventId", ""))))
        if fresh:
            newest = int(fresh[-1].get("timestamp", 0))
            latest = {str(e.get("eventId")) for e in fresh if int(e.get("timestamp", 0)) == newest}
            self._seen = self._seen | latest if newest == self.start_ms else latest
            self.start_ms = newest
        return fresh


def stream_logs(
    reader: LogReader,
    *,
    follow: bool,
    sleep: Callable[[float], None],
    poll_seconds: float = FOLLOW_POLL_SECONDS,
    max_polls: int | None = None,
) -> Iterator[dict[str, Any]]:
    """The reader's events; following, poll until interrupted (or `max_polls`, for tests)."""
    yield from reader.read()
    polls = 0
    while follow and (max_polls is None or polls < max_polls):
        sleep(poll_seconds)
        polls += 1
        yield from reader.read()
