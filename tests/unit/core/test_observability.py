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
