"""Warm overhead per route: the function's lambda_handler called in-process with a real API
Gateway event while every AWS call is answered from the responses recorded for that route, so
what is timed is routing, validation, business rules, serialization and boto3's own request
building — never a network round trip."""

from __future__ import annotations

import copy
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from tests.support.events import LambdaContext

from bbws.core.routes import ROUTES
from bench.calls import Replay, UnexpectedCall
from bench.scenario import Scenario
from bench.world import World

TARGET_MS = 1.0


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 2000 samples is the 1980th smallest)."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def summarise(cpu_ms: list[float], wall_ms: list[float] | None = None, target_ms: float = TARGET_MS) -> dict[str, Any]:
    """Figures of one route. The target is held to the CPU time of the invoking thread, which
    is the work the function does; wall time (also reported) adds whatever else the machine
    was running, which on a shared machine is noise, not overhead."""
    median = statistics.median(cpu_ms)
    figures: dict[str, Any] = {
        "median_ms": round(median, 3),
        "p99_ms": round(percentile(cpu_ms, 0.99), 3),
        "min_ms": round(min(cpu_ms), 3),
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
) -> tuple[list[float], list[float]]:
    """CPU and wall milliseconds of each of `count` invocations; raises if one answers with
    another status than the recorded call did."""
    events = [copy.deepcopy(event) for _ in range(count)]  # prepared outside the timed region
    context = LambdaContext()
    cpu: list[float] = []
    wall: list[float] = []
    perf, thread_time = time.perf_counter_ns, time.thread_time_ns
    with world.hooks.replaying(replay):
        for fresh in events:
            started, started_cpu = perf(), thread_time()
            response = handler(fresh, context)
            cpu.append((thread_time() - started_cpu) / 1e6)
            wall.append((perf() - started) / 1e6)
            if response.get("statusCode") != expected_status:
                raise UnexpectedCall(f"answered {response.get('statusCode')}: {str(response.get('body'))[:200]}")
    return cpu, wall


def measure(
    world: World,
    scenario: Scenario,
    invocations: int = 2000,
    warmup: int = 200,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        key = f"{route.method} {route.path}"
        step = scenario.first_ok(key)
        handler = world.handler(route.function)
        if handler is None:
            results[key] = {"skipped": f"{route.function} unavailable", "target_ms": TARGET_MS, "pass": None}
            continue
        if step is None or step.event is None:
            results[key] = {
                "skipped": "no successful call of this route in the scenario",
                "target_ms": TARGET_MS,
                "pass": None,
            }
            continue
        try:
            time_route(
                handler,
                world,
                step.event,
                replay=Replay.prepare(step.calls, warmup),
                expected_status=step.status,
                count=warmup,
            )
            replay = Replay.prepare(step.calls, invocations)
            cpu, wall = time_route(
                handler, world, step.event, replay=replay, expected_status=step.status, count=invocations
            )
        except UnexpectedCall as error:
            results[key] = {"error": str(error), "target_ms": TARGET_MS, "pass": False}
            continue
        results[key] = summarise(cpu, wall) | {
            "scenario_step": step.name,
            "aws_calls_stubbed": len(step.calls),
            "unused_stub_responses": replay.remaining(),
        }
        if progress:
            progress(f"warm {key}: median {results[key]['median_ms']} ms")
    return results
