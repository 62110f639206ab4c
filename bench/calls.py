"""Every AWS call a function makes, seen through botocore's event hooks: counted, recorded, replayed.

The hooks hang on a boto3 session's event system, so every client and resource created from that
session afterwards (botocore copies the session's handlers into each new client) is covered
without touching the code under measurement.
"""

from __future__ import annotations

import copy
import io
import json
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.hooks import BaseEventHooks
from botocore.response import StreamingBody

_UNIQUE_ID = "bbws-bench-"

SERVICE_NAMES = {"dynamodb": "DynamoDB", "sqs": "SQS", "sesv2": "SES", "ses": "SES", "s3": "S3"}


@dataclass(frozen=True)
class Call:
    """One AWS API call: the service (botocore's hyphenated service id), the operation and,
    when it succeeded against an emulator, a private copy of its parsed response."""

    service: str
    operation: str
    response: dict[str, Any] | None = None
    tables: tuple[str, ...] = ()  # DynamoDB tables the call touched

    @property
    def key(self) -> str:
        return f"{self.service}.{self.operation}"


class UnexpectedCall(RuntimeError):
    """The code made an AWS call the replay has no recorded response for."""


@dataclass
class CallLog:
    """Calls in the order they were made; `record_responses` keeps a copy of each response."""

    record_responses: bool = True
    calls: list[Call] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """{service: {operation: count}}, both sorted, for reports."""
        nested: dict[str, Counter[str]] = defaultdict(Counter)
        for call in self.calls:
            nested[call.service][call.operation] += 1
        return {service: dict(sorted(ops.items())) for service, ops in sorted(nested.items())}

    def clear(self) -> None:
        self.calls.clear()


@dataclass
class Replay:
    """Canned responses handed out in call order per operation, prepared before timing starts
    so that the timed loop pays for no copying (the DynamoDB resource layer deserialises a
    response in place, so each call needs its own copy)."""

    pending: dict[str, deque[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def prepare(cls, calls: list[Call], invocations: int) -> Replay:
        pending: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        for _ in range(invocations):
            for call in calls:
                if call.response is None:
                    raise UnexpectedCall(f"{call.key} has no recorded response to replay")
                pending[call.key].append(copy.deepcopy(call.response))
        return cls(dict(pending))

    def next_response(self, service: str, operation: str) -> dict[str, Any]:
        queue = self.pending.get(f"{service}.{operation}")
        if not queue:
            raise UnexpectedCall(f"{service}.{operation} was not recorded for this route")
        response = queue.popleft()
        if isinstance(response.get("Body"), bytes):
            response["Body"] = StreamingBody(io.BytesIO(response["Body"]), len(response["Body"]))
        return response

    def remaining(self) -> int:
        return sum(len(queue) for queue in self.pending.values())


class AwsCallHooks:
    """Installs the bench's hooks on one boto3 session's event system.

    Modes: `log` set -> every call is appended to it (and, when `replay` is None, goes on to the
    endpoint, e.g. moto); `replay` set -> calls are answered from it, never reaching a network.
    """

    def __init__(self, events: BaseEventHooks) -> None:
        self.log: CallLog | None = None
        self.replay: Replay | None = None
        # A before-call handler may answer the call: botocore then skips the endpoint entirely.
        events.register("before-call", self._before_call, unique_id=_UNIQUE_ID + "before-call")  # type: ignore[arg-type]
        events.register("response-received", self._response_received, unique_id=_UNIQUE_ID + "response")

    @contextmanager
    def logging(self, log: CallLog) -> Iterator[CallLog]:
        previous, self.log = self.log, log
        try:
            yield log
        finally:
            self.log = previous

    @contextmanager
    def replaying(self, replay: Replay) -> Iterator[Replay]:
        previous, self.replay = self.replay, replay
        try:
            yield replay
        finally:
            self.replay = previous

    def _before_call(
        self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        service = str(model.service_model.service_id.hyphenize())
        operation = str(model.name)
        if self.replay is not None:
            if self.log is not None:
                self.log.calls.append(Call(service, operation))
            response = self.replay.next_response(service, operation)
            return AWSResponse("https://bench.invalid/", status_of(response), HTTPHeaders(), None), response
        if self.log is not None:
            call = Call(service, operation, tables=dynamodb_tables(params) if service == "dynamodb" else ())
            self.log.calls.append(call)
            if self.log.record_responses:
                # The response arrives on another event; the request context links the two.
                context["bbws_bench_call"] = len(self.log.calls) - 1
        return None

    def _response_received(
        self, parsed_response: dict[str, Any] | None = None, context: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if self.log is None or context is None or "bbws_bench_call" not in context:
            return
        response_dict = kwargs.get("response_dict") or {}
        status = int(response_dict.get("status_code", 500))
        if parsed_response is None or status >= 500 or 300 <= status < 400:
            return  # a failed or retried attempt: the call keeps no response to replay
        # A 4xx is an answer the code handles (SESv2's NotFoundException for an address not on
        # the suppression list): kept, and replayed with its status (see `status_of`).
        index = context.pop("bbws_bench_call")
        call = self.log.calls[index]
        self.log.calls[index] = Call(call.service, call.operation, _copy_response(parsed_response), call.tables)


def status_of(response: dict[str, Any]) -> int:
    """The HTTP status a recorded response came with: botocore raises the ClientError of a 4xx
    from the replayed error body, as it did against the emulator."""
    return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 200))


def dynamodb_tables(request: dict[str, Any]) -> tuple[str, ...]:
    """The tables named in a serialised DynamoDB request (single, batch or transactional)."""
    try:
        body = json.loads(request.get("body") or b"{}")
    except ValueError:
        return ()
    names = set(body.get("RequestItems", {}))
    if "TableName" in body:
        names.add(body["TableName"])
    for item in body.get("TransactItems", []):
        names.update(part["TableName"] for part in item.values() if isinstance(part, dict) and "TableName" in part)
    return tuple(sorted(names))


def _copy_response(parsed: dict[str, Any]) -> dict[str, Any] | None:
    body = parsed.get("Body")
    if isinstance(body, StreamingBody):
        # S3 GetObject: read the stream once, hand the code a fresh stream over the same bytes
        # and keep the bytes, which `Replay` (and the cold start probes) wrap again per call.
        data = body.read()
        parsed["Body"] = StreamingBody(io.BytesIO(data), len(data))
        return copy.deepcopy({key: value for key, value in parsed.items() if key != "Body"}) | {"Body": data}
    try:
        return copy.deepcopy(parsed)
    except TypeError:  # anything else that cannot be copied is not replayed
        return None


def merge_counts(*counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    total: dict[str, Counter[str]] = defaultdict(Counter)
    for count in counts:
        for service, ops in count.items():
            total[service].update(ops)
    return {service: dict(sorted(ops.items())) for service, ops in sorted(total.items())}
