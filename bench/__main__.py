"""`python -m bench`: measure every section, print the tables, write bench/results.json."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console

from bbws.core.functions import BY_NAME
from bench import coldstart, machine, report

SECTIONS = ("cold_start", "warm", "dynamodb_calls", "aws_calls_per_order", "local_throughput")
RESULTS = Path(__file__).resolve().parent / "results.json"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", choices=SECTIONS, help="run only these sections (repeatable)")
    parser.add_argument("--rounds", type=int, default=9, help="cold start: interleaved rounds (median of this many)")
    parser.add_argument("--first-warm", type=int, default=100, help="cold start: warm invocations after the first")
    parser.add_argument("--no-instructions", action="store_true", help="cold start: skip valgrind's instruction counts")
    parser.add_argument("--no-priming", action="store_true", help="cold start: init without the before-snapshot hooks")
    parser.add_argument("--invocations", type=int, default=2000, help="warm: timed invocations per route")
    parser.add_argument("--warmup", type=int, default=100, help="warm: untimed invocations per route first")
    parser.add_argument("--orders", type=int, default=200, help="local throughput: orders in the burst")
    parser.add_argument("--clients", type=int, default=10, help="local throughput: concurrent clients")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any target is missed")
    return parser.parse_args(argv)


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Functions log to stdout as in Lambda; here their lines go to /dev/null (the formatting is
    still paid for and timed) so the tables stay readable. Loggers created inside keep the sink."""
    saved = sys.stdout
    with open(os.devnull, "w") as sink:
        sys.stdout = sink
        try:
            yield
        finally:
            sys.stdout = saved


def _in_process(args: argparse.Namespace, wanted: set[str], progress: Any, specs: Path) -> dict[str, Any]:
    from bench import dynamodb, scenario, warm
    from bench.world import emulated_world

    results: dict[str, Any] = {}
    with _quiet_stdout(), emulated_world() as world:
        progress("scenario: every route and message against the emulator")
        story = scenario.run(world)
        if "cold_start" in wanted:  # the events and AWS answers of the first and warm invocations
            results["cold_start_specs"] = coldstart.write_specs(story, world.resources.settings, specs, args.first_warm)
        if "dynamodb_calls" in wanted:
            results["dynamodb_calls"] = dynamodb.report(story, world.table_names())
        if "aws_calls_per_order" in wanted:
            labels = ("first order (new customer, cold caches)", "steady state (second order)", "with Idempotency-Key")
            per_order: dict[str, Any] = {
                label: scenario.order_totals(steps) for label, steps in zip(labels, story.orders, strict=False)
            }
            per_order["notes"] = [
                "counted: every call the three functions make through boto3, one message per invocation",
                "not counted: SQS ReceiveMessage/DeleteMessage, which Lambda's event source mapping makes",
            ]
            results["aws_calls_per_order"] = per_order
        if "warm" in wanted:
            results["warm"] = warm.measure(world, story, args.invocations, args.warmup, progress=progress)
        if world.unavailable:
            results.setdefault("notes", {}).update(world.unavailable)
    return results


def _cold_start(args: argparse.Namespace, specs: dict[str, Path], progress: Any) -> dict[str, Any]:
    samples = coldstart.measure(
        rounds=args.rounds,
        specs=specs,
        instructions=not args.no_instructions,
        prime=not args.no_priming,
        progress=progress,
    )
    summary: dict[str, Any] = coldstart.summarise(samples)
    for name, row in summary.items():
        if row.get("pass") is False and "error" not in row:
            progress(f"cold start: -X importtime for {name}")
            row["diagnosis"] = coldstart.diagnose(BY_NAME[name], primed=samples.primed.get(name, False))
    summary["notes"] = [
        f"targets judged on {coldstart.JUDGED_ON.upper()} medians: the machine is shared, wall time is reported beside",
        "init: handler import + globals" + ("" if args.no_priming else " + before-snapshot hooks (priming)"),
        *samples.notes,
    ]
    return summary


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    wanted = set(args.only or SECTIONS)
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 150)
    status = Console(stderr=True)
    started = time.perf_counter()

    def progress(message: str) -> None:
        status.print(f"[dim]{time.perf_counter() - started:6.1f}s  {message}[/]")

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    results: dict[str, Any] = {"machine": machine.describe()}

    with tempfile.TemporaryDirectory(prefix="bbws-bench-specs-") as specs_dir:
        specs: dict[str, Path] = {}
        if wanted & {"cold_start", "warm", "dynamodb_calls", "aws_calls_per_order"}:
            in_process = _in_process(args, wanted, progress, Path(specs_dir))
            notes = in_process.pop("notes", None)
            specs = in_process.pop("cold_start_specs", {})
            results |= in_process
            if notes:
                results["machine"]["unavailable_functions"] = notes
        if "cold_start" in wanted:
            results["cold_start"] = _cold_start(args, specs, progress)

    if "local_throughput" in wanted:
        from bench import throughput

        results["local_throughput"] = throughput.measure(orders=args.orders, clients=args.clients, progress=progress)

    results["machine"]["bench_seconds"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    ordered = {key: results[key] for key in ("machine", *SECTIONS) if key in results}
    report.write_results(ordered, args.out)
    report.print_results(ordered, console)
    console.print(f"results written to {args.out}")
    return exit_status(ordered, strict=args.strict, console=console)


def exit_status(results: dict[str, Any], *, strict: bool, console: Console) -> int:
    """0, or with `strict` 1 when any target was missed or could not be measured (each one
    printed), as CI expects. A skipped measurement is never reported as a target met."""
    missed, skipped = missed_targets(results), skipped_measurements(results)
    if missed:
        console.print(f"targets missed ({len(missed)}): " + ", ".join(missed))
    if skipped:
        console.print(f"not measured ({len(skipped)}): " + "; ".join(skipped))
    if not missed and not skipped:
        console.print("every target met")
    return 1 if strict and (missed or skipped) else 0


def _verdict_rows(results: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every row that carries a verdict (`pass`), named by section and row."""
    rows: list[tuple[str, Any]] = [(f"cold start {k}", v) for k, v in results.get("cold_start", {}).items()]
    rows += [(f"warm {k}", v) for k, v in results.get("warm", {}).items()]
    rows += [(f"dynamodb {k}", v) for k, v in results.get("dynamodb_calls", {}).get("operations", {}).items()]
    rows.append(("local throughput", results.get("local_throughput")))
    return [(name, row) for name, row in rows if isinstance(row, dict)]


def skipped_measurements(results: dict[str, Any]) -> list[str]:
    """Every row that has no verdict because it could not be measured, with the reason."""
    return [f"{name}: {row['skipped']}" for name, row in _verdict_rows(results) if row.get("skipped")]


def missed_targets(results: dict[str, Any]) -> list[str]:
    """Every section's row whose verdict is a fail, named by section and row."""
    return [name for name, row in _verdict_rows(results) if row.get("pass") is False]


if __name__ == "__main__":
    sys.exit(main())
