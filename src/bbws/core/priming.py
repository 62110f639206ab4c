"""SnapStart priming: work moved into init, so the snapshot holds it (docs/bench.md).

Every function registers two runtime hooks through AWS's `snapshot-restore-py`, and only when
Lambda initialises it for a snapshot (`AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`): in tests,
the local stack and on-demand Lambda nothing is registered and the library is not even imported.

**Before the snapshot** (`prime`): the function's AWS clients are created (service models,
endpoint rules and the operation models of every action it is allowed, from
`bbws.core.functions`), then its own handler — the one `instrument` wraps, so no metric is
flushed and no log line of the rehearsal reaches CloudWatch — handles synthetic requests:

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
any other call (every DynamoDB, S3 or SES write) fails priming. Before the rehearsals each
client makes one read so answered (`_WARM_READS`; a GetItem per table), so endpoint resolution
and the request path are built even where the rehearsal makes no AWS call. The handler stays
registered, inactive, after priming (unregistering would empty botocore's event lookup caches).
The logger's correlation id path is parsed once. X-Ray is off while rehearsing; the metrics the
rehearsal recorded are cleared.

**After restore** (`after_restore`): `random` is reseeded (every environment restored from one
snapshot would otherwise draw the same numbers: botocore's retry jitter, X-Ray's sampling), and
every client's pooled connections are closed, so none opened before the snapshot is reused.
Ids, tokens and claims are drawn per request (`uuid4`, `secrets`: the OS's generator), never at
init. Credentials: a SnapStart function gets its role's credentials from Lambda's container
credentials endpoint, which botocore holds as refreshable credentials and renews before they
expire; priming never signs a request.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


_VALID_REQUESTS: dict[str, list[ValidRequest]] = {}


def add_valid_request(function: str, request: ValidRequest) -> None:
    """Rehearse `request` too when `function` primes (a handler module calls it at import)."""
    _VALID_REQUESTS.setdefault(function, []).append(request)


# IAM service prefix -> boto3 client name.
_CLIENTS = {"dynamodb": "dynamodb", "sqs": "sqs", "s3": "s3", "ses": "sesv2", "secretsmanager": "secretsmanager"}
# Powertools idempotency takes a low-level client; every other DynamoDB use is a Table.
_LOW_LEVEL_DYNAMODB = frozenset({"orders-api"})


class PrimingError(RuntimeError):
    """A rehearsal went wrong: the function would publish a broken snapshot."""


def under_snap_start() -> bool:
    return os.environ.get(INITIALIZATION_TYPE) == SNAP_START


def register(function: str, handler: Handler, correlation_path: str | None = None) -> bool:
    """Register `function`'s priming hooks when Lambda initialises it for a snapshot; inert
    (False, nothing imported) anywhere else."""
    if not under_snap_start():
        return False
    from snapshot_restore_py import register_after_restore, register_before_snapshot  # noqa: PLC0415 - SnapStart only

    register_before_snapshot(prime, BY_NAME[function], handler, correlation_path)
    register_after_restore(after_restore)
    return True


# --- the rehearsal ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rehearsal:
    description: str
    event: dict[str, Any]
    check: Callable[[Any], str | None]  # why the answer is wrong, or None
    items: Callable[[], list[dict[str, Any]]] | None = None  # what its reads find (ValidRequest)


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


def rehearsals(function: LambdaFunction) -> list[Rehearsal]:
    """The synthetic invocations `function` handles before the snapshot."""
    if function.trigger is Trigger.QUEUE:
        event = sqs_event(json.dumps({"priming": True}), message_id=REHEARSAL_MESSAGE_ID, queue="bbws-priming")
        return [Rehearsal("a malformed message", event, _one_failed_item)]
    found = []
    for route in ROUTES:
        if route.function != function.name:
            continue
        path = route.path.replace("{", "").replace("}", "")  # "/products/productId": an id
        listing = route.method == "GET" and "{" not in route.path
        body = "{}" if route.method in ("POST", "PUT", "PATCH") else None
        claims = {"sub": "bbws-priming", "cognito:groups": "[admin]"} if listing else None  # the authorizer's form
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
                api_key="priming" if valid.api_key else None,
                request_id=REHEARSAL_MESSAGE_ID,
                source="bbws-priming",
            )
            description = f"{route.method} {route.path} (valid request)"
            found.append(Rehearsal(description, event, _status(valid.status), valid.items))
    return found


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

    @contextmanager
    def finding(self, items: Callable[[], list[dict[str, Any]]] | None) -> Iterator[None]:
        """While one rehearsal runs, its reads find `items`."""
        wire = _wire_items(items()) if items is not None else []
        self.catalog = {_wire_key({"pk": item["pk"], "sk": item["sk"]}): item for item in wire}
        try:
            yield
        finally:
            self.catalog = {}

    def _answer(self, operation: str, body: dict[str, Any]) -> dict[str, Any] | None:
        answer = _ANSWERS.get(operation)
        if answer is None or not self.catalog or operation not in ("GetItem", "BatchGetItem"):
            return answer
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


@contextmanager
def _quiet() -> Iterator[None]:
    """No X-Ray segments, log lines or metrics from a rehearsal."""
    from bbws.core.observability import logger, metrics  # noqa: PLC0415 - observability imports this module

    xray = sys.modules.get("aws_xray_sdk")
    config = getattr(xray, "global_sdk_config", None)
    tracing = config.sdk_enabled() if config is not None else None
    level = logger.log_level
    if config is not None:
        config.set_sdk_enabled(False)
    logger.setLevel("CRITICAL")
    try:
        yield
    finally:
        logger.setLevel(level)
        metrics.clear_metrics()
        if config is not None and tracing is not None:
            config.set_sdk_enabled(tracing)


def _parse_correlation_path(path: str | None) -> None:
    """The logger's correlation id path, parsed once (jmespath caches parsed expressions), so
    the first request does not parse it."""
    if path:
        from aws_lambda_powertools.utilities.jmespath_utils import query  # noqa: PLC0415 - the logger's own

        query(envelope=path, data={})


def prime(function: LambdaFunction, handler: Handler, correlation_path: str | None = None) -> None:
    """The before-snapshot hook: clients, models and one rehearsal per route or message kind."""
    context = _Context()
    _parse_correlation_path(correlation_path)
    with _aws_answered(function) as stub, _quiet():
        for rehearsal in rehearsals(function):
            with stub.finding(rehearsal.items):
                wrong = rehearsal.check(handler(rehearsal.event, context))
            if wrong is not None:
                raise PrimingError(f"{function.name} priming, {rehearsal.description}: {wrong}")


def after_restore() -> None:
    """The after-restore hook: fresh randomness, no connection from before the snapshot."""
    random.seed()
    aws = sys.modules.get("bbws.core.aws")  # health never loads boto3, and must not here
    if aws is not None:
        aws.close_connections()
