"""The library floor of each function: the same libraries and features, a trivial handler.

A function's init is held to its floor (SPEC §9: init <= 1.15 x floor), so the floor must load
what the function's own stack needs and nothing the project adds: Powertools' logger and
metrics, the tracer patching botocore (what is traced), the API Gateway REST resolver with or
without request validation and one pydantic route, the SQS batch processor with one pydantic
message, idempotency, Jinja2's sandbox, and the boto3 clients the function calls. When the
function registers a priming hook, the floor registers the equivalent: one synthetic request
through its resolver or processor, each client called once with a stubbed answer (botocore's
Stubber: no network). `tests/bench` checks that each floor loads the same third-party
distributions as its function.

Probes run `from bench.floors import build; lambda_handler = build("<function>", priming=...)`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class Stack:
    resolver: bool = False  # API Gateway REST resolver
    validation: bool = False  # enable_validation, one route with a pydantic body
    tracer: bool = False  # Powertools Tracer, patching botocore only
    batch: bool = False  # SQS BatchProcessor with a pydantic message model
    idempotency: bool = False  # Powertools idempotency on DynamoDB
    templates: bool = False  # Jinja2's immutable sandbox rendering one template
    emails: bool = False  # email-validator checking one address (the function validates or keys emails)
    clients: tuple[str, ...] = ()  # what the function calls: dynamodb (Table + client), sqs, s3, sesv2


STACKS: dict[str, Stack] = {
    "health": Stack(resolver=True),
    "products-api": Stack(resolver=True, validation=True, tracer=True, clients=("dynamodb",)),
    "campaigns-api": Stack(resolver=True, validation=True, tracer=True, clients=("dynamodb",)),
    "orders-api": Stack(
        resolver=True, validation=True, tracer=True, idempotency=True, emails=True, clients=("dynamodb", "sqs")
    ),
    "orders-consumer": Stack(batch=True, tracer=True, emails=True, clients=("dynamodb", "sqs")),
    "tenants-api": Stack(resolver=True, validation=True, tracer=True, emails=True, clients=("dynamodb",)),
    "notifications-consumer": Stack(batch=True, tracer=True, templates=True, clients=("dynamodb", "s3", "sesv2")),
    "email-events-consumer": Stack(batch=True, tracer=True, clients=("dynamodb", "sesv2")),
}

# One call per client, with the answer botocore's Stubber gives it during priming.
_CALLS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "dynamodb": ("get_item", {"TableName": "floor", "Key": {"pk": {"S": "x"}}}, {"Item": {"pk": {"S": "x"}}}),
    "sqs": ("send_message", {"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/1/q", "MessageBody": "{}"}, {}),
    "s3": ("get_object", {"Bucket": "floor", "Key": "template"}, {}),
    "sesv2": ("send_email", {"FromEmailAddress": "a@example.com", "Content": {"Raw": {"Data": b"x"}}}, {}),
}


def _clients(services: tuple[str, ...]) -> tuple[list[Callable[[], Any]], list[tuple[Any, str, dict[str, Any]]]]:
    """Create the clients (the DynamoDB Table resource too); return one call per client and the
    (client, method, response) triples that answer them while priming."""
    if not services:
        return [], []
    import boto3

    session = boto3.session.Session()
    calls: list[Callable[[], Any]] = []
    answers: list[tuple[Any, str, dict[str, Any]]] = []
    for service in services:
        method, params, response = _CALLS[service]
        client = session.client(service)  # type: ignore[call-overload]
        if service == "dynamodb":
            table = session.resource("dynamodb").Table("floor")
            calls.append(lambda table=table: table.get_item(Key={"pk": "x"}))
            client = table.meta.client
        else:
            calls.append(lambda client=client, method=method, params=params: getattr(client, method)(**params))
        if service == "s3":
            from botocore.response import StreamingBody

            response = {"Body": StreamingBody(io.BytesIO(b"Hello {{ name }}"), 16)}
        answers.append((client, method, response))
    return calls, answers


def build(name: str, *, priming: bool) -> Handler:  # noqa: PLR0915 - one branch per feature
    """The floor's lambda_handler; with `priming` it registers a before-snapshot hook, as the
    bench does exactly when the function itself registers one."""
    stack = STACKS[name]
    from aws_lambda_powertools import Logger, Metrics

    logger, metrics = Logger(), Metrics()
    calls: list[Callable[[], Any]] = []
    answers: list[tuple[Any, str, dict[str, Any]]] = []
    if stack.clients and priming:  # priming creates the clients before the snapshot
        calls, answers = _clients(stack.clients)
    elif stack.clients:  # like the functions: boto3 imported at init, clients at first use
        import boto3  # noqa: F401
    if stack.tracer:
        from aws_lambda_powertools import Tracer

        Tracer(patch_modules=["botocore"])
    if stack.idempotency:
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

        DynamoDBPersistenceLayer(table_name="floor", boto3_client=answers[0][0] if answers else None)
        IdempotencyConfig(event_key_jmespath="key")
    render: Callable[[], str] = str
    if stack.templates:
        from jinja2 import DictLoader
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        environment = ImmutableSandboxedEnvironment(loader=DictLoader({"t": "Hello {{ name }}"}), autoescape=True)

        def render() -> str:
            return environment.get_template("t").render(name="floor")

    check_email: Callable[[], Any] = str
    if stack.emails:
        from email_validator import validate_email

        def check_email() -> Any:
            return validate_email("floor@example.com", check_deliverability=False)

    def work() -> None:
        if stack.clients and not calls:
            calls.extend(_clients(stack.clients)[0])
        for call in calls:
            call()
        render()
        check_email()

    inner: Handler
    event: dict[str, Any]
    if stack.resolver:
        from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver

        app = APIGatewayRestResolver(enable_validation=stack.validation)
        if stack.validation:
            from pydantic import BaseModel

            class Item(BaseModel):
                name: str
                quantity: int

            @app.post("/items")
            def create(item: Item) -> Item:
                work()
                return item

            event = _api_event("POST", '{"name": "floor", "quantity": 1}')
        else:

            @app.get("/items")
            def read() -> dict[str, str]:
                work()
                return {"status": "ok"}

            event = _api_event("GET", None)

        def inner(event: dict[str, Any], context: Any) -> Any:
            return app.resolve(event, context)

    else:
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
        from pydantic import BaseModel

        class Message(BaseModel):
            order_id: str

        def record_handler(record: Any) -> None:
            Message.model_validate_json(record.body)
            work()

        def inner(event: dict[str, Any], context: Any) -> Any:
            processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
            return process_partial_response(
                event=event, record_handler=record_handler, processor=processor, context=context
            )

        event = {"Records": [_sqs_record('{"order_id": "floor"}')]}

    if priming:
        _register_priming(inner, event, answers)

    return logger.inject_lambda_context(metrics.log_metrics(inner))  # type: ignore[no-any-return]


def _register_priming(inner: Handler, event: dict[str, Any], answers: list[tuple[Any, str, dict[str, Any]]]) -> None:
    from snapshot_restore_py import register_before_snapshot

    def prime() -> None:
        stubbers = []
        for client, method, response in answers:  # none for a stack without AWS (no botocore)
            from botocore.stub import Stubber

            stubber = Stubber(client)
            stubber.add_response(method, response)
            stubber.activate()
            stubbers.append(stubber)
        try:
            inner(event, None)
        finally:
            for stubber in stubbers:
                stubber.deactivate()

    register_before_snapshot(prime)


def _api_event(method: str, body: str | None) -> dict[str, Any]:
    return {
        "resource": "/items",
        "path": "/items",
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "requestContext": {"requestId": "floor", "resourcePath": "/items", "httpMethod": method, "stage": "v1"},
        "body": body,
        "isBase64Encoded": False,
    }


def _sqs_record(body: str) -> dict[str, Any]:
    return {
        "messageId": "floor",
        "receiptHandle": "floor",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:floor",
        "awsRegion": "eu-west-1",
    }
