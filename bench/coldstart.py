"""Cold start (SPEC §9): each function's init timed inside fresh interpreters, beside its
library floor and a process importing only boto3, interleaved in shuffled rounds; the first
and the warm invocations on a representative event; instruction counts when valgrind is here.

How a probe measures is in `bench/probe.py`; the floors are in `bench/floors.py`."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bbws.core import priming
from bbws.core.functions import BY_NAME, FUNCTIONS, LambdaFunction
from bench.environment import lambda_environ

if TYPE_CHECKING:
    from bench.scenario import Scenario, Step

TARGET_FLOOR = 1.15  # init / the function's library floor
TARGET_HEALTH = 0.5  # health's init / boto3's (health makes no AWS call)
TARGET_FIRST = 2.0  # first invocation after restore / warm median
BASELINE = "boto3"
FLOOR = " floor"  # probe name suffix: "products-api floor"
EMPTY = "empty interpreter"  # subtracted from instruction counts (interpreter start-up)
JUDGED_ON = "cpu"  # targets are held to CPU medians: the machine is shared (wall is reported)
PROBE = Path(__file__).resolve().parent / "probe.py"
REPO = PROBE.parent.parent

# The event each function's first and warm invocations get: scenario step names (see
# `representative`). The storefront's hot paths where there is one.
REPRESENTATIVE = {
    "health": "health",
    "products-api": "list products page",
    "campaigns-api": "list campaigns page",
    "tenants-api": "list tenants page",
    "email-events-consumer": "email-events-consumer: hard bounce",
}


class ProcessFailed(RuntimeError):
    """The probe interpreter exited with an error (the message is the end of its stderr)."""


def runtime_distributions(root: str = "bbws") -> set[str]:
    """The distributions a Lambda zip of `root` holds: its runtime requirements, transitively,
    with the extras asked for (never the `cli` extra or the dev group)."""
    seen: dict[str, set[str]] = {}
    stack: list[tuple[str, tuple[str, ...]]] = [(root, ())]
    while stack:
        name, extras = stack.pop()
        key = canonicalize_name(name)
        if key in seen and set(extras) <= seen[key]:
            continue
        seen.setdefault(key, set()).update(extras)
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            continue
        for text in requires:
            requirement = Requirement(text)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in environments):
                continue
            stack.append((requirement.name, tuple(sorted(requirement.extras))))
    return set(seen)


@cache
def hidden_modules() -> frozenset[str]:
    """Top-level modules installed here only for tooling and tests. Probes cannot import them,
    so a handler's cold start is measured with what its Lambda zip holds: X-Ray's patch_all, for
    one, would otherwise find and patch `requests` from the dev group."""
    runtime = runtime_distributions()
    return frozenset(
        top
        for top, dists in packages_distributions().items()
        if top.isidentifier() and not any(canonicalize_name(d) in runtime for d in dists)
    )


def handler_init(function: LambdaFunction) -> str:
    module, attribute = function.handler.split(":", 1)
    return f"from {module} import {attribute} as lambda_handler"


def floor_init(function: LambdaFunction, *, priming: bool) -> str:
    return f"from bench.floors import build\nlambda_handler = build({function.name!r}, priming={priming})"


def baseline_init() -> str:
    return "import boto3\nlambda_handler = None"


def module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package that does not exist yet
        return False


# --- the events: representative steps of the scenario, sent to probes as JSON --------------


def encode(value: Any) -> Any:
    """JSON for recorded responses: bytes and datetimes tagged (`bench/probe.py` decodes)."""
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def _step_spec(step: Step) -> dict[str, Any]:
    missing = [call.key for call in step.calls if call.response is None]
    if missing:
        raise ValueError(f"{step.name}: no recorded response for {', '.join(missing)}")
    return {
        "name": step.name,
        "event": step.event,
        "status": step.status if step.route else None,
        "calls": [{"key": call.key, "response": encode(call.response)} for call in step.calls],
    }


def representative(story: Scenario) -> dict[str, tuple[Step, Step]]:
    """Per function, the step its first invocation replays and the one its warm ones replay.

    orders: the second order (a returning customer, the steady state). notifications: the first
    invocation gets the first order's message, because a restored environment starts with an
    empty template cache and reads the templates from S3 like that order did; warm ones get
    the second order's."""
    chosen: dict[str, tuple[Step, Step]] = {}
    for function, name in REPRESENTATIVE.items():
        step = next((s for s in story.steps if s.name == name and s.ok), None)
        if step is not None:
            chosen[function] = (step, step)
    if len(story.orders) >= 2 and len(story.orders[1]) >= 3 and all(s.ok for s in story.orders[1][:3]):
        submit, create, notify = story.orders[1][:3]
        chosen["orders-api"] = (submit, submit)
        chosen["orders-consumer"] = (create, create)
        cold = story.orders[0][2] if len(story.orders[0]) >= 3 and story.orders[0][2].ok else notify
        chosen["notifications-consumer"] = (cold, notify)
    return chosen


