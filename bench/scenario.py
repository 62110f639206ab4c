"""One shop's day through every function, in-process against the emulator: the catalog is
built, orders are posted and their messages consumed, orders are read and paid. Each step keeps
its response and every AWS call it made; the call counts and the warm replay come from here."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tests.support.events import admin_claims, api_event, tenant_claims

from bbws.core.routes import ROUTES
from bbws.local.provision import LOCAL_FROM_EMAIL
from bbws.local.ses_events import EventKind, ses_event
from bbws.notifications.models.emails import ORDER_TAG, TEMPLATE_TAG, EmailTemplate
from bench.calls import Call, CallLog, merge_counts
from bench.world import Invocation, World

STOREFRONT_KEY = "bench-storefront-key"
EMAIL_EVENTS_QUEUE = "email-events"  # the logical queue SES's events reach (provision.TOPIC_QUEUES)
BOUNCE_STEP = "email-events-consumer: hard bounce"

PRODUCTS: tuple[dict[str, Any], ...] = (
    {
        "productId": "bench-website",
        "name": "Business Website",
        "description": "A five-page responsive website with a contact form.",
        "price": "4999.00",
        "currency": "ZAR",
        "features": ["Five pages", "Contact form", "SEO basics"],
        "billingCycle": "once",
    },
    {
        "productId": "bench-hosting",
        "name": "Managed Hosting",
        "description": "Hosting with TLS, daily backups and monitoring.",
        "price": "299.00",
        "currency": "ZAR",
        "features": ["TLS certificate", "Daily backups", "Uptime monitoring"],
        "billingCycle": "monthly",
    },
)
CAMPAIGN: dict[str, Any] = {
    "code": "BENCH10",
    "description": "Ten percent off the whole catalog",
    "discountPercent": "10",
    "productIds": [],
}
TENANT: dict[str, Any] = {"name": "Acme Holdings", "contactEmail": "owner@acme.example"}
CUSTOMER_EMAIL = "buyer@shop.example"


def order_body() -> dict[str, Any]:
    return {
        "customerEmail": CUSTOMER_EMAIL,
        "customerId": "customer-1",
        "currency": "ZAR",
        "campaignCode": CAMPAIGN["code"],
        "items": [
            {"productId": PRODUCTS[0]["productId"], "quantity": 1},
            {"productId": PRODUCTS[1]["productId"], "quantity": 2},
        ],
    }


class Kind(StrEnum):
    """What a step is, which decides the DynamoDB target it is held to (SPEC §9)."""

    NO_AWS = "no AWS"  # GET /health: no AWS call at all
    ITEM_READ = "item read"  # one GetItem
    LIST_PAGE = "list page"  # one Query
    WRITE = "write"  # no target beyond 0 Scans
    ORDER_SUBMIT = "order submit"  # POST /orders: pricing reads, idempotency, enqueue
    ORDER_CREATE = "order create"  # orders-consumer: one TransactWriteItems + idempotency
    NOTIFY = "notify"  # notifications-consumer
    EMAIL_EVENT = "email event"  # email-events-consumer: an SES event about a sent email


@dataclass
class Step:
    name: str
    kind: Kind
    function: str
    route: str | None  # "METHOD /path/{param}" of the route table, for API steps
    event: dict[str, Any] | None = None
    status: int | None = None
    ok: bool = False
    calls: list[Call] = field(default_factory=list)
    response: Any = None
    note: str | None = None

    def counts(self) -> dict[str, dict[str, int]]:
        return CallLog(calls=self.calls).counts()


@dataclass
class Scenario:
    steps: list[Step] = field(default_factory=list)
    orders: list[list[Step]] = field(default_factory=list)  # per order: submit, create, notify...
    notes: list[str] = field(default_factory=list)

    def first_ok(self, route: str) -> Step | None:
        return next((s for s in self.steps if s.route == route and s.ok), None)


def _route_key(method: str, path: str) -> str:
    return f"{method} {path}"


ROUTE_KEYS = {_route_key(r.method, r.path) for r in ROUTES}


def _body(invocation: Invocation) -> Any:
    body = invocation.response.get("body") if isinstance(invocation.response, dict) else None
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _header(invocation: Invocation, name: str) -> str | None:
    response = invocation.response if isinstance(invocation.response, dict) else {}
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower() and values:
            return str(values[0])
    return None


class Runner:
    def __init__(self, world: World) -> None:
        self.world = world
        self.scenario = Scenario()

    def api(
        self,
        name: str,
        kind: Kind,
        function: str,
        method: str,
        template: str,
        *,
        params: dict[str, str] | None = None,
        expect: int,
        record: bool = True,
        **event_args: Any,
    ) -> tuple[Step, Invocation | None]:
        path = template.format(**(params or {}))
        route = _route_key(method, template)
        assert route in ROUTE_KEYS, route
        event = api_event(method, path, resource=template, path_parameters=params, **event_args)
        step = Step(name, kind, function, route, event)
        invocation = self.world.invoke(function, event)
        if invocation is None:
            step.note = f"{function} unavailable: {self.world.unavailable.get(function)}"
        else:
            step.status, step.calls, step.response = invocation.status, invocation.calls, _body(invocation)
            step.ok = step.status == expect
            if not step.ok:
                step.note = f"expected {expect}, got {step.status}: {json.dumps(step.response)[:300]}"
        if record:
            self.scenario.steps.append(step)
        return step, invocation

    def consume(self, name: str, kind: Kind, function: str, queue: str) -> list[Step]:
        """Receive every message on the queue (a settings field, or a logical queue name such
        as "email-events"), as Lambda's event source mapping would, and hand each to the
        consumer in a batch of one; delete it when the consumer accepts it."""
        sqs = self.world.client("sqs")
        resources = self.world.resources
        url = resources.settings[queue] if queue in resources.settings else resources.queue_url(queue)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        steps: list[Step] = []
        while True:
            received = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"], MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not received:
                return steps
            message = received[0]
            event = {"Records": [_sqs_record(message, arn)]}
            step = Step(name, kind, function, None, event)
            invocation = self.world.invoke(function, event)
            if invocation is None:
                step.note = f"{function} unavailable: {self.world.unavailable.get(function)}"
                steps.append(step)
                return steps  # leave the message; nothing can consume it
            step.calls, step.response = invocation.calls, invocation.response
            failures = (invocation.response or {}).get("batchItemFailures", [])
            step.ok = not failures
            if failures:
                step.note = f"the consumer failed the record: {failures}"
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            self.scenario.steps.append(step)
            steps.append(step)


def _sqs_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            key: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType"),
            }
            for key, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": arn.split(":")[3],
    }


def _place_order(runner: Runner, label: str, headers: dict[str, str] | None = None) -> list[Step]:
    submit, _ = runner.api(
        f"post order{label}",
        Kind.ORDER_SUBMIT,
        "orders-api",
        "POST",
        "/orders",
        expect=202,
        body=order_body(),
        api_key=STOREFRONT_KEY,
        headers=headers,
    )
    if not submit.ok:
        return [submit]
    created = runner.consume(
        f"orders-consumer: one message{label}", Kind.ORDER_CREATE, "orders-consumer", "orders_queue_url"
    )
    notified = runner.consume(
        f"notifications-consumer: ORDER_CREATED{label}",
        Kind.NOTIFY,
        "notifications-consumer",
        "notifications_queue_url",
    )
    return [submit, *created, *notified]


def run(world: World) -> Scenario:
    """The steps, in an order where each one's preconditions hold (what they create first)."""
    r = Runner(world)
    admin = admin_claims()
    first, second = PRODUCTS[0]["productId"], PRODUCTS[1]["productId"]

    r.api("health", Kind.NO_AWS, "health", "GET", "/health", expect=200)

    # Catalog
    r.api("create product", Kind.WRITE, "products-api", "POST", "/products", expect=201, body=PRODUCTS[0], claims=admin)
    r.api(
        "create product",
        Kind.WRITE,
        "products-api",
        "POST",
        "/products",
        expect=201,
        body=PRODUCTS[1],
        record=False,
        claims=admin,
    )
    _, got_invocation = r.api(
        "get product",
        Kind.ITEM_READ,
        "products-api",
        "GET",
        "/products/{productId}",
        params={"productId": first},
        expect=200,
    )
    r.api(
        "list products page",
        Kind.LIST_PAGE,
        "products-api",
        "GET",
        "/products",
        expect=200,
        query={"limit": "20"},
    )
    r.api(
        "list products page (admin, includeInactive)",
        Kind.LIST_PAGE,
        "products-api",
        "GET",
        "/products",
        expect=200,
        query={"includeInactive": "true"},
        claims=admin,
    )
    etag = _header(got_invocation, "ETag") if got_invocation else None
    replacement = {k: v for k, v in PRODUCTS[0].items() if k != "productId"} | {"name": "Business Website Plus"}
    r.api(
        "update product (If-Match)",
        Kind.WRITE,
        "products-api",
        "PUT",
        "/products/{productId}",
        params={"productId": first},
        expect=200,
        body=replacement,
        headers={"If-Match": etag} if etag else None,
        claims=admin,
    )

    # Campaigns
    code = CAMPAIGN["code"]
    created, _ = r.api(
        "create campaign", Kind.WRITE, "campaigns-api", "POST", "/campaigns", expect=201, body=CAMPAIGN, claims=admin
    )
    # A PUT replaces every client field, so it carries the start the server gave the campaign.
    starts_at = created.response.get("startsAt") if created.ok and isinstance(created.response, dict) else None
    r.api(
        "get campaign",
        Kind.ITEM_READ,
        "campaigns-api",
        "GET",
        "/campaigns/{code}",
        params={"code": code},
        expect=200,
    )
    r.api("list campaigns page", Kind.LIST_PAGE, "campaigns-api", "GET", "/campaigns", expect=200)
    r.api("list campaigns page (admin)", Kind.LIST_PAGE, "campaigns-api", "GET", "/campaigns", expect=200, claims=admin)
    r.api(
        "update campaign",
        Kind.WRITE,
        "campaigns-api",
        "PUT",
        "/campaigns/{code}",
        params={"code": code},
        expect=200,
        body={k: v for k, v in CAMPAIGN.items() if k != "code"} | {"discountPercent": "12.5", "startsAt": starts_at},
        claims=admin,
    )

    # Tenants
    tenant, _ = r.api(
        "create tenant", Kind.WRITE, "tenants-api", "POST", "/tenants", expect=201, body=TENANT, claims=admin
    )
    r.api("list tenants page", Kind.LIST_PAGE, "tenants-api", "GET", "/tenants", expect=200, claims=admin)
    if tenant.ok and isinstance(tenant.response, dict):
        tenant_id = str(tenant.response.get("tenantId"))
        r.api(
            "get tenant",
            Kind.ITEM_READ,
            "tenants-api",
            "GET",
            "/tenants/{tenantId}",
            params={"tenantId": tenant_id},
            expect=200,
            claims=admin,
        )

    # Orders: the first from a new customer (creates their tenant, cold template cache), the
    # second the steady state, the third with an Idempotency-Key.
    r.scenario.orders.append(_place_order(r, " (new customer)"))
    r.scenario.orders.append(_place_order(r, ""))
    r.scenario.orders.append(_place_order(r, " (Idempotency-Key)", headers={"Idempotency-Key": str(uuid.uuid4())}))

    listed, _ = r.api(
        "list orders page (admin, all tenants)",
        Kind.LIST_PAGE,
        "orders-api",
        "GET",
        "/orders",
        expect=200,
        claims=admin,
    )
    items = listed.response.get("items", []) if listed.ok and isinstance(listed.response, dict) else []
    if items:
        order_id, owner = str(items[0]["orderId"]), str(items[0]["tenantId"])
        r.api(
            "list orders page (tenant)",
            Kind.LIST_PAGE,
            "orders-api",
            "GET",
            "/orders",
            expect=200,
            claims=tenant_claims(owner),
        )
        r.api(
            "list orders page (admin, X-Tenant-Id)",
            Kind.LIST_PAGE,
            "orders-api",
            "GET",
            "/orders",
            expect=200,
            headers={"X-Tenant-Id": owner},
            claims=admin,
        )
        r.api(
            "get order (tenant)",
            Kind.ITEM_READ,
            "orders-api",
            "GET",
            "/orders/{orderId}",
            params={"orderId": order_id},
            expect=200,
            claims=tenant_claims(owner),
        )
        r.api(
            "get order (admin)",
            Kind.ITEM_READ,
            "orders-api",
            "GET",
            "/orders/{orderId}",
            params={"orderId": order_id},
            expect=200,
            claims=admin,
        )
        r.api(
            "patch order (PAID)",
            Kind.WRITE,
            "orders-api",
            "PATCH",
            "/orders/{orderId}",
            params={"orderId": order_id},
            expect=200,
            body={"status": "PAID"},
            claims=admin,
        )
        r.consume(
            "notifications-consumer: ORDER_PAID", Kind.NOTIFY, "notifications-consumer", "notifications_queue_url"
        )
    else:
        r.scenario.notes.append("no stored order to read: order reads and PATCH were skipped")
    _bounce(r)

    # Retire what was created (DELETE routes).
    r.api(
        "delete campaign",
        Kind.WRITE,
        "campaigns-api",
        "DELETE",
        "/campaigns/{code}",
        params={"code": code},
        expect=204,
        claims=admin,
    )
    r.api(
        "delete product",
        Kind.WRITE,
        "products-api",
        "DELETE",
        "/products/{productId}",
        params={"productId": second},
        expect=204,
        claims=admin,
    )
    return r.scenario


