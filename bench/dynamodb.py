"""DynamoDB calls per operation held to SPEC §9: no Scan anywhere, one GetItem per item read,
one Query per list page, one transactional write per stored order (plus idempotency)."""

from __future__ import annotations

from typing import Any

from bench.scenario import Kind, Scenario, Step

READS = ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems")
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
ATOMIC_ORDER_WRITES = ("TransactWriteItems", "PutItem")

TARGETS: dict[Kind, str] = {
    Kind.NO_AWS: "no AWS call",
    Kind.ITEM_READ: "0 Scans; exactly one read, a GetItem",
    Kind.LIST_PAGE: "0 Scans; exactly one read, a Query",
    Kind.WRITE: "0 Scans",
    Kind.ORDER_SUBMIT: "0 Scans (catalog reads for pricing; idempotency bookkeeping when a key is sent)",
    Kind.ORDER_CREATE: "0 Scans; the order stored by one atomic write (TransactWriteItems or conditional PutItem)",
    Kind.NOTIFY: "0 Scans",
    Kind.EMAIL_EVENT: "0 Scans",
}


_READS_EXPECTED: dict[Kind, dict[str, int]] = {
    Kind.ITEM_READ: {"GetItem": 1},
    Kind.LIST_PAGE: {"Query": 1},
}


def check(kind: Kind, calls: dict[str, int], all_calls: int, order_writes: tuple[str, ...] = ()) -> bool:
    """Whether DynamoDB operation counts `calls` meet the target of `kind`; `order_writes` are
    the write operations that touched the orders table, in call order."""
    reads = {op: n for op, n in calls.items() if op in READS and n}
    if kind is Kind.NO_AWS:
        passed = all_calls == 0
    elif kind in _READS_EXPECTED:
        passed = reads == _READS_EXPECTED[kind]
    elif kind is Kind.ORDER_CREATE:
        # One item (the order) written in one atomic call; a transaction is needed only when
        # more than one item must change together (the tenant's creation, in another table).
        passed = len(order_writes) == 1 and order_writes[0] in ATOMIC_ORDER_WRITES
    else:
        passed = True
    return passed and not calls.get("Scan", 0)


def _by_table(step: Step, logical: dict[str, str]) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    for call in step.calls:
        for table in call.tables:
            ops = result.setdefault(logical.get(table, table), {})
            ops[call.operation] = ops.get(call.operation, 0) + 1
    return result


def _row(step: Step, logical: dict[str, str]) -> dict[str, Any]:
    counts = step.counts()
    orders_table = next((name for name, short in logical.items() if short == "orders"), None)
    order_writes = tuple(
        c.operation
        for c in step.calls
        if c.operation in WRITES and orders_table is not None and orders_table in c.tables
    )
    dynamodb = counts.get("dynamodb", {})
    total = sum(sum(ops.values()) for ops in counts.values())
    row: dict[str, Any] = {
        "function": step.function,
        "route": step.route,
        "kind": step.kind.value,
        "calls": dynamodb,
        "calls_by_table": _by_table(step, logical),
        "other_aws_calls": {service: ops for service, ops in counts.items() if service != "dynamodb"},
        "target": TARGETS[step.kind],
    }
    if not step.ok:
        row |= {"pass": None, "skipped": step.note or "did not succeed"}
    else:
        row["pass"] = check(step.kind, dynamodb, total, order_writes)
    return row


def report(scenario: Scenario, tables: dict[str, str]) -> dict[str, Any]:
    """One row per scenario step (repeated names get #2, #3), plus the Scan total. `tables`
    maps each table's name to its short name (`products`, `orders`, ...)."""
    operations: dict[str, Any] = {}
    for step in scenario.steps:
        name, number = step.name, 2
        while name in operations:
            name, number = f"{step.name} #{number}", number + 1
        operations[name] = _row(step, tables)
    measured = [row for row in operations.values() if row["pass"] is not None]
    return {
        "operations": operations,
        "scans_total": sum(row["calls"].get("Scan", 0) for row in measured),
        "all_pass": bool(measured) and all(row["pass"] for row in measured),
        "notes": list(scenario.notes),
    }
