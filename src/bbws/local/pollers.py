"""Queue pollers: the local stand-in for Lambda's SQS event source mapping.

Each poller receives batches (up to 10) from its queue, hands them to its consumer function as
a real SQS event and then does what the event source mapping does with the answer:

- `{"batchItemFailures": [...]}`: delete every record except the failed ones, which stay
  invisible until the visibility timeout ends and are then received again;
- an answer with an item identifier that is empty or not in the batch: the whole batch failed;
- the function raising: nothing is deleted, every record comes back.

Redrive needs no code here: moto, like SQS, moves a message to the dead-letter queue on the
receive after its receive count has reached the queue's `maxReceiveCount` (moto's
`SQSBackend.receive_message` checks the redrive policy before handing a message out).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("bbws.local.pollers")

MAX_BATCH = 10
IDLE_WAIT_SECONDS = 0.25
SCALE_OUT_IDLE_WAIT_SECONDS = 1.0  # a queue's further pollers, there for backlogs

Invoke = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class PollOutcome:
    received: int
    deleted: int
    failed: int


def _message_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """SQS API message attributes in the shape Lambda puts in an event record."""
    converted = {}
    for name, value in attributes.items():
        converted[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value.get("DataType"),
        }
    return converted


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of the SQS event Lambda builds from a received message."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": _message_attributes(message.get("MessageAttributes", {})),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_message_ids(result: Any, batch_ids: list[str]) -> set[str]:
    """The records to leave on the queue, from a consumer's partial batch response."""
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return set()
    failures = result["batchItemFailures"]
    if not isinstance(failures, list):
        return set(batch_ids)
    identifiers = [item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures]
    if any(not ident or ident not in batch_ids for ident in identifiers):
        # Lambda treats a malformed partial response as the failure of the whole batch.
        return set(batch_ids)
    return {str(ident) for ident in identifiers}


class QueuePoller:
    """Polls one queue and invokes one consumer function with its batches."""

    def __init__(  # noqa: PLR0917 - mirrors the event source mapping's settings
        self,
        function_name: str,
        queue_url: str,
        invoke: Invoke,
        sqs: Any,
        region: str,
        batch_size: int = MAX_BATCH,
        idle_wait: float = IDLE_WAIT_SECONDS,
        error_wait: float = 1.0,
    ) -> None:
        self.function_name = function_name
        self.queue_url = queue_url
        self.invoke = invoke
        self.sqs = sqs
        self.region = region
        self.batch_size = min(batch_size, MAX_BATCH)
        self.idle_wait = idle_wait
        self.error_wait = error_wait
        self._queue_arn: str | None = None
        self.deleted = 0  # records processed and deleted since the poller was made
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def queue_arn(self) -> str:
        if self._queue_arn is None:
            attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
            self._queue_arn = str(attributes["Attributes"]["QueueArn"])
        return self._queue_arn

    def poll_once(self) -> PollOutcome:
        """Receive one batch, invoke the consumer, delete what it processed."""
        # Short polls: a long poll would hold the emulator's lock while moto waits.
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not messages:
            return PollOutcome(0, 0, 0)
        event = {"Records": [sqs_record(message, self.queue_arn, self.region) for message in messages]}
        batch_ids = [message["MessageId"] for message in messages]
        try:
            result = self.invoke(event)
        except Exception:  # like Lambda: a crashed invocation returns the whole batch to the queue
            log.exception("%s raised; %d record(s) return to the queue", self.function_name, len(messages))
            return PollOutcome(len(messages), 0, len(messages))
        failed = failed_message_ids(result, batch_ids)
        done = [message for message in messages if message["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        self.deleted += len(done)
        if failed:
            log.warning("%s: %d record(s) failed and return to the queue", self.function_name, len(failed))
        return PollOutcome(len(messages), len(done), len(failed))

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                outcome = self.poll_once()
            except Exception:  # the emulator going away at shutdown, or a transient error: retry
                if self._stop.is_set():
                    return
                log.exception("poller %s: receive failed", self.function_name)
                self._stop.wait(self.error_wait)
                continue
            if outcome.received == 0:
                self._stop.wait(self.idle_wait)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name=f"poller-{self.function_name}", daemon=True)
        self._thread.start()

    def signal_stop(self) -> None:
        """Start no new batch from now on (`stop` waits for the one in hand)."""
        self._stop.set()

    def stop(self, timeout: float = 35.0) -> None:
        """Stop after the batch in hand (an invocation is never cut off halfway)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
