"""The local burst's own logic: the orders it sends and what it keeps from the stack's log."""

from __future__ import annotations

from pathlib import Path

from bench.throughput import Stack, _order_body, emulator_cost

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


def _reading(operations: dict[str, tuple[int, float, float]]) -> dict[str, object]:
    rows = {name: {"requests": r, "busySeconds": b, "cpuSeconds": c} for name, (r, b, c) in operations.items()}
    return {"requests": sum(r for r, _, _ in operations.values()), "operations": rows}


def test_the_emulators_ceiling_is_its_cpu_per_order_without_the_benchs_own_polling() -> None:
    # Given two readings around a burst of 10 orders: 30 sends costing 0.2 s of CPU, and the
    # bench's own depth polling (not the stack's work)
    before = _reading({"sqs:SendMessage": (5, 0.1, 0.05), "sqs:GetQueueAttributes": (10, 1.0, 1.0)})
    after = _reading(
        {"sqs:SendMessage": (35, 0.6, 0.25), "dynamodb:PutItem": (10, 0.1, 0.05), "sqs:GetQueueAttributes": (90, 9, 9)}
    )
    cost = emulator_cost(before, after, 10)
    # Then per order: 4 calls, 25 ms of CPU, 60 ms holding the lock; a ceiling of 40 orders/s
    assert cost["calls_per_order"] == 4.0
    assert cost["cpu_ms_per_order"] == 25.0
    assert cost["lock_held_ms_per_order"] == 60.0
    assert cost["ceiling_orders_per_second"] == 40.0
    assert cost["calls_per_order_by_operation"] == {"dynamodb:PutItem": 1.0, "sqs:SendMessage": 3.0}
    assert emulator_cost(before, after, 0) == {}
