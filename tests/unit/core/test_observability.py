"""Every entry point logs with the request's correlation id."""

from __future__ import annotations

from typing import Any

from bbws.core.observability import SQS_CORRELATION, instrument, logger
from tests.support.events import LambdaContext, api_event, sqs_event


def test_api_requests_carry_the_gateway_request_id_as_correlation_id() -> None:
    seen: list[str | None] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
        seen.append(logger.get_correlation_id())
        return {"ok": "yes"}

    event = api_event("GET", "/health")
    assert instrument(handler)(event, LambdaContext()) == {"ok": "yes"}
    assert seen == [event["requestContext"]["requestId"]]


def test_queue_batches_carry_the_first_message_id_as_correlation_id() -> None:
    seen: list[str | None] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        seen.append(logger.get_correlation_id())

    event = sqs_event({"a": 1}, {"b": 2})
    instrument(handler, correlation_path=SQS_CORRELATION)(event, LambdaContext())
    assert seen == [event["Records"][0]["messageId"]]


def test_metrics_get_the_settings_namespace_when_none_was_set_at_import(monkeypatch) -> None:
    # Given metrics created before the environment named a namespace (as in the local stack)
    from bbws.core.observability import metrics

    monkeypatch.setattr(metrics, "namespace", None)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Shop")

    def handler(event: dict[str, Any], context: Any) -> None:
        # When a request adds more metric values than one flush holds (100)
        for _ in range(150):
            metrics.add_metric(name="Things", unit="Count", value=1)

    # Then the request succeeds and the metrics carry the configured namespace
    instrument(handler)(api_event("GET", "/health"), LambdaContext())
    assert metrics.namespace == "Shop"


def test_logs_name_the_settings_service_when_none_was_set_at_import(monkeypatch) -> None:
    # Given a logger created before the environment named the service (as in the local stack)
    monkeypatch.setattr(logger, "service", "service_undefined")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "shop-orders")
    seen: list[object] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        seen.append(logger.get_current_keys().get("service"))

    # When a request is handled, Then its log lines carry the configured service
    instrument(handler)(api_event("GET", "/health"), LambdaContext())
    assert seen == ["shop-orders"]
