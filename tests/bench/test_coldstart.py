"""Cold start bookkeeping: medians and ratios, the runtime-only import set, importtime parsing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from bench.coldstart import ColdStartSamples, ProcessFailed
from bench.environment import lambda_environ

from bbws.core.functions import BY_NAME
from bench import coldstart


def test_the_ratio_is_the_handler_median_over_the_boto3_median() -> None:
    # Given interleaved samples of the baseline and two functions, and one function skipped
    samples = ColdStartSamples()
    samples.samples["boto3"] += [100.0, 110.0, 90.0]
    samples.samples["health"] += [120.0, 125.0, 999.0]
    samples.samples["products-api"] += [140.0, 150.0, 130.0]
    samples.skipped["orders-api"] = "not written yet"
    samples.errors["tenants-api"] = "SyntaxError"
    # When they are summarised
    summary = coldstart.summarise(samples)
    # Then each ratio uses medians (an outlier does not move it) and is held to 1.3
    assert summary["health"]["ratio"] == 1.25
    assert summary["health"]["pass"] is True
    assert summary["products-api"]["ratio"] == 1.4
    assert summary["products-api"]["pass"] is False
    assert summary["orders-api"]["pass"] is None
    assert summary["tenants-api"]["pass"] is False


def test_the_lambda_zip_holds_the_runtime_dependencies_and_nothing_from_the_tooling() -> None:
    runtime = coldstart.runtime_distributions()
    assert {"boto3", "pydantic", "aws-lambda-powertools", "aws-xray-sdk", "jinja2"} <= runtime
    assert not {"moto", "requests", "typer", "rich", "pytest"} & runtime
    hidden = coldstart.hidden_modules()
    assert {"moto", "requests", "pytest"} <= hidden
    assert not {"boto3", "botocore", "pydantic", "bbws", "jinja2"} & hidden


def test_a_probe_cannot_import_what_the_lambda_zip_would_not_hold() -> None:
    # Given the probe prelude of every cold start process
    code = coldstart._hiding("import requests")
    # When a probe imports a dev-only package
    # Then it fails as it would in Lambda
    with tempfile.TemporaryDirectory() as root, pytest.raises(ProcessFailed, match="requests"):
        coldstart.run_probe(code, lambda_environ(BY_NAME["health"], Path(root)), Path(root))


def test_the_probe_environment_is_lambdas_with_tracing_on() -> None:
    environ = lambda_environ(BY_NAME["orders-api"], Path("/var/task"))
    assert environ["LAMBDA_TASK_ROOT"] == "/var/task"
    assert "POWERTOOLS_TRACE_DISABLED" not in environ
    assert environ["POWERTOOLS_SERVICE_NAME"] == "orders"
    assert environ["DYNAMODB_TABLE_NAME"] == "bbws-dev-orders"
    assert "TEMPLATES_BUCKET_NAME" not in environ  # only the settings this function needs


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


def test_offenders_are_what_the_handler_imports_beyond_boto3_with_the_bbws_module_pulling_them_in() -> None:
    handler = coldstart.parse_importtime(IMPORTTIME)
    baseline = coldstart.parse_importtime("import time:       100 |        100 | botocore\n")
    top = coldstart.offenders(handler, baseline)
    assert top[0] == {"package": "heavy", "self_ms": 0.5, "imported_via": ["bbws.core.observability"]}
    assert "botocore" not in {row["package"] for row in top}
