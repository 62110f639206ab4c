"""Powertools logger, metrics and tracer, configured once, with correlation ids per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths

from bbws.core.settings import get_settings

logger = Logger()
metrics = Metrics()
tracer = Tracer()

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


def instrument(handler: Handler, *, correlation_path: str = API_CORRELATION) -> Handler:
    """Wrap a Lambda entry point in the logger, tracer and metrics decorators, outermost first."""

    def with_settings(event: dict[str, Any], context: Any) -> Any:
        _apply_settings()
        return handler(event, context)

    wrapped = tracer.capture_lambda_handler(with_settings, capture_response=False)
    wrapped = metrics.log_metrics(wrapped)
    return logger.inject_lambda_context(wrapped, correlation_id_path=correlation_path, clear_state=True)