def write_specs(story: Scenario, settings: dict[str, str], directory: Path, warm_invocations: int) -> dict[str, Path]:
    """One JSON file per function: its first and warm events with the recorded AWS answers and
    the settings (resource names) they were recorded with."""
    paths: dict[str, Path] = {}
    for function, (first, warm) in representative(story).items():
        path = directory / f"{function}.json"
        spec = {
            "first": _step_spec(first),
            "warm": _step_spec(warm),
            "warm_invocations": warm_invocations,
            "settings": settings,
        }
        path.write_text(json.dumps(spec))
        paths[function] = path
    return paths


# --- running probes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    name: str  # function name, "<function> floor", "boto3" or the empty interpreter
    init: str
    environ: dict[str, str]
    prime: bool = True
    spec: Path | None = None  # events to invoke with (functions only)


def run_probe(probe: Probe, cwd: Path, *, flags: Sequence[str] = (), wrapper: Sequence[str] = ()) -> dict[str, Any]:
    """One fresh interpreter running `bench/probe.py`; its figures (and `stderr`)."""
    out = cwd / f"probe-{os.getpid()}-{time.monotonic_ns()}.json"
    # Priming: Lambda's snapshot init, where the functions register their hooks (on-demand,
    # they register none and never import the hooks library).
    snap_start = {priming.INITIALIZATION_TYPE: priming.SNAP_START} if probe.prime else {}
    environ = (
        probe.environ
        | snap_start
        | {
            "BBWS_PROBE_HIDDEN": ",".join(sorted(hidden_modules())),
            "BBWS_PROBE_INIT": probe.init,
            "BBWS_PROBE_PRIME": "1" if probe.prime else "",
            "BBWS_PROBE_SPEC": str(probe.spec or ""),
            "BBWS_PROBE_OUT": str(out),
            "BBWS_PROBE_REPO": str(REPO),
        }
    )
    argv = [*wrapper, sys.executable, "-P", *flags, str(PROBE)]
    with tempfile.TemporaryFile(mode="w+") as stderr:
        process = subprocess.run(argv, env=environ, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr, check=False)
        stderr.seek(0)
        errors = stderr.read()
    if process.returncode != 0 or not out.exists():
        lines = [line for line in errors.strip().splitlines() if not line.startswith("==")]
        raise ProcessFailed(lines[-1] if lines else f"exit {process.returncode}")
    figures: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return figures | {"stderr": errors}


@dataclass
class ColdStartSamples:
    """Figures of every run, per probe name; what failed or was skipped, per function."""

    runs: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    instructions: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    primed: dict[str, bool] = field(default_factory=dict)  # the function registered a priming hook
    notes: list[str] = field(default_factory=list)


