"""SDK retries of a request the emulator already answered get that answer again.

Every AWS SDK (botocore, aws-sdk-go-v2 in the Terraform provider) sends two headers with each
request: `amz-sdk-invocation-id`, one id per API call that stays the same across its retries,
and `amz-sdk-request: attempt=N; max=M`. When an SDK does not receive an answer it counts on
(the connection broke, a timeout, a 5xx), it sends the same request again with `attempt=N+1`.
If the emulator had in fact done the work the first time, doing it again is not what AWS does in
practice: the retry of `UpdateUsagePlan` removing a stage answers 400 "Invalid API Stage" (the
first attempt removed it) and the destroy fails, and a second Lambda `AddPermission` either adds
a second statement or, as AWS, answers 409. AWS loses an answer so rarely that these retries
almost never meet work already done; a local emulator sharing two cores with Terraform, tests
and workers loses answers often enough (1 rehearsal in 5 failed that way) that they must be made
harmless.

So the emulator keeps the last successful (2xx) answers by invocation id, and an attempt after
the first of an invocation it has already answered successfully gets the kept answer back
without touching moto. Only successes are kept: a retry after an error answer (a 5xx, a
throttle, a conflict the provider retries) must do the work again, exactly as without this
module. Bounded: at most `MAX_ANSWERS` answers of at most `MAX_BODY_BYTES` each, oldest
forgotten first; thread-safe.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_ANSWERS = 1024  # a Terraform run keeps ~10 calls in flight; a retry comes within seconds
MAX_BODY_BYTES = 256 * 1024  # larger answers (S3 object reads) are reads: serving them again is harmless
_ATTEMPT = re.compile(r"(?:^|;)\s*attempt=(\d+)")

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Attempt:
    invocation_id: str
    number: int  # 1 for the first attempt

    @classmethod
    def of(cls, environ: dict[str, Any]) -> Attempt | None:
        """The SDK attempt a WSGI request is (None: no `amz-sdk-invocation-id`, not an SDK call)."""
        invocation = str(environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "")).strip()
        if not invocation:
            return None
        found = _ATTEMPT.search(str(environ.get("HTTP_AMZ_SDK_REQUEST", "")))
        return cls(invocation, int(found.group(1)) if found else 1)


@dataclass(frozen=True)
class Answer:
    status: str  # WSGI status line, "200 OK"
    headers: Headers
    body: bytes
    arrived: float  # time.monotonic() of the attempt that was answered
    answered: float


class KeptAnswers:
    """The successful answers of recent SDK invocations, by invocation id."""

    def __init__(self, max_answers: int = MAX_ANSWERS, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.max_answers = max_answers
        self.max_body_bytes = max_body_bytes
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._lock = threading.Lock()
        self.replayed = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)

    def keep(self, attempt: Attempt | None, answer: Answer) -> None:
        if attempt is None or not answer.status.startswith("2") or len(answer.body) > self.max_body_bytes:
            return
        with self._lock:
            self._answers[attempt.invocation_id] = answer
            self._answers.move_to_end(attempt.invocation_id)
            while len(self._answers) > self.max_answers:
                self._answers.popitem(last=False)

    def replay(self, attempt: Attempt | None) -> Answer | None:
        """The kept answer for a retry (an attempt after the first) of an invocation already
        answered successfully; None for a first attempt or an invocation not kept."""
        if attempt is None or attempt.number < 2:
            return None
        with self._lock:
            answer = self._answers.get(attempt.invocation_id)
            if answer is not None:
                self.replayed += 1
            return answer

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self.replayed = 0


def describe_retry(operation: str, attempt: Attempt, kept: Answer | None, now: float | None = None) -> str:
    """One line for the emulator's log about a retry that arrived: what the SDK retried and, when
    the first answer was kept, how long after it (a client that gave up waits its timeout; a
    broken connection retries at once)."""
    head = f"SDK retry: {operation} attempt {attempt.number} of invocation {attempt.invocation_id}"
    if kept is None:
        return f"{head}: no successful answer kept for it, served again"
    at = time.monotonic() if now is None else now
    return (
        f"{head}: replayed the kept answer {kept.status!r} (first attempt answered in "
        f"{kept.answered - kept.arrived:.3f} s, {at - kept.answered:.3f} s before this retry)"
    )


def capturing(start_response: Callable[..., Any], into: dict[str, Any]) -> Callable[..., Any]:
    """A WSGI start_response that notes the status and headers it is given."""

    def start(status: str, headers: Headers, exc_info: Any = None) -> Any:
        into["status"], into["headers"] = status, list(headers)
        return start_response(status, headers, exc_info) if exc_info is not None else start_response(status, headers)

    return start
