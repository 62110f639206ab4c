"""Cold start: a fresh interpreter importing a handler (building its globals) versus one
importing only boto3, timed from exec to exit, interleaved in shuffled rounds."""

from __future__ import annotations

import importlib.util
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bbws.core.functions import BY_NAME, FUNCTIONS, LambdaFunction
from bench.environment import lambda_environ

TARGET_RATIO = 1.3
BASELINE = "boto3"


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


def _hiding(code: str) -> str:
    hidden = sorted(hidden_modules())
    return (
        "import sys\n"
        "class _NotInZip:\n"
        "    @staticmethod\n"
        "    def find_spec(name, path=None, target=None):\n"
        f"        if name.partition('.')[0] in {hidden!r}:\n"
        "            raise ModuleNotFoundError(name, name=name)\n"
        "sys.meta_path.insert(0, _NotInZip)\n"
        f"{code}\n"
    )


def handler_code(function: LambdaFunction) -> str:
    module, attribute = function.handler.split(":", 1)
    return _hiding(f"from {module} import {attribute}")


def baseline_code() -> str:
    return _hiding("import boto3")


def module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package that does not exist yet
        return False


@dataclass(frozen=True)
class ProbeRun:
    wall_ms: float  # exec to exit, as a caller waits for it
    cpu_ms: float  # user + system CPU of the process: what it cost, whatever else the machine did
    stderr: str


def run_probe(code: str, environ: dict[str, str], cwd: Path, *flags: str) -> ProbeRun:
    """Time `python -c code` from exec to exit; its CPU time comes from wait4's rusage."""
    argv = [sys.executable, *flags, "-c", code]
    with tempfile.TemporaryFile(mode="w+") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=environ, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        wall_ms = (time.perf_counter() - started) * 1000
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        errors = stderr.read()
    if process.returncode != 0:
        raise ProcessFailed(errors.strip().splitlines()[-1] if errors.strip() else f"exit {process.returncode}")
    return ProbeRun(wall_ms, (usage.ru_utime + usage.ru_stime) * 1000, errors)


@dataclass
class ColdStartSamples:
    """Raw timings per probe name (function name, or `boto3` for the baseline)."""

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu_samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def summarise(samples: ColdStartSamples, target: float = TARGET_RATIO) -> dict[str, dict[str, Any]]:
    """Per function: median, the baseline's median, their ratio and whether it meets `target`."""
    baseline = samples.samples.get(BASELINE, [])
    baseline_median = statistics.median(baseline) if baseline else None
    result: dict[str, dict[str, Any]] = {}
    for name in [f.name for f in FUNCTIONS]:
        if name in samples.skipped:
            result[name] = {"skipped": samples.skipped[name], "target": target, "pass": None}
        elif name in samples.errors:
            result[name] = {"error": samples.errors[name], "target": target, "pass": False}
        elif samples.samples.get(name) and baseline_median:
            median = statistics.median(samples.samples[name])
            ratio = median / baseline_median
            result[name] = {
                "median_ms": round(median, 1),
                "boto3_median_ms": round(baseline_median, 1),
                "ratio": round(ratio, 3),
                "min_ms": round(min(samples.samples[name]), 1),
                "boto3_min_ms": round(min(baseline), 1),
                "samples": len(samples.samples[name]),
                "boto3_samples": len(baseline),
            }
            result[name] |= _cpu_figures(samples, name) | {"target": target, "pass": ratio <= target}
    return result


def _cpu_figures(samples: ColdStartSamples, name: str) -> dict[str, Any]:
    cpu, baseline = samples.cpu_samples.get(name), samples.cpu_samples.get(BASELINE)
    if not cpu or not baseline:
        return {}
    median, baseline_median = statistics.median(cpu), statistics.median(baseline)
    return {
        "cpu_median_ms": round(median, 1),
        "boto3_cpu_median_ms": round(baseline_median, 1),
        "cpu_ratio": round(median / baseline_median, 3),
    }


def measure(
    functions: Sequence[LambdaFunction] = FUNCTIONS,
    rounds: int = 9,
    baseline_per_round: int = 2,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> ColdStartSamples:
    """Interleave fresh processes: every round runs each function once and the baseline
    `baseline_per_round` times, in a shuffled order, so drift in machine load spreads evenly."""
    result = ColdStartSamples()
    probes: dict[str, tuple[str, dict[str, str]]] = {}
    with tempfile.TemporaryDirectory(prefix="bbws-bench-task-") as task_root:
        root = Path(task_root)
        for function in functions:
            if not module_exists(function.module):
                result.skipped[function.name] = f"{function.module} does not exist yet"
                continue
            probes[function.name] = (handler_code(function), lambda_environ(function, root))
        if not probes:
            return result
        reference = BY_NAME["health"] if "health" in probes else functions[0]
        probes[BASELINE] = (baseline_code(), lambda_environ(reference, root))
        # One unmeasured run each: compiles bytecode and fills the page cache for every probe.
        for name, (code, environ) in list(probes.items()):
            try:
                run_probe(code, environ, root)
            except ProcessFailed as error:
                result.errors[name] = str(error)
                del probes[name]
        rng = random.Random(seed)
        for number in range(rounds):
            order = [name for name in probes if name != BASELINE] + [BASELINE] * baseline_per_round
            rng.shuffle(order)
            for name in order:
                if name not in probes:
                    continue
                code, environ = probes[name]
                try:
                    run = run_probe(code, environ, root)
                except ProcessFailed as error:  # code being edited while the bench runs
                    result.errors[name] = str(error)
                    result.samples.pop(name, None)
                    result.cpu_samples.pop(name, None)
                    del probes[name]
                    continue
                result.samples[name].append(run.wall_ms)
                result.cpu_samples[name].append(run.cpu_ms)
            if progress:
                progress(f"cold start round {number + 1}/{rounds}")
    return result


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
    """The packages a handler imports beyond what boto3 alone imports, heaviest first, each with
    the bbws module that pulls it in."""
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
    """Single modules beyond boto3's with the largest own import time (class bodies, schema
    building and other work done at import)."""
    already = {line.module for line in baseline}
    ranked = sorted((line for line in handler if line.module not in already), key=lambda line: -line.self_us)
    return [{"module": line.module, "self_ms": round(line.self_us / 1000, 1)} for line in ranked[:top]]


def diagnose(function: LambdaFunction) -> dict[str, Any]:
    """One `-X importtime` run of the handler and of the baseline: what the handler adds."""
    with tempfile.TemporaryDirectory(prefix="bbws-bench-task-") as task_root:
        root = Path(task_root)
        environ = lambda_environ(function, root)
        handler_run = run_probe(handler_code(function), environ, root, "-X", "importtime")
        baseline_run = run_probe(baseline_code(), environ, root, "-X", "importtime")
    handler, baseline = parse_importtime(handler_run.stderr), parse_importtime(baseline_run.stderr)
    extra = {line.module for line in handler} - {line.module for line in baseline}
    missing = {line.module for line in baseline} - {line.module for line in handler}
    return {
        "modules_beyond_boto3": len(extra),
        "boto3_modules_not_imported": len(missing),
        "top_offenders": offenders(handler, baseline),
        "heaviest_modules": heaviest_modules(handler, baseline),
    }
