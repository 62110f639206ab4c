"""Queue pollers behave like Lambda's SQS event source mapping (driven against moto)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bbws.core.functions import LambdaFunction, Trigger
from bbws.local.lambda_context import LambdaContext
from bbws.local.pollers import QueuePoller, failed_message_ids, sqs_record
from tests.unit.local import fake_functions

REGION = "eu-west-1"
CONSUMER = LambdaFunction(
    "fake-consumer", "fake", "tests.unit.local.fake_functions:consumer", Trigger.QUEUE, frozenset(), queue="fake"
)


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


def _queue(sqs: Any, name: str, visibility_timeout: int) -> tuple[str, str]:
    """(queue URL, DLQ URL): a queue that redrives to its DLQ after 5 receives."""
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}),
        },
    )["QueueUrl"]
    return url, dlq


def _depth(sqs: Any, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _poller(sqs: Any, url: str) -> QueuePoller:
    # The poller's side only: the consumer is called in this process, so the test sees what it
    # received (the stack hands batches to the function's worker, tests/unit/local/test_lambdas.py).
    def invoke(event: dict[str, Any]) -> Any:
        return fake_functions.consumer(event, LambdaContext(function_name=CONSUMER.name, region=REGION))

    return QueuePoller(CONSUMER.name, url, invoke, sqs, REGION)


def test_successful_batch_is_deleted(sqs: Any) -> None:
    # Given three good messages
    url, _ = _queue(sqs, "good", 30)
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"ok-{i}")
    # When the poller hands them to the consumer
    outcome = _poller(sqs, url).poll_once()
    # Then all three were processed and removed from the queue
    assert (outcome.received, outcome.deleted, outcome.failed) == (3, 3, 0)
    assert _depth(sqs, url) == (0, 0)


def test_event_is_a_real_sqs_event(sqs: Any) -> None:
    # Given a message with an attribute
    url, _ = _queue(sqs, "shape", 30)
    sqs.send_message(
        QueueUrl=url, MessageBody="ok", MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}}
    )
    fake_functions.RECEIVED.clear()
    # When it is polled
    _poller(sqs, url).poll_once()
    # Then the consumer got Lambda's record shape, with a real receive count
    record = fake_functions.RECEIVED[-1]["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":shape")
    assert record["awsRegion"] == REGION
    assert record["body"] == "ok"
    assert record["md5OfBody"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["kind"]["stringValue"] == "test"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"


def test_partial_failure_keeps_only_the_failed_record(sqs: Any) -> None:
    # Given a poison message between two good ones
    url, _ = _queue(sqs, "partial", 30)
    for body in ("ok-1", "poison", "ok-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    poller = _poller(sqs, url)
    # When the consumer reports the poison message as failed
    outcome = poller.poll_once()
    # Then its neighbours are deleted and it stays in flight until its visibility timeout ends
    assert (outcome.deleted, outcome.failed) == (2, 1)
    assert _depth(sqs, url) == (0, 1)
    assert poller.poll_once().received == 0


def test_crashed_invocation_returns_the_whole_batch(sqs: Any) -> None:
    url, _ = _queue(sqs, "crash", 30)
    for body in ("ok", "crash"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    outcome = _poller(sqs, url).poll_once()
    assert (outcome.deleted, outcome.failed) == (0, 2)
    assert _depth(sqs, url) == (0, 2)


def test_poison_message_reaches_the_dlq_after_five_receives(sqs: Any) -> None:
    # Given a poison message on a queue whose failed messages come back at once
    url, dlq = _queue(sqs, "redrive", 0)
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    poller = _poller(sqs, url)
    # When it fails five times
    for attempt in range(1, 6):
        outcome = poller.poll_once()
        assert (outcome.received, outcome.failed) == (1, 1), attempt
    # Then the next receive moves it to the dead-letter queue instead of delivering it again
    assert poller.poll_once().received == 0
    assert _depth(sqs, url) == (0, 0)
    moved = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in moved] == ["poison"]


def test_poller_thread_drains_the_queue_and_stops(sqs: Any) -> None:
    # Given a running poller and ten messages
    url, _ = _queue(sqs, "threaded", 30)
    for i in range(10):
        sqs.send_message(QueueUrl=url, MessageBody=f"ok-{i}")
    poller = QueuePoller(
        CONSUMER.name, url, lambda event: fake_functions.consumer(event, None), sqs, REGION, idle_wait=0.01
    )
    poller.start()
    try:
        # When it has had the chance to work (bounded wait, no timing assertion)
        for _ in range(500):
            if _depth(sqs, url) == (0, 0):
                break
            time.sleep(0.01)
    finally:
        poller.stop()
    # Then every message was consumed and the thread is gone
    assert _depth(sqs, url) == (0, 0)


def test_poller_keeps_going_after_a_receive_error() -> None:
    # Given an SQS client that fails once, then returns nothing
    calls: list[str] = []

    class FlakySqs:
        def receive_message(self, **_: Any) -> dict[str, Any]:
            calls.append("receive")
            if len(calls) == 1:
                raise ConnectionError("emulator restarting")
            poller.stop()  # the second receive ends the test
            return {}

    poller = QueuePoller("f", "url", lambda event: event, FlakySqs(), REGION, idle_wait=0, error_wait=0)
    # When the loop runs
    poller.run()
    # Then the error did not end it
    assert calls == ["receive", "receive"]


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (None, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, {"b"}),
        ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, {"a", "b"}),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, {"a", "b"}),
        ({"batchItemFailures": [{}]}, {"a", "b"}),
        ({"batchItemFailures": "b"}, {"a", "b"}),
    ],
    ids=["none", "empty", "one", "unknown-id", "empty-id", "no-id", "not-a-list"],
)
def test_partial_batch_response_is_read_like_lambda(result: Any, expected: set[str]) -> None:
    assert failed_message_ids(result, ["a", "b"]) == expected


def test_record_carries_md5_of_attributes_when_present() -> None:
    record = sqs_record(
        {"MessageId": "m", "ReceiptHandle": "r", "Body": "b", "MD5OfMessageAttributes": "x"}, "arn", REGION
    )
    assert record["md5OfMessageAttributes"] == "x"