def probes(
    functions: Sequence[LambdaFunction], root: Path, specs: dict[str, Path], result: ColdStartSamples, *, prime: bool
) -> dict[str, Probe]:
    """Every probe of a run; a function whose module does not import is reported, not run.
    With `prime`, init includes the before-snapshot hooks (SnapStart, as deployed)."""
    chosen: dict[str, Probe] = {}
    for function in functions:
        if not module_exists(function.module):
            result.skipped[function.name] = f"{function.module} does not exist yet"
            continue
        spec = specs.get(function.name)
        settings = json.loads(spec.read_text())["settings"] if spec else None
        environ = lambda_environ(function, root, settings)
        probe = Probe(function.name, handler_init(function), environ, prime, spec)
        try:  # unmeasured: compiles bytecode, fills the page cache, tells whether it primes
            primed = run_probe(probe, root)["before_snapshot_hooks"] > 0
        except ProcessFailed as error:
            result.errors[function.name] = str(error)
            continue
        result.primed[function.name] = primed
        chosen[function.name] = probe
        floor = Probe(function.name + FLOOR, floor_init(function, priming=primed), environ, prime)
        run_probe(floor, root)
        chosen[floor.name] = floor
    reference = lambda_environ(BY_NAME["health"], root)
    chosen[BASELINE] = Probe(BASELINE, baseline_init(), reference)
    run_probe(chosen[BASELINE], root)
    return chosen


