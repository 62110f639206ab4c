"""SnapStart priming: work moved into init, so the snapshot holds it (docs/bench.md).

Every function registers two runtime hooks through AWS's `snapshot-restore-py`, and only when
Lambda initialises it for a snapshot (`AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`): in tests,
the local stack and on-demand Lambda nothing is registered and the library is not even imported.

**Before the snapshot** (`prime`): the function's AWS clients are created (service models,
endpoint rules and the operation models of every action it is allowed, from
`bbws.core.functions`), then its handler, with the logger, metrics and tracer decorators
`instrument` puts around it (quietened: no log line, metric or trace of a rehearsal leaves the process, and
Powertools' cold start flags are set again afterwards), handles synthetic requests:

- an API function gets one request per route of `bbws.core.routes.ROUTES` it serves: list
  routes as an admin (answered an empty page), everything else anonymously with an empty JSON
  object body where the route takes one (request validation refuses it, or the route refuses
  the caller, or the item is not found). So every route's validators and serializers are built
  and the problem responses rendered. Every answer must be below 500, or priming fails (and with
  it `bbws verify`, and the version's publication). A route also gets the valid requests its
  handler module added (`add_valid_request`; orders-api: a valid order from the storefront key
  for a catalog that exists only in the stub's answers), which must get their status (202), so
  the path the first real order takes has run once before the snapshot.
- a queue consumer gets a batch of one malformed message, which must come back as that one
  item failed (partial batch response).

AWS is answered inside botocore before anything is signed or sent (a `before-call` handler on
the session every client is made from, active only while rehearsing): reads get empty answers
(`Query`: no items, `GetItem`: no item, `BatchGetItem`: no responses; while a valid request
is rehearsed, its items by key) and `SendMessage` a message id, so nothing leaves the process;
the writes a valid message names (`ValidMessage.writes`) are answered `{}` while it runs;
any other call (every other DynamoDB, S3 or SES write) fails priming. Before the rehearsals each
client makes one read so answered (`_WARM_READS`; a GetItem per table), so endpoint resolution
and the request path are built even where the rehearsal makes no AWS call. The handler stays
registered, inactive, after priming (unregistering would empty botocore's event lookup caches).

**After restore** (`after_restore`): `random` is reseeded (every environment restored from one
snapshot would otherwise draw the same numbers: botocore's retry jitter, X-Ray's sampling), and
every client's pooled connections are closed, so none opened before the snapshot is reused.
Ids, tokens and claims are drawn per request (`uuid4`, `secrets`: the OS's generator), never at
init. Credentials: a SnapStart function gets its role's credentials from Lambda's container
credentials endpoint, which botocore holds as refreshable credentials and renews before they
expire; priming never signs a request.
"""

from __future__ import annotations

import io
import json
import logging
import os
import random
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from typing import Any

from bbws.core.events import api_event, sqs_event
from bbws.core.functions import BY_NAME, LambdaFunction, Trigger
from bbws.core.routes import ROUTES

INITIALIZATION_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE"

SNAP_START = "snap-start"
REHEARSAL_MESSAGE_ID = "bbws-priming"

Handler = Callable[[dict[str, Any], Any], Any]

# What a rehearsal's AWS calls are answered (the reads empty, except the order rehearsal's
# catalog below; SendMessage with a message id, inside botocore, so nothing is sent); any other
# operation is refused.
_ANSWERS: dict[str, dict[str, Any]] = {
    "Query": {"Items": [], "Count": 0, "ScannedCount": 0},
    "GetItem": {},
    "BatchGetItem": {"Responses": {}, "UnprocessedKeys": {}},
    "GetSuppressedDestination": {},
    "GetQueueAttributes": {"Attributes": {}},
    "HeadBucket": {},
    "SendMessage": {"MessageId": REHEARSAL_MESSAGE_ID},
}
# The authorizer's form of an admin's claims, for the rehearsals that list as an admin.
_ADMIN_CLAIMS = {"sub": "bbws-priming", "cognito:groups": "[admin]"}
# One read per client before the rehearsals (answered as above, its answer dropped), so every
# client has resolved its endpoint and run its request path once even where the rehearsal
# makes no AWS call (the consumers' malformed message fails before any).
_WARM_READS: dict[str, tuple[str, dict[str, Any]]] = {
    "sqs": ("get_queue_attributes", {"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/000000000000/bbws-priming"}),
    "s3": ("head_bucket", {"Bucket": "bbws-priming"}),
    "sesv2": ("get_suppressed_destination", {"EmailAddress": "priming@example.com"}),
}


