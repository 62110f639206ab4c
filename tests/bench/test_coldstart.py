"""Cold start bookkeeping: the probe's stubbed invocations, medians, ratios and targets, the
floors' libraries, the runtime-only import set, importtime parsing."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

import pytest
from bench.coldstart import FLOOR, ColdStartSamples, Probe, ProcessFailed
from bench.environment import lambda_environ

from bbws.core.functions import BY_NAME, FUNCTIONS
from bench import coldstart


@pytest.fixture
def task_root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as root:
        yield Path(root)


def _run(
    init: str, root: Path, spec: dict[str, Any] | None = None, *, prime: bool = True, function: str = "health"
) -> dict[str, Any]:
    path = None
    if spec is not None:
        path = root / "spec.json"
        path.write_text(json.dumps(spec))
    probe = Probe("test", init, lambda_environ(BY_NAME[function], root), prime, path)
    return coldstart.run_probe(probe, root)


def _figures(init: float, cpu: float, **more: float) -> dict[str, Any]:
    return {"init_wall_ms": init, "init_cpu_ms": cpu, "modules": 1} | more


def test_ratios_are_medians_of_init_over_the_floor_and_boto3_judged_on_cpu() -> None:
    # Given interleaved runs of a function, its floor and the baseline (one outlier each)
    samples = ColdStartSamples()
    samples.runs["boto3"] += [_figures(100, 100), _figures(110, 100), _figures(90, 100), _figures(999, 999)]
    samples.runs["products-api"] += [_figures(220, 110), _figures(230, 120), _figures(900, 115)]
    samples.runs["products-api" + FLOOR] += [_figures(200, 100), _figures(200, 100), _figures(200, 100)]
    samples.runs["health"] += [_figures(40, 40), _figures(60, 45), _figures(45, 50)]
    samples.runs["health" + FLOOR] += [_figures(40, 40)]
    samples.runs["tenants-api"] += [_figures(300, 300)]
    samples.runs["tenants-api" + FLOOR] += [_figures(200, 200)]
    samples.skipped["orders-api"] = "not written yet"
    samples.errors["campaigns-api"] = "SyntaxError"
    # When they are summarised
    summary = coldstart.summarise(samples)
    # Then the outliers do not move the medians, and each target reads the CPU ratio
    products = summary["products-api"]
    assert products["init_over_floor_cpu"] == 1.15
    assert products["init_over_floor"] == 1.15
    assert products["init_over_boto3_cpu"] == 1.15
    assert products["targets"]["init / floor"] == {"value": 1.15, "target": 1.15, "pass": True}
    assert products["pass"] is True
    # health is held to boto3 (it makes no AWS call), not to its floor
    assert summary["health"]["targets"] == {"init / boto3": {"value": 0.45, "target": 0.5, "pass": True}}
    assert summary["tenants-api"]["pass"] is False
    assert summary["orders-api"]["pass"] is None
    assert summary["campaigns-api"]["pass"] is False


def test_the_first_invocation_includes_the_after_restore_hooks_and_is_held_to_twice_the_warm_median() -> None:
    samples = ColdStartSamples()
    samples.runs["boto3"] += [_figures(100, 100)]
    samples.runs["orders-consumer" + FLOOR] += [_figures(100, 100)]
    invoked = {"restore_cpu_ms": 0.5, "restore_wall_ms": 0.5, "first_cpu_ms": 2.5, "first_wall_ms": 3.0}
    invoked |= {"warm_cpu_median_ms": 1.0, "warm_wall_median_ms": 1.2}
    samples.runs["orders-consumer"] += [_figures(100, 100, **invoked)]
    row = coldstart.summarise(samples)["orders-consumer"]
    assert row["first_cpu_ms"] == 3.0
    assert row["targets"]["first / warm"] == {"value": 3.0, "target": 2.0, "pass": False}


def test_a_probe_runs_the_priming_hooks_inside_init_only_when_asked(task_root: Path) -> None:
    marker = task_root / "primed"
    init = (
        "from pathlib import Path\n"
        "from snapshot_restore_py import register_before_snapshot\n"
        f"register_before_snapshot(Path({str(marker)!r}).touch)\n"
        "lambda_handler = None"
    )
    unprimed = _run(init, task_root, prime=False)
    assert unprimed["before_snapshot_hooks"] == 0
    assert not marker.exists()
    primed = _run(init, task_root)
    assert primed["before_snapshot_hooks"] == 1
    assert marker.exists()
    assert primed["init_cpu_ms"] > 0


def test_a_probe_answers_aws_calls_from_the_recorded_responses_and_never_from_the_network(task_root: Path) -> None:
    # Given a handler that reads one DynamoDB item, and the recorded answer of that call
    init = (
        "import boto3\n"
        "table = boto3.resource('dynamodb').Table('t')\n"
        "def lambda_handler(event, context):\n"
        "    item = table.get_item(Key={'pk': event['pk']})['Item']\n"
        "    return {'statusCode': 200, 'body': item['name']}"
    )
    step = {
        "event": {"pk": "p1"},
        "status": 200,
        "calls": [{"key": "dynamodb.GetItem", "response": {"Item": {"pk": {"S": "p1"}, "name": {"S": "n"}}}}],
    }
    # When the probe invokes it first and then warm
    figures = _run(init, task_root, {"first": step, "warm": step, "warm_invocations": 5})
    # Then every invocation got the recorded item (the endpoint does not exist)
    assert figures["warm_invocations"] == 5
    assert figures["first_cpu_ms"] > 0
    assert figures["warm_cpu_median_ms"] > 0
    # And a call nobody recorded fails the probe instead of reaching a network
    unrecorded = step | {"calls": []}
    with pytest.raises(ProcessFailed, match=r"dynamodb\.GetItem was not recorded"):
        _run(init, task_root, {"first": unrecorded, "warm": unrecorded, "warm_invocations": 1})


def test_recorded_bytes_and_times_survive_the_trip_to_the_probe(task_root: Path) -> None:
    init = (
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "def lambda_handler(event, context):\n"
        "    answer = s3.get_object(Bucket='b', Key='k')\n"
        "    assert answer['Body'].read() == b'<p>{{ name }}</p>', answer\n"
        "    assert answer['LastModified'].year == 2026\n"
        "    return {'statusCode': 200}"
    )
    response = {"Body": b"<p>{{ name }}</p>", "LastModified": datetime(2026, 1, 2, tzinfo=UTC)}
    step = {"event": {}, "status": 200, "calls": [{"key": "s3.GetObject", "response": coldstart.encode(response)}]}
    assert _run(init, task_root, {"first": step, "warm": step, "warm_invocations": 2})["warm_invocations"] == 2


def test_a_probe_cannot_import_what_the_lambda_zip_would_not_hold(task_root: Path) -> None:
    with pytest.raises(ProcessFailed, match="requests"):
        _run("import requests\nlambda_handler = None", task_root)


def _distributions(top_modules: list[str]) -> set[str]:
    mapping = packages_distributions()
    return {dist for top in top_modules for dist in mapping.get(top, []) if dist != "bbws"}


@pytest.mark.parametrize("function", [f.name for f in FUNCTIONS])
def test_each_floor_loads_the_same_libraries_as_its_function(function: str, task_root: Path) -> None:
    # Given the function and its floor, primed alike
    lambda_function = BY_NAME[function]
    handler = _run(coldstart.handler_init(lambda_function), task_root, function=function)
    primed = handler["before_snapshot_hooks"] > 0
    floor = _run(coldstart.floor_init(lambda_function, priming=primed), task_root, function=function)
    # Then they load the same third-party distributions (the floor holds no more, no less)
    assert _distributions(floor["top_modules"]) == _distributions(handler["top_modules"])
    assert floor["before_snapshot_hooks"] == (1 if primed else 0)


def test_the_lambda_zip_holds_the_runtime_dependencies_and_nothing_from_the_tooling() -> None:
    runtime = coldstart.runtime_distributions()
    assert {"boto3", "pydantic", "aws-lambda-powertools", "aws-xray-sdk", "jinja2", "snapshot-restore-py"} <= runtime
    assert not {"moto", "requests", "typer", "rich", "pytest"} & runtime
    hidden = coldstart.hidden_modules()
    assert {"moto", "requests", "pytest"} <= hidden
    assert not {"boto3", "botocore", "pydantic", "bbws", "jinja2", "snapshot_restore_py"} & hidden


def test_the_probe_environment_is_lambdas_with_tracing_on() -> None:
    environ = lambda_environ(BY_NAME["orders-api"], Path("/var/task"))
    assert environ["LAMBDA_TASK_ROOT"] == "/var/task"
    assert "POWERTOOLS_TRACE_DISABLED" not in environ
    assert environ["POWERTOOLS_SERVICE_NAME"] == "orders"
    assert environ["DYNAMODB_TABLE_NAME"] == "bbws-dev-orders"
    assert "TEMPLATES_BUCKET_NAME" not in environ  # only the settings this function needs
    recorded = lambda_environ(BY_NAME["orders-api"], Path("/var/task"), {"orders_table_name": "bench-orders"})
    assert recorded["DYNAMODB_TABLE_NAME"] == "bench-orders"


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |   botocore
import time:       300 |        300 |       heavy.inner
import time:       200 |        500 |     heavy
import time:        50 |        550 |   bbws.core.observability
import time:        10 |        660 | bbws.health.handlers.api
"""


def test_importtime_output_is_parsed_with_depths() -> None:
    lines = coldstart.parse_importtime(IMPORTTIME)
    assert [(line.module, line.self_us, line.depth) for line in lines] == [
        ("botocore", 100, 1),
        ("heavy.inner", 300, 3),
        ("heavy", 200, 2),
        ("bbws.core.observability", 50, 1),
        ("bbws.health.handlers.api", 10, 0),
    ]


def test_offenders_are_what_the_handler_imports_beyond_its_reference_with_the_bbws_module_pulling_them_in() -> None:
    handler = coldstart.parse_importtime(IMPORTTIME)
    baseline = coldstart.parse_importtime("import time:       100 |        100 | botocore\n")
    top = coldstart.offenders(handler, baseline)
    assert top[0] == {"package": "heavy", "self_ms": 0.5, "imported_via": ["bbws.core.observability"]}
    assert "botocore" not in {row["package"] for row in top}
