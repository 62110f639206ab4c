"""Powertools' event_handler package: the resolver a function uses loads without the others,
and code importing from the package itself still gets everything."""

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
print("ok")
"""


def test_a_handler_loads_only_its_resolver_and_the_package_still_imports_whole_on_demand() -> None:
    # A fresh interpreter: this one may have imported the package for real already.
    completed = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "ok"
