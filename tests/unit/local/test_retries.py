"""An SDK retry of a call the emulator already answered gets that answer, not the work again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from bbws.local.emulator import Emulator
from bbws.local.retries import Answer, Attempt, KeptAnswers

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    notes: list[str] = []
    emulator = Emulator(region=REGION, error_log=notes.append)
    emulator.start()
    emulator.notes = notes  # type: ignore[attr-defined]
    yield emulator
    emulator.stop()


def _sqs(emulator: Emulator) -> Any:
    config = Config(retries={"mode": "standard", "max_attempts": 3})
    return boto3.client("sqs", region_name=REGION, endpoint_url=emulator.url, config=config)


def _retry_once(client: Any, operation: str, before_retry: Any = None) -> list[int]:
    """Make botocore retry `operation` once whatever its first answer (as when that answer is
    lost on the way): a real SDK retry, same invocation id, `amz-sdk-request: attempt=2`."""
    seen: list[int] = []

    def needs_retry(attempts: int, **_: Any) -> float | None:
        seen.append(attempts)
        if attempts == 1:
            if before_retry is not None:
                before_retry()
            return 0.0
        return None

    client.meta.events.register_first(f"needs-retry.sqs.{operation}", needs_retry)
    return seen


def test_a_retried_send_is_answered_once_and_queues_one_message(emulator: Emulator) -> None:
    sqs = _sqs(emulator)
    url = sqs.create_queue(QueueName="retried-send")["QueueUrl"]
    attempts = _retry_once(sqs, "SendMessage")

    sent = sqs.send_message(QueueUrl=url, MessageBody="once")

    assert attempts == [1, 2]
    assert sent["ResponseMetadata"]["RetryAttempts"] == 1
    received = _sqs(emulator).receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["MessageId"] for m in received] == [sent["MessageId"]]
    assert any("SDK retry: sqs:SendMessage attempt 2" in note and "replayed" in note for note in emulator.notes)  # type: ignore[attr-defined]


def test_a_retry_after_an_error_answer_does_the_work_again(emulator: Emulator) -> None:
    sqs = _sqs(emulator)
    other = _sqs(emulator)
    missing = f"{emulator.url}/123456789012/created-between-attempts"
    _retry_once(sqs, "SendMessage", lambda: other.create_queue(QueueName="created-between-attempts"))

    sent = sqs.send_message(QueueUrl=missing, MessageBody="second time lucky")

    received = other.receive_message(QueueUrl=missing, MaxNumberOfMessages=10)["Messages"]
    assert [m["MessageId"] for m in received] == [sent["MessageId"]]


def test_first_attempts_are_always_served(emulator: Emulator) -> None:
    sqs = _sqs(emulator)
    url = sqs.create_queue(QueueName="plain-sends")["QueueUrl"]

    ids = {sqs.send_message(QueueUrl=url, MessageBody=str(n))["MessageId"] for n in range(3)}

    assert len(ids) == 3


def _answer(status: str = "200 OK", body: bytes = b"{}") -> Answer:
    return Answer(status, [("Content-Type", "application/json")], body, arrived=0.0, answered=0.0)


def test_attempt_read_from_the_sdk_headers() -> None:
    go = {"HTTP_AMZ_SDK_INVOCATION_ID": "abc", "HTTP_AMZ_SDK_REQUEST": "attempt=2; max=25"}
    botocore = {"HTTP_AMZ_SDK_INVOCATION_ID": "def", "HTTP_AMZ_SDK_REQUEST": "ttl=20261203T000000Z; attempt=3; max=3"}

    assert Attempt.of(go) == Attempt("abc", 2)
    assert Attempt.of(botocore) == Attempt("def", 3)
    assert Attempt.of({"HTTP_AMZ_SDK_INVOCATION_ID": "x"}) == Attempt("x", 1)
    assert Attempt.of({"HTTP_AMZ_SDK_REQUEST": "attempt=2"}) is None


def test_kept_answers_are_successes_of_bounded_size_and_number() -> None:
    kept = KeptAnswers(max_answers=2, max_body_bytes=10)
    for name, answer in {
        "ok": _answer(),
        "error": _answer("400 Bad Request"),
        "throttled": _answer("503 Service Unavailable"),
        "large": _answer(body=b"x" * 11),
    }.items():
        kept.keep(Attempt(name, 1), answer)

    assert kept.replay(Attempt("ok", 2)) == _answer()
    assert kept.replay(Attempt("ok", 1)) is None  # a first attempt is never answered from memory
    assert [kept.replay(Attempt(name, 2)) for name in ("error", "throttled", "large")] == [None, None, None]

    kept.keep(Attempt("second", 1), _answer())
    kept.keep(Attempt("third", 1), _answer())
    assert len(kept) == 2
    assert kept.replay(Attempt("ok", 2)) is None  # the oldest was forgotten
    assert kept.replay(Attempt("third", 2)) is not None