@dataclass(frozen=True)
class ValidRequest:
    """A request a route accepts, rehearsed besides the refused ones (`add_valid_request`), with
    the items its reads find (GetItem and BatchGetItem, by key). They exist only in the stub's
    answers while that one rehearsal runs: their keys are ids no real request names, and
    nothing stores them."""

    method: str
    path: str
    status: int  # the status it must be answered
    items: Callable[[], list[dict[str, Any]]]  # as the tables hold them (`to_item`'s form)
    body: dict[str, Any] | None = None
    api_key: bool = False  # sent with the storefront key
    admin: bool = False  # sent with an admin's claims


@dataclass(frozen=True)
class ValidMessage:
    """A message a queue consumer handles (`add_valid_message`), rehearsed besides the malformed
    one: its reads find `items` (as `ValidRequest`'s do), and the writes it makes, named in
    `writes` (e.g. {"PutItem", "SendMessage"}), are answered inside botocore like the reads, so
    the consumer's whole success path runs once before the snapshot and nothing leaves the
    process. A write it does not name fails priming."""

    description: str
    body: dict[str, Any]
    items: Callable[[], list[dict[str, Any]]]
    writes: frozenset[str]


_VALID_REQUESTS: dict[str, list[ValidRequest]] = {}
_VALID_MESSAGES: dict[str, list[ValidMessage]] = {}


def add_valid_request(function: str, request: ValidRequest) -> None:
    """Rehearse `request` too when `function` primes (a handler module calls it at import)."""
    _VALID_REQUESTS.setdefault(function, []).append(request)


def add_valid_message(function: str, message: ValidMessage) -> None:
    """Rehearse `message` too when the consumer `function` primes (its module calls it at import)."""
    _VALID_MESSAGES.setdefault(function, []).append(message)


# IAM service prefix -> boto3 client name.
_CLIENTS = {"dynamodb": "dynamodb", "sqs": "sqs", "s3": "s3", "ses": "sesv2", "secretsmanager": "secretsmanager"}
# Powertools idempotency takes a low-level client; every other DynamoDB use is a Table.
_LOW_LEVEL_DYNAMODB = frozenset({"orders-api"})


class PrimingError(RuntimeError):
    """A rehearsal went wrong: the function would publish a broken snapshot."""


def under_snap_start() -> bool:
    return os.environ.get(INITIALIZATION_TYPE) == SNAP_START


def register(function: str, handler: Handler) -> bool:
    """Register `function`'s priming hooks when Lambda initialises it for a snapshot; inert
    (False, nothing imported) anywhere else."""
    if not under_snap_start():
        return False
    from snapshot_restore_py import register_after_restore, register_before_snapshot  # noqa: PLC0415 - SnapStart only

    register_before_snapshot(prime, BY_NAME[function], handler)
    register_after_restore(after_restore)
    return True


# --- the rehearsal ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rehearsal:
    description: str
    event: dict[str, Any]
    check: Callable[[Any], str | None]  # why the answer is wrong, or None
    items: Callable[[], list[dict[str, Any]]] | None = None  # what its reads find (ValidRequest)
    writes: frozenset[str] = frozenset()  # the writes answered inside botocore (ValidMessage)


