"""Warm overhead per route: the function's lambda_handler called in-process with a real API
Gateway event while every AWS call is answered from the responses recorded for that route, so
what is timed is routing, validation, business rules, serialization and boto3's own request
building — never a network round trip."""

from __future__ import annotations

import copy
import math
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from tests.support.events import LambdaContext

from bbws.core.routes import ROUTES
from bench.calls import Replay, UnexpectedCall
from bench.scenario import Scenario, Step
from bench.world import World

TARGET_MS = 1.0


@dataclass
class Timings:
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    sdk: list[float] = field(default_factory=list)

    def extend(self, other: Timings) -> None:
        self.cpu += other.cpu
        self.wall += other.wall
        self.sdk += other.sdk


@contextmanager
def _sdk_clock() -> Iterator[list[int]]:
    """Thread CPU nanoseconds spent inside botocore's `_make_api_call` (parameter validation,
    serialisation, endpoint resolution, event handlers, boto3's DynamoDB type conversion) while
    the block runs: the AWS SDK's share of the overhead, reported apart from the service's own."""
    spent = [0]
    original = BaseClient._make_api_call  # type: ignore[attr-defined]
    thread_time = time.thread_time_ns

    def timed(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        started = thread_time()
        try:
            return original(self, operation_name, api_params)
        finally:
            spent[0] += thread_time() - started

    BaseClient._make_api_call = timed  # type: ignore[attr-defined]
    try:
        yield spent
    finally:
        BaseClient._make_api_call = original  # type: ignore[attr-defined]


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 2000 samples is the 1980th smallest)."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def summarise(
    cpu_ms: list[float],
    wall_ms: list[float] | None = None,
    sdk_ms: list[float] | None = None,
    target_ms: float = TARGET_MS,
) -> dict[str, Any]:
    """Figures of one route. The target is held to the CPU time of the invoking thread, which
    is the work the function does; wall time (also reported) adds whatever else the machine
    was running, which on a shared machine is noise, not overhead. `sdk_ms` is the part spent
    inside boto3 building requests and parsing the canned responses."""
    median = statistics.median(cpu_ms)
    figures: dict[str, Any] = {
        "median_ms": round(median, 3),
        "p99_ms": round(percentile(cpu_ms, 0.99), 3),
        "min_ms": round(min(cpu_ms), 3),
    }
    if sdk_ms:
        figures |= {
            "sdk_median_ms": round(statistics.median(sdk_ms), 3),
            "without_sdk_median_ms": round(statistics.median(c - k for c, k in zip(cpu_ms, sdk_ms, strict=True)), 3),
        }
    if wall_ms:
        figures |= {
            "wall_median_ms": round(statistics.median(wall_ms), 3),
            "wall_p99_ms": round(percentile(wall_ms, 0.99), 3),
        }
    return figures | {"invocations": len(cpu_ms), "target_ms": target_ms, "pass": median <= target_ms}


def time_route(
    handler: Callable[[dict[str, Any], Any], Any],
    world: World,
    event: dict[str, Any],
    *,
    replay: Replay,
    expected_status: int | None,
    count: int,
) -> Timings:
    """CPU, wall and in-SDK milliseconds of each of `count` invocations; raises if one answers
    with another status than the recorded call did."""
    events = [copy.deepcopy(event) for _ in range(count)]  # prepared outside the timed region
    context = LambdaContext()
    timings = Timings()
    perf, thread_time = time.perf_counter_ns, time.thread_time_ns
    with world.hooks.replaying(replay), _sdk_clock() as in_sdk:
        for fresh in events:
            started, started_cpu, sdk_before = perf(), thread_time(), in_sdk[0]
            response = handler(fresh, context)
            timings.cpu.append((thread_time() - started_cpu) / 1e6)
            timings.wall.append((perf() - started) / 1e6)
            timings.sdk.append((in_sdk[0] - sdk_before) / 1e6)
            if response.get("statusCode") != expected_status:
                raise UnexpectedCall(f"answered {response.get('statusCode')}: {str(response.get('body'))[:200]}")
    return timings


def measure(
    world: World,
    scenario: Scenario,
    invocations: int = 2000,
    warmup: int = 100,
    *,
    progress: Callable[[str], None] | None = None,
    rounds: int = 4,
) -> dict[str, dict[str, Any]]:
    """Every route timed in `rounds` interleaved batches (a burst of load from elsewhere on the
    machine then spreads over all routes instead of spoiling one), after `warmup` invocations."""
    results: dict[str, dict[str, Any]] = {}
    runnable: dict[str, tuple[Any, Step]] = {}
    for route in ROUTES:
        key = f"{route.method} {route.path}"
        step = scenario.first_ok(key)
        handler = world.handler(route.function)
        if handler is None:
            results[key] = {"skipped": f"{route.function} unavailable", "target_ms": TARGET_MS, "pass": None}
        elif step is None or step.event is None:
            results[key] = {"skipped": "no successful call in the scenario", "target_ms": TARGET_MS, "pass": None}
        else:
            runnable[key] = (handler, step)
            results[key] = {}
    timings: dict[str, Timings] = {key: Timings() for key in runnable}
    batches = [warmup] + [invocations // rounds + (1 if n < invocations % rounds else 0) for n in range(rounds)]
    for number, batch in enumerate(batches):
        for key, (handler, step) in list(runnable.items()):
            try:
                replay = Replay.prepare(step.calls, batch)
                timed = time_route(
                    handler, world, step.event or {}, replay=replay, expected_status=step.status, count=batch
                )
            except UnexpectedCall as error:
                results[key] = {"error": str(error), "target_ms": TARGET_MS, "pass": False}
                del runnable[key]
                continue
            if number > 0:  # batch 0 is the warm-up
                timings[key].extend(timed)
                results[key]["unused_stub_responses"] = (
                    results[key].get("unused_stub_responses", 0) + replay.remaining()
                )
        if progress:
            progress(f"warm: {'warm-up' if number == 0 else f'round {number}/{rounds}'} of {len(runnable)} routes done")
    for key, (_, step) in runnable.items():
        results[key] = summarise(timings[key].cpu, timings[key].wall, timings[key].sdk) | {
            "scenario_step": step.name,
            "aws_calls_stubbed": len(step.calls),
            "unused_stub_responses": results[key]["unused_stub_responses"],
        }
    return results
