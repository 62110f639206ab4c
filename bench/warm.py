"""Warm overhead per route: the function's lambda_handler called in-process with a real API
Gateway event while every AWS call is answered from the responses recorded for that route, so
what is timed is routing, validation, business rules, serialization and boto3's own request
building — never a network round trip."""

from __future__ import annotations

import copy
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
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarise(samples_ms: list[float], target_ms: float = TARGET_MS) -> dict[str, Any]:
    median = statistics.median(samples_ms)
    return {
        "median_ms": round(median, 3),
        "p99_ms": round(percentile(samples_ms, 0.99), 3),
        "min_ms": round(min(samples_ms), 3),
        "invocations": len(samples_ms),
        "target_ms": target_ms,
        "pass": median <= target_ms,
    }


def time_route(
    handler: Callable[[dict[str, Any], Any], Any],
    world: World,
    event: dict[str, Any],
    *,
    replay: Replay,
    expected_status: int | None,
    count: int,
) -> list[float]:
    """Milliseconds of each of `count` invocations; raises if one answers another status."""
    events = [copy.deepcopy(event) for _ in range(count)]  # prepared outside the timed region
    context = LambdaContext()
    samples: list[float] = []
    perf = time.perf_counter_ns
    with world.hooks.replaying(replay):
        for fresh in events:
            started = perf()
            response = handler(fresh, context)
            samples.append((perf() - started) / 1e6)
            if response.get("statusCode") != expected_status:
                raise UnexpectedCall(f"answered {response.get('statusCode')}: {str(response.get('body'))[:200]}")
    return samples


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
            samples = time_route(
                handler, world, step.event, replay=replay, expected_status=step.status, count=invocations
            )
        except UnexpectedCall as error:
            results[key] = {"error": str(error), "target_ms": TARGET_MS, "pass": False}
            continue
        results[key] = summarise(samples) | {
            "scenario_step": step.name,
            "aws_calls_stubbed": len(step.calls),
            "unused_stub_responses": replay.remaining(),
        }
        if progress:
            progress(f"warm {key}: median {results[key]['median_ms']} ms")
    return results