class _Context:
    """The attributes of Lambda's context the handlers and Powertools read."""

    function_name = "bbws-priming"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:000000000000:function:bbws-priming"
    aws_request_id = "bbws-priming"
    log_group_name = "/aws/lambda/bbws-priming"
    log_stream_name = "priming"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _below_500(answer: Any) -> str | None:
    status = answer.get("statusCode") if isinstance(answer, dict) else None
    if isinstance(status, int) and status < 500:
        return None
    return f"answered {str(answer)[:300]}"


def _status(expected: int) -> Callable[[Any], str | None]:
    def check(answer: Any) -> str | None:
        if isinstance(answer, dict) and answer.get("statusCode") == expected:
            return None
        return f"expected {expected}, got {str(answer)[:300]}"

    return check


def _one_failed_item(answer: Any) -> str | None:
    if answer == {"batchItemFailures": [{"itemIdentifier": REHEARSAL_MESSAGE_ID}]}:
        return None
    return f"expected the malformed message as the one failed item, got {str(answer)[:300]}"


def _no_failed_item(answer: Any) -> str | None:
    if answer == {"batchItemFailures": []}:
        return None
    return f"expected the message handled (no failed item), got {str(answer)[:300]}"


def rehearsals(function: LambdaFunction) -> list[Rehearsal]:
    """The synthetic invocations `function` handles before the snapshot."""
    if function.trigger is Trigger.QUEUE:
        event = sqs_event(json.dumps({"priming": True}), message_id=REHEARSAL_MESSAGE_ID, queue="bbws-priming")
        found = [Rehearsal("a malformed message", event, _one_failed_item)]
        for message in _VALID_MESSAGES.get(function.name, []):
            event = sqs_event(json.dumps(message.body), message_id=REHEARSAL_MESSAGE_ID, queue="bbws-priming")
            found.append(Rehearsal(message.description, event, _no_failed_item, message.items, message.writes))
        return found
    found, accepted = [], []
    for route in ROUTES:
        if route.function != function.name:
            continue
        path = route.path.replace("{", "").replace("}", "")  # "/products/productId": an id
        listing = route.method == "GET" and "{" not in route.path
        body = "{}" if route.method in ("POST", "PUT", "PATCH") else None
        claims = _ADMIN_CLAIMS if listing else None
        event = api_event(
            route.method, path, body=body, claims=claims, request_id=REHEARSAL_MESSAGE_ID, source="bbws-priming"
        )
        found.append(Rehearsal(f"{route.method} {route.path}", event, _below_500))
        for valid in _VALID_REQUESTS.get(function.name, []):
            if (valid.method, valid.path) != (route.method, route.path):
                continue
            event = api_event(
                route.method,
                path,
                body=json.dumps(valid.body) if valid.body is not None else None,
                claims=_ADMIN_CLAIMS if valid.admin else None,
                api_key="priming" if valid.api_key else None,
                request_id=REHEARSAL_MESSAGE_ID,
                source="bbws-priming",
            )
            description = f"{route.method} {route.path} (valid request)"
            accepted.append(Rehearsal(description, event, _status(valid.status), valid.items))
    # The accepted requests last: the paths real traffic takes are the freshest before the snapshot.
    return found + accepted


# --- AWS answered inside botocore ----------------------------------------------------------


def _warm_reads(function: LambdaFunction) -> None:
    """One read through each client `function` uses, answered by the stub (`_WARM_READS`; a
    GetItem per table): endpoint resolution, request serialisation and botocore's event
    lookups run once before the snapshot instead of in the first real request."""
    from bbws.core import aws  # noqa: PLC0415 - boto3, for functions that call AWS only
    from bbws.core.settings import get_settings  # noqa: PLC0415

    settings = get_settings()
    services = {action.partition(":")[0] for action in function.aws_actions}
    for service in sorted(services):
        if service == "dynamodb":
            for name in sorted(name for name in function.settings if name.endswith("_table_name")):
                aws.table(settings.require(name)).get_item(Key={"pk": REHEARSAL_MESSAGE_ID, "sk": REHEARSAL_MESSAGE_ID})
        elif _CLIENTS[service] in _WARM_READS:
            operation, params = _WARM_READS[_CLIENTS[service]]
            getattr(aws.client(_CLIENTS[service]), operation)(**params)


