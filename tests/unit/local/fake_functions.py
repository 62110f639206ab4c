"""Small stand-in functions for testing the local gateway and pollers without the real services."""

from __future__ import annotations

import base64
import json
import os
import time
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


_active = [0]  # invocations running in this interpreter right now


def probe(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Sleeps a little and says which process ran it and how many invocations it saw at once."""
    _active[0] += 1
    try:
        time.sleep(float((event.get("queryStringParameters") or {}).get("sleep", "0.05")))
        seen = _active[0]
    finally:
        _active[0] -= 1
    return {"statusCode": 200, "body": json.dumps({"pid": os.getpid(), "pgid": os.getpgrp(), "concurrent": seen,
                                                   "function": context.function_name,
                                                   "service": os.environ.get("POWERTOOLS_SERVICE_NAME")})}  # fmt: skip


def exit_process(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The execution environment dies mid-invocation (a segfault, an OOM kill, os._exit)."""
    os._exit(3)


def hang(event: dict[str, Any], context: Any) -> dict[str, Any]:
    time.sleep(60)
    return {"statusCode": 200, "body": ""}


def not_json(event: dict[str, Any], context: Any) -> Any:
    return {"statusCode": 200, "body": object()}
