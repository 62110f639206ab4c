"""Powertools' event_handler and data_classes packages: the resolver and the event classes a
function uses load without the others, and code importing from a package itself still gets
everything."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import bbws.health.handlers.api
loaded = set(sys.modules)
assert "aws_lambda_powertools.event_handler.api_gateway" in loaded
assert "aws_lambda_powertools.event_handler.appsync" not in loaded, "every resolver was loaded"
from aws_lambda_powertools.event_handler import AppSyncResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Response as Same
assert Response is Same and AppSyncResolver.__name__ == "AppSyncResolver"
assert "aws_lambda_powertools.event_handler.appsync" in sys.modules
classes = "aws_lambda_powertools.utilities.data_classes"
assert f"{classes}.api_gateway_proxy_event" in loaded
assert f"{classes}.code_pipeline_job_event" not in loaded, "every event class was loaded"
assert "zipfile" not in loaded and "tempfile" not in loaded
from aws_lambda_powertools.utilities.data_classes import SQSEvent, event_source
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSEvent as SameEvent
assert SQSEvent is SameEvent and callable(event_source)
from aws_lambda_powertools.utilities.data_classes import CodePipelineJobEvent
assert CodePipelineJobEvent.__name__ == "CodePipelineJobEvent"
print("ok")
"""


def test_a_handler_loads_only_its_resolver_and_event_classes_and_the_packages_still_import_whole_on_demand() -> None:
    # A fresh interpreter: this one may have imported the package for real already.
    completed = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "ok"