def _clients(function: LambdaFunction) -> list[Any]:
    """Create the clients `function` uses (cached in `bbws.core.aws`, so its requests reuse
    them) and load the operation model of every action it is allowed."""
    from bbws.core import aws  # noqa: PLC0415 - boto3, for functions that call AWS only
    from bbws.core.settings import get_settings  # noqa: PLC0415

    settings = get_settings()
    made: list[Any] = []
    services = {action.partition(":")[0] for action in function.aws_actions}
    for service in sorted(services):
        if service == "dynamodb":
            tables = sorted(name for name in function.settings if name.endswith("_table_name"))
            made.extend(aws.table(settings.require(name)).meta.client for name in tables)
            if function.name in _LOW_LEVEL_DYNAMODB:
                made.append(aws.dynamodb())
        else:
            made.append(aws.client(_CLIENTS[service]))
    for client in made:
        model = client.meta.service_model  # its signing name is the IAM prefix (sesv2: ses)
        for action in function.aws_actions:
            service, _, operation = action.partition(":")
            if service == model.signing_name and operation in model.operation_names:
                model.operation_model(operation)
    return made


def _wire_key(key: Any) -> str:
    return json.dumps(key, sort_keys=True)


def _wire_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeSerializer  # noqa: PLC0415 - boto3 is loaded by now

    serializer = TypeSerializer()
    return [{name: serializer.serialize(value) for name, value in item.items()} for item in items]


class _Stub:
    """botocore `before-call` handler: while active, answers what `_ANSWERS` lists (reads of
    the priming catalog with its items) and refuses anything else; inactive, it lets every
    call through (a client made during priming keeps a copy)."""

    def __init__(self) -> None:
        self.active = False
        self.calls: list[str] = []
        self.catalog: dict[str, dict[str, Any]] = {}  # the current rehearsal's items, by key
        self.writes: frozenset[str] = frozenset()  # the writes the current rehearsal may make

    @contextmanager
    def finding(
        self, items: Callable[[], list[dict[str, Any]]] | None, writes: frozenset[str] = frozenset()
    ) -> Iterator[None]:
        """While one rehearsal runs, its reads find `items` and its `writes` are answered."""
        wire = _wire_items(items()) if items is not None else []
        self.catalog = {_wire_key({"pk": item["pk"], "sk": item["sk"]}): item for item in wire}
        self.writes = writes
        try:
            yield
        finally:
            self.catalog, self.writes = {}, frozenset()

    def _answer(self, operation: str, body: dict[str, Any]) -> dict[str, Any] | None:
        if operation in self.writes:  # DynamoDB's and SESv2's answer to a plain write
            return {}
        answer = _ANSWERS.get(operation)
        if answer is None or not self.catalog or operation not in ("GetItem", "BatchGetItem", "Query"):
            return answer
        if operation == "Query":  # a listing rehearsal's page: every item of its catalog
            items = list(self.catalog.values())
            return {"Items": items, "Count": len(items), "ScannedCount": len(items)}
        if operation == "GetItem":
            item = self.catalog.get(_wire_key(body.get("Key")))
            return {"Item": item} if item else answer
        responses = {
            table: [self.catalog[k] for k in map(_wire_key, request.get("Keys", [])) if k in self.catalog]
            for table, request in body.get("RequestItems", {}).items()
        }
        return {"Responses": responses, "UnprocessedKeys": {}}

    def __call__(self, model: Any, params: dict[str, Any] | None = None, **_: Any) -> Any:
        if not self.active:
            return None
        from botocore.awsrequest import AWSResponse, HTTPHeaders  # noqa: PLC0415 - boto3 is loaded by now

        self.calls.append(model.name)
        raw = (params or {}).get("body") or b"{}"
        try:
            body = json.loads(raw) if model.name in ("GetItem", "BatchGetItem") else {}
        except ValueError:
            body = {}
        answer = self._answer(model.name, body)
        if answer is None:
            raise PrimingError(f"a priming rehearsal called {model.name}, which it must never do")
        return AWSResponse("https://priming.invalid/", 200, HTTPHeaders(), None), json.loads(json.dumps(answer))


