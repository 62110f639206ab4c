"""Powertools logger, metrics and tracer, configured once, with correlation ids per request."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths

from bbws.core import priming
from bbws.core.settings import get_settings

logger = Logger()
metrics = Metrics()

# Powertools warns at every flush without application metrics (health, every read route). It is
# not actionable, and the first such request of each environment paid for formatting it (the
# source line read through linecache): ignored, as the local stack and the tests already do.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


@cache
def tracer() -> Tracer:
    """The tracer, created by the first function that traces (health does not: it makes no AWS
    call, and creating a tracer loads the X-Ray SDK). It patches botocore only, the one library
    whose calls are traced: `Tracer()` alone patches every library the X-Ray SDK supports and
    can import (docs/bench.md has the before/after figures)."""
    return Tracer(patch_modules=["botocore"])


API_CORRELATION = correlation_paths.API_GATEWAY_REST
SQS_CORRELATION = "Records[0].messageId"

_UNDEFINED_SERVICE = "service_undefined"

Handler = Callable[[dict[str, Any], Any], Any]


def _apply_settings() -> None:
    # Powertools reads POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE when `logger` and
    # `metrics` are created, at import. A process that sets its environment later (the local
    # stack) would log as "service_undefined" and fail its 100th metric, inside a request, with
    # "Must contain a metric namespace"; the settings model fills in what import time missed.
    if not metrics.namespace:
        metrics.namespace = get_settings().metrics_namespace
    if logger.service == _UNDEFINED_SERVICE:
        # inject_lambda_context(clear_state=True) drops appended keys, so this runs per request.
        logger.append_keys(service=get_settings().service_name)


def instrument(
    handler: Handler, *, correlation_path: str = API_CORRELATION, traced: bool = True, function: str | None = None
) -> Handler:
    """Wrap a Lambda entry point in the logger, tracer (when `traced`) and metrics decorators,
    outermost first. `function` (its name in `bbws.core.functions`) registers its SnapStart
    priming hooks, which rehearse the wrapped handler, decorators included (`bbws.core.priming`)."""

    def with_settings(event: dict[str, Any], context: Any) -> Any:
        _apply_settings()
        return handler(event, context)

    wrapped = tracer().capture_lambda_handler(with_settings, capture_response=False) if traced else with_settings
    wrapped = metrics.log_metrics(wrapped)
    wrapped = logger.inject_lambda_context(wrapped, correlation_id_path=correlation_path, clear_state=True)
    if function is not None:
        priming.register(function, wrapped)
    return wrapped
