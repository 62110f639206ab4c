"""The results file and the printed tables."""

from __future__ import annotations

import json
from pathlib import Path

from bench.report import print_results, write_results
from rich.console import Console

RESULTS = {
    "machine": {"cpu": "Test CPU", "logical_cpus": 2, "python": "3.12.1", "commit": "abc1234", "measured_at": "now"},
    "cold_start": {
        "health": {
            "init_cpu_ms": 40.0,
            "boto3_cpu_ms": 100.0,
            "init_over_boto3_cpu": 0.4,
            "init_over_floor_cpu": 1.2,
            "targets": {"init / boto3": {"value": 0.4, "target": 0.5, "pass": True}},
            "pass": True,
        },
        "orders-api": {"skipped": "bbws.orders.handlers.api does not exist yet", "pass": None},
        "notes": ["targets judged on CPU medians"],
    },
    "warm": {"GET /health": {"median_ms": 0.2, "p99_ms": 0.4, "target_ms": 1.0, "pass": True}},
    "dynamodb_calls": {
        "operations": {
            "list products page": {
                "function": "products-api",
                "kind": "list page",
                "calls": {"Scan": 1},
                "target": "0 Scans; exactly one read, a Query",
                "pass": False,
            }
        },
        "scans_total": 1,
    },
    "aws_calls_per_order": {
        "steady state": {"total": {"dynamodb": {"GetItem": 3}, "sesv2": {"SendEmail": 2}}, "total_calls": 5}
    },
    "local_throughput": {"accepted": 200, "stored": 200, "confirmation_emails": 200, "pass": True},
}


def test_results_are_written_as_json_with_every_section(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    write_results(RESULTS, path)
    written = json.loads(path.read_text())
    assert list(written) == [
        "machine",
        "cold_start",
        "warm",
        "dynamodb_calls",
        "aws_calls_per_order",
        "local_throughput",
    ]
    assert written["cold_start"]["health"]["init_over_boto3_cpu"] == 0.4


def test_every_section_is_printed_with_its_verdicts() -> None:
    console = Console(record=True, width=200)
    print_results(RESULTS, console)
    text = console.export_text()
    assert "0.40x" in text
    assert "1.20x" in text
    assert "targets judged on CPU medians" in text
    assert "skipped" in text
    assert "GET /health" in text
    assert "Scanx1" in text
    assert "FAIL" in text
    assert "sesv2.SendEmail" in text
    assert "confirmation_emails" in text


def test_strict_fails_on_any_missed_target_and_names_it() -> None:
    from io import StringIO

    from bench.__main__ import exit_status
    from rich.console import Console

    met = {"cold_start": {"health": {"pass": True}}, "warm": {"GET /health": {"pass": True}}}
    missed = {
        "cold_start": {"health": {"pass": True}, "orders-api": {"pass": False}, "notes": ["n"]},
        "warm": {"POST /orders": {"pass": False}},
    }
    out = StringIO()
    console = Console(file=out, width=200)
    # Without --strict the bench is a measurement: exit 0 either way
    assert exit_status(missed, strict=False, console=console) == 0
    # With --strict a missed target fails the run, and the output names each
    assert exit_status(missed, strict=True, console=console) == 1
    assert "cold start orders-api" in out.getvalue()
    assert "warm POST /orders" in out.getvalue()
    assert exit_status(met, strict=True, console=console) == 0


def test_a_skipped_measurement_is_not_reported_as_met() -> None:
    from io import StringIO

    from bench.__main__ import exit_status
    from rich.console import Console

    # Given a run whose local stack did not start
    skipped = {
        "cold_start": {"health": {"pass": True}},
        "local_throughput": {"skipped": "`bbws local run` did not become ready: ModuleNotFoundError", "pass": None},
    }
    out = StringIO()
    console = Console(file=out, width=200)
    # Then the output says what was not measured, never "every target met", and --strict fails
    assert exit_status(skipped, strict=False, console=console) == 0
    assert exit_status(skipped, strict=True, console=console) == 1
    assert "not measured (1): local throughput: `bbws local run` did not become ready" in out.getvalue()
    assert "every target met" not in out.getvalue()
