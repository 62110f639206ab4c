"""Small stand-in functions for testing the local gateway and pollers without the real services."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

RECEIVED: list[dict[str, Any]] = []  # every event the fake consumer was invoked with


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """An API function answering with the event it received (and the context's function name)."""
    return {
        "statusCode": 200,
        "multiValueHeaders": {"Content-Type": ["application/json"], "Set-Cookie": ["a=1", "b=2"]},
        "headers": {"X-Single": "yes"},
        "body": json.dumps({"event": event, "function": context.function_name}),
        "isBase64Encoded": False,
    }


def binary(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"Content-Type": "image/png"}, "body": base64.b64encode(b"\x89PNG").decode(),
            "isBase64Encoded": True}  # fmt: skip


def malformed(event: dict[str, Any], context: Any) -> str:
    return "not a proxy response"


def crash(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("boom")


_processor = BatchProcessor(event_type=EventType.SQS)


def _record_handler(record: SQSRecord) -> None:
    if record.body == "poison":
        raise ValueError("cannot process this record")


def consumer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A consumer like the platform's: partial batch responses; a 'crash' record fails the invocation."""
    RECEIVED.append(event)
    if any(record["body"] == "crash" for record in event["Records"]):
        raise RuntimeError("the whole invocation failed")
    return process_partial_response(event=event, record_handler=_record_handler, processor=_processor, context=context)
