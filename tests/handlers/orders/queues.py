"""Reading what the orders service put on its queues, in tests."""

from __future__ import annotations

from typing import Any

from bbws.core import aws, jsonutil
from bbws.core.settings import get_settings


def drain(queue_setting: str) -> list[dict[str, Any]]:
    """Every message body waiting on the queue, removing them."""
    sqs = aws.sqs()
    url = get_settings().require(queue_setting)
    bodies: list[dict[str, Any]] = []
    for _ in range(20):  # bounded: the tests queue a handful of messages at most
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = answer.get("Messages", [])
        if not messages:
            break
        for message in messages:
            bodies.append(jsonutil.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def submitted_orders() -> list[dict[str, Any]]:
    return drain("orders_queue_url")


def notifications() -> list[dict[str, Any]]:
    return drain("notifications_queue_url")
