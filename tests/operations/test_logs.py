"""`bbws logs --env E FUNCTION` against emulated CloudWatch Logs: JSON lines formatted, --since,
--filter, --follow."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery import accounts
from bbws.delivery.accounts import GuardError
from bbws.operations.logs import LogReader, format_event, log_group, parse_since, stream_logs
from tests.delivery.conftest import TEST_ENVIRONMENTS, Cloud

DEV = TEST_ENVIRONMENTS["dev"]
GROUP = "/aws/lambda/bbws-dev-orders-consumer"
NOW = datetime(2026, 1, 2, 21, 0, 0, tzinfo=UTC)


def powertools(message: str, level: str = "INFO", **keys: Any) -> str:
    return json.dumps({
        "level": level, "location": "record_handler:88", "message": message,
        "timestamp": "2026-01-02 21:00:05,123+0000", "service": "orders", "cold_start": False,
        "function_request_id": "r-1", **keys,
    })  # fmt: skip


@pytest.fixture
def logs(cloud: Cloud) -> Any:
    client = cloud.client("logs")
    client.create_log_group(logGroupName=GROUP)
    client.create_log_stream(logGroupName=GROUP, logStreamName="2026/01/02/[5]abc")
    return client


def put(logs: Any, *messages: str, at_ms: int | None = None) -> None:
    start = at_ms if at_ms is not None else int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName="2026/01/02/[5]abc",
        logEvents=[{"timestamp": start + i, "message": m} for i, m in enumerate(messages)],
    )


def test_a_powertools_line_reads_as_time_level_order_message_and_what_else_it_says() -> None:
    line = format_event({
        "timestamp": int(NOW.timestamp() * 1000),
        "message": powertools("order stored", order_id="ord-1", tenant_id="t-1", correlation_id="m-9"),
    })  # fmt: skip

    assert line == "2026-01-02 21:00:00 INFO    [order ord-1] order stored  tenant_id=t-1 correlation_id=m-9"


def test_lambdas_own_lines_are_printed_as_they_are() -> None:
    line = format_event({"timestamp": int(NOW.timestamp() * 1000), "message": "START RequestId: r-1 Version: 5\n"})

    assert line == "2026-01-02 21:00:00 START RequestId: r-1 Version: 5"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10m", NOW - timedelta(minutes=10)), ("2h", NOW - timedelta(hours=2)), ("1d", NOW - timedelta(days=1)),
     ("30s", NOW - timedelta(seconds=30)), ("2026-01-02T20:00:00Z", NOW - timedelta(hours=1)),
     ("2026-01-02T20:00:00", NOW - timedelta(hours=1))],
)  # fmt: skip
def test_since_takes_a_duration_or_a_time(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "10 parsecs", "-5m"])
def test_a_since_that_is_neither_is_refused(text: str) -> None:
    with pytest.raises(GuardError, match="--since"):
        parse_since(text, NOW)


def test_an_unknown_function_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(GuardError, match="orders-consumer"):
        log_group(DEV, "orders-consumr")


def test_the_command_prints_the_functions_recent_events(
    logs: Any, cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "ENVIRONMENTS", TEST_ENVIRONMENTS)
    old = int((time.time() - 3 * 3600) * 1000)
    put(logs, powertools("long ago", order_id="ord-0"), at_ms=old)
    put(logs, "START RequestId: r-1 Version: 5", powertools("order stored", order_id="ord-1"),
        powertools("tenant not found", level="WARNING", order_id="ord-2"))  # fmt: skip

    recent = CliRunner().invoke(app, ["logs", "orders-consumer", "--env", "dev", "--since", "1h"])
    filtered = CliRunner().invoke(app, ["logs", "orders-consumer", "--env", "dev", "--filter", "tenant not found"])
    everything = CliRunner().invoke(app, ["logs", "orders-consumer", "--env", "dev", "--since", "1d"])

    assert recent.exit_code == 0, recent.output
    lines = recent.stdout.splitlines()
    assert [line[20:] for line in lines] == [
        "START RequestId: r-1 Version: 5",
        "INFO    [order ord-1] order stored",
        "WARNING [order ord-2] tenant not found",
    ]
    assert [line[20:] for line in filtered.stdout.splitlines()] == ["WARNING [order ord-2] tenant not found"]
    assert "long ago" in everything.stdout


def test_follow_prints_each_new_event_once(logs: Any, cloud: Cloud) -> None:
    # Given one event, then two more arriving while it follows (one in the same millisecond)
    base = int(time.time() * 1000)
    put(logs, powertools("first"), at_ms=base)
    arrivals = [[powertools("second")], [powertools("third")]]

    def sleep(_seconds: float) -> None:
        if arrivals:
            put(logs, *arrivals.pop(0), at_ms=base if len(arrivals) == 1 else base + 5)

    reader = LogReader(cloud.client("logs"), GROUP, base - 1000)
    seen = [json.loads(e["message"])["message"] for e in stream_logs(reader, follow=True, sleep=sleep, max_polls=4)]

    assert seen == ["first", "second", "third"]