def measure(
    functions: Sequence[LambdaFunction] = FUNCTIONS,
    rounds: int = 9,
    *,
    specs: dict[str, Path] | None = None,
    baseline_per_round: int = 2,
    instructions: bool = True,
    prime: bool = True,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> ColdStartSamples:
    """Interleave fresh processes: every round runs each function and each floor once and the
    baseline `baseline_per_round` times, in a shuffled order, so drift in machine load spreads
    evenly over all of them. Then, when valgrind is installed, one instruction count each."""
    result = ColdStartSamples()
    with tempfile.TemporaryDirectory(prefix="bbws-bench-task-") as task_root:
        root = Path(task_root)
        chosen = probes(functions, root, specs or {}, result, prime=prime)
        rng = random.Random(seed)
        for number in range(rounds):
            order = [name for name in chosen if name != BASELINE] + [BASELINE] * baseline_per_round
            rng.shuffle(order)
            for name in order:
                if name not in chosen:
                    continue
                try:
                    result.runs[name].append(run_probe(chosen[name], root))
                except ProcessFailed as error:  # code being edited while the bench runs
                    function = name.removesuffix(FLOOR)
                    result.errors[function] = f"{name}: {error}"
                    for gone in (function, function + FLOOR):
                        chosen.pop(gone, None)
                        result.runs.pop(gone, None)
            if progress:
                progress(f"cold start round {number + 1}/{rounds}")
        if instructions:
            count_instructions(chosen, root, result, progress)
    return result


VALGRIND = ("valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def count_instructions(
    chosen: dict[str, Probe], root: Path, result: ColdStartSamples, progress: Callable[[str], None] | None
) -> None:
    """Instructions executed by each probe's init (valgrind's cachegrind, one run each: the
    count hardly moves with machine load), less those of an interpreter that runs no init."""
    if shutil.which("valgrind") is None:
        result.notes.append("instruction counts skipped: valgrind is not installed (apt-get install valgrind)")
        return
    empty = Probe(EMPTY, "lambda_handler = None", chosen[BASELINE].environ)
    for probe in [empty, *chosen.values()]:
        # Init only (no invocations), fixed hash seed: the same work in every run.
        quiet = Probe(probe.name, probe.init, probe.environ | {"PYTHONHASHSEED": "0"}, probe.prime)
        try:
            stderr = run_probe(quiet, root, wrapper=VALGRIND)["stderr"]
        except ProcessFailed as error:
            result.notes.append(f"instruction count of {probe.name} failed: {error}")
            continue
        found = _REFS.search(stderr)
        if found:
            result.instructions[probe.name] = int(found.group(1).replace(",", ""))
        if progress:
            progress(f"instructions: {probe.name}")
    base = result.instructions.pop(EMPTY, 0)
    result.instructions = {name: count - base for name, count in result.instructions.items()}


# --- figures and targets ------------------------------------------------------------------


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [run[key] for run in runs if run.get(key) is not None]
    return statistics.median(values) if values else None


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return round(numerator / denominator, 3) if numerator is not None and denominator else None


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def summarise(samples: ColdStartSamples) -> dict[str, dict[str, Any]]:
    """Per function: medians of init (wall and CPU) beside its floor's and boto3's, their
    ratios, instruction counts, first invocation and warm median, and each target's verdict
    (held to the CPU figures; see JUDGED_ON)."""
    baseline = samples.runs.get(BASELINE, [])
    boto3_wall, boto3_cpu = _median(baseline, "init_wall_ms"), _median(baseline, "init_cpu_ms")
    result: dict[str, dict[str, Any]] = {}
    for function in FUNCTIONS:
        name = function.name
        if name in samples.skipped:
            result[name] = {"skipped": samples.skipped[name], "pass": None}
            continue
        if name in samples.errors or not samples.runs.get(name):
            result[name] = {"error": samples.errors.get(name, "no samples"), "pass": False}
            continue
        runs, floor = samples.runs[name], samples.runs.get(name + FLOOR, [])
        row: dict[str, Any] = {
            "primed": samples.primed.get(name, False),
            "init_ms": _round(_median(runs, "init_wall_ms")),
            "init_cpu_ms": _round(_median(runs, "init_cpu_ms")),
            "floor_ms": _round(_median(floor, "init_wall_ms")),
            "floor_cpu_ms": _round(_median(floor, "init_cpu_ms")),
            "boto3_ms": _round(boto3_wall),
            "boto3_cpu_ms": _round(boto3_cpu),
            "samples": len(runs),
            "floor_samples": len(floor),
            "boto3_samples": len(baseline),
            "modules": runs[0].get("modules"),
            "floor_modules": floor[0].get("modules") if floor else None,
        }
        row |= {
            "init_over_floor": _ratio(row["init_ms"], row["floor_ms"]),
            "init_over_floor_cpu": _ratio(row["init_cpu_ms"], row["floor_cpu_ms"]),
            "init_over_boto3": _ratio(row["init_ms"], boto3_wall),
            "init_over_boto3_cpu": _ratio(row["init_cpu_ms"], boto3_cpu),
        }
        instructions = samples.instructions
        if name in instructions:
            row |= {
                "init_instructions": instructions[name],
                "floor_instructions": instructions.get(name + FLOOR),
                "boto3_instructions": instructions.get(BASELINE),
                "init_over_floor_instructions": _ratio(instructions[name], instructions.get(name + FLOOR)),
                "init_over_boto3_instructions": _ratio(instructions[name], instructions.get(BASELINE)),
            }
        if runs[0].get("first_cpu_ms") is not None:
            first = [run["restore_cpu_ms"] + run["first_cpu_ms"] for run in runs]
            first_wall = [run["restore_wall_ms"] + run["first_wall_ms"] for run in runs]
            row |= {
                "first_cpu_ms": _round(statistics.median(first), 2),
                "first_ms": _round(statistics.median(first_wall), 2),
                "restore_cpu_ms": _round(_median(runs, "restore_cpu_ms"), 2),
                "warm_cpu_ms": _round(_median(runs, "warm_cpu_median_ms"), 3),
                "warm_ms": _round(_median(runs, "warm_wall_median_ms"), 3),
            }
            row["first_over_warm_cpu"] = _ratio(row["first_cpu_ms"], row["warm_cpu_ms"])
        row["targets"] = targets(name, row)
        row["pass"] = all(target["pass"] for target in row["targets"].values())
        result[name] = row
    return result


def targets(name: str, row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """SPEC §9's cold start targets for one function, each with its figure and verdict."""

    def check(value: float | None, target: float) -> dict[str, Any]:
        return {"value": value, "target": target, "pass": value is not None and value <= target}

    checks: dict[str, dict[str, Any]] = {}
    if name == "health":  # makes no AWS call, so it should not even pay for boto3
        checks["init / boto3"] = check(row.get("init_over_boto3_cpu"), TARGET_HEALTH)
    else:
        checks["init / floor"] = check(row.get("init_over_floor_cpu"), TARGET_FLOOR)
    if "first_over_warm_cpu" in row:
        checks["first / warm"] = check(row["first_over_warm_cpu"], TARGET_FIRST)
    return checks


# --- why a function is slow: python -X importtime ------------------------------------------


@dataclass(frozen=True)
class ImportLine:
    module: str
    self_us: int
    cumulative_us: int
    depth: int


def parse_importtime(stderr: str) -> list[ImportLine]:
    """Lines of `-X importtime` output, in print order (a module after everything it imported)."""
    lines = []
    for raw in stderr.splitlines():
        if not raw.startswith("import time:") or "self [us]" in raw:
            continue
        self_us, cumulative_us, name = raw.split(":", 1)[1].split("|", 2)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        lines.append(ImportLine(name.strip(), int(self_us), int(cumulative_us), depth))
    return lines


def _package(module: str) -> str:
    parts = module.split(".")
    # bbws modules are reported per service layer, everything else per distribution.
    return ".".join(parts[:3]) if parts[0] == "bbws" else parts[0]


def _importer(lines: list[ImportLine], index: int) -> str | None:
    """The nearest bbws module whose import led to lines[index]."""
    depth = lines[index].depth
    for line in lines[index + 1 :]:
        if line.depth < depth:
            if line.module.startswith("bbws"):
                return line.module
            depth = line.depth
    return None


def offenders(handler: list[ImportLine], baseline: list[ImportLine], top: int = 6) -> list[dict[str, Any]]:
    """The packages a handler imports beyond what its reference (floor or boto3) imports,
    heaviest first, each with the bbws module that pulls it in."""
    already = {line.module for line in baseline}
    by_package: dict[str, float] = defaultdict(float)
    via: dict[str, set[str]] = defaultdict(set)
    for index, line in enumerate(handler):
        if line.module in already:
            continue
        package = _package(line.module)
        by_package[package] += line.self_us / 1000
        importer = _importer(handler, index)
        if importer and not package.startswith("bbws"):
            via[package].add(importer)
    ranked = sorted(by_package.items(), key=lambda item: item[1], reverse=True)[:top]
    return [
        {"package": package, "self_ms": round(ms, 1), "imported_via": sorted(via[package])} for package, ms in ranked
    ]


def heaviest_modules(handler: list[ImportLine], baseline: list[ImportLine], top: int = 8) -> list[dict[str, Any]]:
    """Single modules beyond the reference's with the largest own import time (class bodies, schema
    building and other work done at import)."""
    already = {line.module for line in baseline}
    ranked = sorted((line for line in handler if line.module not in already), key=lambda line: -line.self_us)
    return [{"module": line.module, "self_ms": round(line.self_us / 1000, 1)} for line in ranked[:top]]


def diagnose(function: LambdaFunction, *, primed: bool) -> dict[str, Any]:
    """One `-X importtime` run of the function and of what it is held to (its floor; boto3 for
    health): the modules it imports beyond that reference, heaviest first."""
    with tempfile.TemporaryDirectory(prefix="bbws-bench-task-") as task_root:
        root = Path(task_root)
        environ = lambda_environ(function, root)
        reference = (
            Probe(BASELINE, baseline_init(), environ)
            if function.name == "health"
            else Probe(function.name + FLOOR, floor_init(function, priming=primed), environ)
        )
        flags = ("-X", "importtime")
        handler_run = run_probe(Probe(function.name, handler_init(function), environ), root, flags=flags)
        reference_run = run_probe(reference, root, flags=flags)
    handler, baseline = parse_importtime(handler_run["stderr"]), parse_importtime(reference_run["stderr"])
    extra = {line.module for line in handler} - {line.module for line in baseline}
    missing = {line.module for line in baseline} - {line.module for line in handler}
    return {
        "reference": reference.name,
        "modules_beyond_reference": len(extra),
        "reference_modules_not_imported": len(missing),
        "top_offenders": offenders(handler, baseline),
        "heaviest_modules": heaviest_modules(handler, baseline),
    }
