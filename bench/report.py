"""The results: one JSON document (`bench/results.json`) and the same figures as rich tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

PASS, FAIL, SKIP = "[green]pass[/]", "[red]FAIL[/]", "[yellow]skipped[/]"


def verdict(row: dict[str, Any]) -> str:
    if row.get("pass") is None:
        return SKIP
    return PASS if row["pass"] else FAIL


def write_results(results: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(results, indent=2, sort_keys=False, default=str) + "\n")


def _ops(counts: dict[str, int]) -> str:
    return ", ".join(f"{op}x{n}" for op, n in counts.items()) or "—"


def _fmt(value: Any, suffix: str = "") -> str:
    return "—" if value is None else f"{value}{suffix}"


def _x(value: Any) -> str:
    return "—" if value is None else f"{value:.2f}x"


def cold_start_table(section: dict[str, Any]) -> Table:
    table = Table(
        title="Cold start: init inside a fresh process (no interpreter exit), beside its library floor and boto3; "
        "targets on CPU: init/floor ≤ 1.15 (health: init/boto3 ≤ 0.5), first/warm ≤ 2"
    )
    columns = (
        "function", "init CPU", "floor CPU", "boto3 CPU", "init/floor", "wall", "instr", "init/boto3",
        "first CPU", "warm CPU", "first/warm", "result", "note",
    )  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column in ("function", "result", "note") else "right")
    for name, row in section.items():
        if not isinstance(row, dict):
            continue
        note = row.get("skipped") or row.get("error") or ""
        missed = [f"{label} {t['value']}" for label, t in row.get("targets", {}).items() if not t["pass"]]
        table.add_row(
            name + (" (primed)" if row.get("primed") else ""),
            _fmt(row.get("init_cpu_ms"), " ms"),
            _fmt(row.get("floor_cpu_ms"), " ms"),
            _fmt(row.get("boto3_cpu_ms"), " ms"),
            _x(row.get("init_over_floor_cpu")),
            _x(row.get("init_over_floor")),
            _x(row.get("init_over_floor_instructions")),
            _x(row.get("init_over_boto3_cpu")),
            _fmt(row.get("first_cpu_ms"), " ms"),
            _fmt(row.get("warm_cpu_ms"), " ms"),
            _x(row.get("first_over_warm_cpu")),
            verdict(row),
            note or ("missed: " + ", ".join(missed) if missed else ""),
        )
    table.caption = "init/floor: CPU (judged), wall and instruction ratios; first: after-restore hooks + 1st call"
    return table


def diagnosis_table(section: dict[str, Any]) -> Table | None:
    rows = [(name, row["diagnosis"]) for name, row in section.items() if isinstance(row, dict) and row.get("diagnosis")]
    if not rows:
        return None
    table = Table(title="Cold start over target: own import time beyond the floor's (python -X importtime, one run)")
    for column in ("function", "packages (pulled in by)", "heaviest modules"):
        table.add_column(column)
    for name, diagnosis in rows:
        packages = "\n".join(
            f"{o['package']} {o['self_ms']} ms" + (f" ({', '.join(o['imported_via'])})" if o["imported_via"] else "")
            for o in diagnosis["top_offenders"]
        )
        modules = "\n".join(f"{m['module']} {m['self_ms']} ms" for m in diagnosis.get("heaviest_modules", []))
        table.add_row(name, packages, modules)
    return table


def warm_table(section: dict[str, Any]) -> Table:
    table = Table(title="Warm overhead per route, AWS stubbed: CPU time per invocation (target median ≤ 1 ms)")
    for column in ("route", "median", "p99", "in boto3", "rest", "wall median", "wall p99", "result", "note"):
        table.add_column(column, justify="left" if column in ("route", "result", "note") else "right")
    for route, row in section.items():
        table.add_row(
            route,
            _fmt(row.get("median_ms"), " ms"),
            _fmt(row.get("p99_ms"), " ms"),
            _fmt(row.get("sdk_median_ms"), " ms"),
            _fmt(row.get("without_sdk_median_ms"), " ms"),
            _fmt(row.get("wall_median_ms"), " ms"),
            _fmt(row.get("wall_p99_ms"), " ms"),
            verdict(row),
            row.get("skipped") or row.get("error") or "",
        )
    return table


def dynamodb_table(section: dict[str, Any]) -> Table:
    table = Table(title=f"DynamoDB calls per operation (Scans in total: {section.get('scans_total', 0)})")
    for column in ("operation", "function", "kind", "DynamoDB calls", "result"):
        table.add_column(column)
    targets: dict[str, str] = {}
    for name, row in section.get("operations", {}).items():
        table.add_row(name, row["function"], row["kind"], _ops(row["calls"]), verdict(row))
        targets[row["kind"]] = row["target"]
    table.caption = "targets: " + "; ".join(f"{kind}: {target}" for kind, target in targets.items())
    return table


def aws_calls_table(section: dict[str, Any]) -> Table:
    table = Table(title="AWS calls per order, end to end (POST /orders → orders-consumer → notifications-consumer)")
    orders = {label: data for label, data in section.items() if isinstance(data, dict) and "total" in data}
    table.add_column("service.operation")
    for label in orders:
        table.add_column(label, justify="right")
    keys = sorted({f"{s}.{op}" for data in orders.values() for s, ops in data["total"].items() for op in ops})
    for key in keys:
        service, op = key.split(".", 1)
        table.add_row(key, *(str(data["total"].get(service, {}).get(op, 0)) for data in orders.values()))
    table.add_row("[bold]total[/]", *(f"[bold]{data['total_calls']}[/]" for data in orders.values()))
    return table


def throughput_table(section: dict[str, Any]) -> Table:
    table = Table(title="Local stack throughput (bounded burst)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in section.items():
        if not isinstance(value, dict | list):
            table.add_row(key, str(value))
    return table


def print_results(results: dict[str, Any], console: Console) -> None:
    machine = results.get("machine", {})
    console.print(
        f"[bold]bbws bench[/] on {machine.get('cpu')} x {machine.get('logical_cpus')}, Python {machine.get('python')}, "
        f"commit {machine.get('commit')}, {machine.get('measured_at')}"
    )
    renderers = {
        "cold_start": cold_start_table,
        "warm": warm_table,
        "dynamodb_calls": dynamodb_table,
        "aws_calls_per_order": aws_calls_table,
        "local_throughput": throughput_table,
    }
    for key, render in renderers.items():
        section = results.get(key)
        if section:
            console.print(render(section))
        if key == "cold_start" and section and (diagnosis := diagnosis_table(section)) is not None:
            console.print(diagnosis)
        for note in (section or {}).get("notes", []) if isinstance(section, dict) else []:
            console.print(f"  note: {note}")