def _bounce(runner: Runner) -> None:
    """SES's hard bounce of the second order's customer confirmation, as SES publishes it to
    the email-events topic (raw delivery to the queue): the address is suppressed and the bounce
    noted on the order. Last of the orders' steps, since it suppresses the customer's address."""
    orders = runner.scenario.orders
    steps = orders[1] if len(orders) >= 2 else []
    submit = steps[0] if steps and steps[0].ok else None
    # ORDER_CREATED sends the internal notification, then the customer's confirmation: the last
    sent = next(
        (call for step in steps[2:3] for call in reversed(step.calls) if call.operation == "SendEmail"),
        None,
    )
    order_id = submit.response.get("orderId") if submit and isinstance(submit.response, dict) else None
    if sent is None or sent.response is None or not order_id:
        runner.scenario.notes.append("no confirmation email was sent: the email-events step was skipped")
        return
    event = ses_event(
        EventKind.BOUNCE,
        message_id=str(sent.response["MessageId"]),
        sender=runner.world.resources.settings.get("from_email", LOCAL_FROM_EMAIL),
        recipients=[CUSTOMER_EMAIL],
        tags={ORDER_TAG: str(order_id), TEMPLATE_TAG: str(EmailTemplate.CUSTOMER_CONFIRMATION)},
    )
    sqs = runner.world.client("sqs")
    sqs.send_message(QueueUrl=runner.world.resources.queue_url(EMAIL_EVENTS_QUEUE), MessageBody=json.dumps(event))
    runner.consume(BOUNCE_STEP, Kind.EMAIL_EVENT, "email-events-consumer", EMAIL_EVENTS_QUEUE)


def order_totals(steps: list[Step]) -> dict[str, Any]:
    """AWS calls of one order end to end, per function and in total, by service and operation."""
    per_function: dict[str, dict[str, dict[str, int]]] = {}
    for step in steps:
        per_function[step.function] = merge_counts(per_function.get(step.function, {}), step.counts())
    total = merge_counts(*per_function.values())
    return {
        "steps": [s.name for s in steps],
        "complete": bool(steps) and all(s.ok for s in steps) and len(steps) >= 3,
        "per_function": per_function,
        "total": total,
        "total_calls": sum(sum(ops.values()) for ops in total.values()),
    }