_STUB_ID = "bbws-priming-stub"
# One stub per process: it stays registered, inactive, after priming (unregistering a handler
# empties botocore's event lookup caches, which the first real request would then rebuild), and
# the clients made while priming hold a copy of it.
_STUB = _Stub()


@contextmanager
def _aws_answered(function: LambdaFunction) -> Iterator[_Stub]:
    stub = _STUB
    stub.calls.clear()
    if not function.aws_actions:
        yield stub
        return
    from bbws.core import aws  # noqa: PLC0415 - boto3, for functions that call AWS only

    aws.session().events.register("before-call", stub, unique_id=_STUB_ID)
    _clients(function)  # made after the handler is in: each copies the session's
    stub.active = True
    try:
        _warm_reads(function)
        yield stub
    finally:
        stub.active = False


# Powertools' "is this the first invocation" flags (module globals of the logger, the metrics
# provider and the tracer). A rehearsal clears them; the first invocation after a restore is
# the environment's cold start and must say so (the `cold_start` log key, X-Ray's ColdStart).
_COLD_START_FLAGS = (
    "aws_lambda_powertools.logging.logger",
    "aws_lambda_powertools.metrics.provider.cold_start",
    "aws_lambda_powertools.tracing.tracer",
)


@contextmanager
def _quiet() -> Iterator[None]:
    """No X-Ray segments, log lines or metrics from a rehearsal, and the cold start still ahead.

    The rehearsals run the handler with its decorators (logger, metrics, tracer), so their first
    run is in the snapshot too, log lines formatted as real ones are: the logger writes to a
    buffer, X-Ray is off, and the metrics each invocation flushes (Powertools prints them to
    stdout as EMF) go to a buffer; both are dropped here."""
    from bbws.core.observability import logger, metrics  # noqa: PLC0415 - observability imports this module

    xray = sys.modules.get("aws_xray_sdk")
    config = getattr(xray, "global_sdk_config", None)
    tracing = config.sdk_enabled() if config is not None else None
    if config is not None:
        config.set_sdk_enabled(False)
    handler = logger.registered_handler
    stream = handler.setStream(io.StringIO()) if isinstance(handler, logging.StreamHandler) else None
    try:
        with redirect_stdout(io.StringIO()):
            yield
    finally:
        if stream is not None:
            handler.setStream(stream)  # type: ignore[attr-defined]
        metrics.clear_metrics()
        if config is not None and tracing is not None:
            config.set_sdk_enabled(tracing)
        for name in _COLD_START_FLAGS:
            module = sys.modules.get(name)
            if module is not None:
                module.is_cold_start = True  # type: ignore[attr-defined]


def prime(function: LambdaFunction, handler: Handler) -> None:
    """The before-snapshot hook: clients, models and the rehearsals of `function`'s handler."""
    context = _Context()
    with _aws_answered(function) as stub, _quiet():
        for rehearsal in rehearsals(function):
            with stub.finding(rehearsal.items, rehearsal.writes):
                wrong = rehearsal.check(handler(rehearsal.event, context))
            if wrong is not None:
                raise PrimingError(f"{function.name} priming, {rehearsal.description}: {wrong}")


def after_restore() -> None:
    """The after-restore hook: fresh randomness, no connection from before the snapshot."""
    random.seed()
    aws = sys.modules.get("bbws.core.aws")  # health never loads boto3, and must not here
    if aws is not None:
        aws.close_connections()
