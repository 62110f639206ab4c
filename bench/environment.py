"""The environment a function sees: Lambda's own variables plus the settings of SPEC §6."""

from __future__ import annotations

import os
from pathlib import Path

from bbws.core.functions import LambdaFunction
from bbws.core.settings import ENV_NAMES

REGION = "eu-west-1"
ACCOUNT = "123456789012"

# Dummy but well-formed values: cold start only imports the code, nothing is called.
DUMMY_SETTINGS: dict[str, str] = {
    "environment": "dev",
    "log_level": "INFO",
    "products_table_name": "bbws-dev-products",
    "campaigns_table_name": "bbws-dev-campaigns",
    "orders_table_name": "bbws-dev-orders",
    "tenants_table_name": "bbws-dev-tenants",
    "orders_queue_url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/bbws-dev-orders",
    "notifications_queue_url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/bbws-dev-notifications",
    "templates_bucket_name": "bbws-dev-templates",
    "from_email": "orders@example.com",
    "internal_emails": "sales@example.com",
    "metrics_namespace": "BBWS",
}

# Inherited from the caller only so the interpreter itself behaves (locale, temp dir).
_PASSTHROUGH = ("PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def lambda_environ(function: LambdaFunction, task_root: Path, settings: dict[str, str] | None = None) -> dict[str, str]:
    """What Lambda would set for `function`, with its settings from Terraform (`settings`, by
    field, replaces the dummy values: the cold start probes replay responses recorded against
    the emulator's resources, whose names appear in some answers, e.g. BatchGetItem's).

    Tracing stays ON as in the deployed functions: LAMBDA_TASK_ROOT is set and
    POWERTOOLS_TRACE_DISABLED is not, so Powertools' Tracer loads the X-Ray SDK and patches
    botocore at import time exactly as it does in a real cold start.
    """
    environ = {name: os.environ[name] for name in _PASSTHROUGH if name in os.environ}
    environ.update(
        {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "ASIABENCHBENCHBENCH0",
            "AWS_SECRET_ACCESS_KEY": "bench-secret",
            "AWS_SESSION_TOKEN": "bench-token",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "AWS_LAMBDA_FUNCTION_NAME": f"bbws-dev-{function.name}",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/bbws-dev-{function.name}",
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
            "LAMBDA_TASK_ROOT": str(task_root),
            "LAMBDA_RUNTIME_DIR": str(task_root),
            "_HANDLER": function.lambda_handler,
            "POWERTOOLS_SERVICE_NAME": function.service,
        }
    )
    values = DUMMY_SETTINGS | (settings or {})
    for field in sorted(function.settings):
        if field in values:
            environ[ENV_NAMES[field]] = values[field]
    return environ
