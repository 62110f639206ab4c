"""The local burst's own logic: the orders it sends and what it keeps from the stack's log."""

from __future__ import annotations

from pathlib import Path

from bench.throughput import Stack, _order_body

PRODUCTS = [
    {"productId": "website", "currency": "ZAR"},
    {"productId": "hosting", "currency": "ZAR"},
]


def test_the_burst_spreads_over_ten_customers_and_every_product() -> None:
    bodies = [_order_body(PRODUCTS, n, "run.example") for n in range(40)]
    assert len({b["customerEmail"] for b in bodies}) == 10
    assert {b["items"][0]["productId"] for b in bodies} == {"website", "hosting"}
    assert all(b["customerEmail"].endswith("@run.example") for b in bodies)
    assert all(b["currency"] == "ZAR" for b in bodies)
    assert all(set(b) == {"customerEmail", "currency", "items"} for b in bodies)


def test_only_the_stacks_error_lines_are_kept(tmp_path: Path) -> None:
    log = tmp_path / "stack.log"
    log.write_text('INFO ready\n{"level":"ERROR","message":"unhandled error"}\nWARNING slow\nTraceback (most recent)\n')
    stack = Stack("http://127.0.0.1:1", {}, log)
    assert stack.error_lines() == ['{"level":"ERROR","message":"unhandled error"}', "Traceback (most recent)"]
