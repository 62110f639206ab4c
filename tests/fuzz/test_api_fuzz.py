"""Fuzzing the real resolvers: hostile bodies, headers, cursors, money text and emails get only
the answers the OpenAPI documents declare, every error is problem+json, and nothing refused
changes any table or queue.

Each test calls the API functions' own `lambda_handler` (Powertools resolver, validation, the
entry point's body checks) with API Gateway REST events against moto. Hypothesis bounds the
time: a fixed number of examples per test, no deadline (the machine is shared), derandomised
so a run is reproducible; `HYPOTHESIS_PROFILE`-free on purpose: the suite is part of
`make test`.
"""

from __future__ import annotations

import base64
import json
import re
import string
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bbws.campaigns.handlers import api as campaigns_api
from bbws.core import aws
from bbws.core.mailbox import MAX_ADDRESS_LENGTH, UndeliverableAddress, parse_mailbox
from bbws.core.money import AMOUNT_TEXT_PATTERN
from bbws.core.settings import get_settings
from bbws.health.handlers import api as health_api
from bbws.orders.handlers import api as orders_api
from bbws.products.handlers import api as products_api
from bbws.tenants.directory import resolve_tenant
from bbws.tenants.handlers import api as tenants_api
from tests.handlers.orders.seed import stock_the_shop
from tests.handlers.orders.test_manage_orders import store
from tests.support.events import STOREFRONT_KEY, LambdaContext, admin_claims, api_event, header, tenant_claims

OPENAPI = Path(__file__).resolve().parents[2] / "openapi"
HANDLERS: dict[str, Callable[[dict[str, Any], Any], dict[str, Any]]] = {
    "health": health_api.lambda_handler,
    "products": products_api.lambda_handler,
    "campaigns": campaigns_api.lambda_handler,
    "orders": orders_api.lambda_handler,
    "tenants": tenants_api.lambda_handler,
}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROBLEM_FIELDS = {"type", "title", "status", "detail"}


def _routes() -> list[tuple[str, str, str, frozenset[int]]]:
    """(service, method, path template, documented statuses) of every operation."""
    routes = []
    for service in HANDLERS:
        document = json.loads((OPENAPI / f"{service}.json").read_text())
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                statuses = frozenset(int(code) for code in operation["responses"])
                routes.append((service, method.upper(), path, statuses))
    return routes


ROUTES = _routes()


@pytest.fixture
def platform(aws_resources) -> dict[str, str]:
    """Given the stocked shop, one tenant with one order, and the ids a request may name."""
    stock_the_shop()
    tenant_id = resolve_tenant("owner@acme.example")
    store("ord-fuzz-1", tenant_id)
    return {"tenantId": tenant_id, "orderId": "ord-fuzz-1", "productId": "site-basic", "code": "SAVE10"}


def to_json(value: Any) -> str:
    """JSON text with every Decimal written as the number it is (json.dumps has no way to)."""
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else value.to_eng_string().replace("sNaN", "NaN")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    return json.dumps(value)


def _state() -> dict[str, Any]:
    """Everything a request may change: every item of every table, every queue's depth."""
    resources = get_settings()
    tables = {}
    for setting in ("products_table_name", "campaigns_table_name", "orders_table_name", "tenants_table_name"):
        table = aws.table(resources.require(setting))
        tables[setting] = sorted(json.dumps(item, sort_keys=True, default=str) for item in table.scan()["Items"])
    sqs = aws.client("sqs")
    queues = {}
    for setting in ("orders_queue_url", "notifications_queue_url"):
        attributes = sqs.get_queue_attributes(QueueUrl=resources.require(setting), AttributeNames=["All"])
        queues[setting] = {
            name: attributes["Attributes"][name]
            for name in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        }
    return {"tables": tables, "queues": queues}


def _call(service: str, event: dict[str, Any]) -> dict[str, Any]:
    return HANDLERS[service](event, LambdaContext())


def _assert_documented(response: dict[str, Any], statuses: frozenset[int], label: str) -> None:
    status = response["statusCode"]
    assert status < 500, f"{label}: {status} {response['body']}"
    assert status in statuses, f"{label}: undocumented {status} {response['body']}"
    if status >= 400:
        assert header(response, "Content-Type") == "application/problem+json", f"{label}: {response}"
        problem = json.loads(response["body"])
        assert set(problem) >= PROBLEM_FIELDS, problem
        assert problem["status"] == status


def _refused_changes_nothing(service: str, event: dict[str, Any], statuses: frozenset[int], label: str) -> dict:
    before = _state()
    response = _call(service, event)
    _assert_documented(response, statuses, label)
    if response["statusCode"] >= 400:
        assert _state() == before, f"{label}: refused with {response['statusCode']} but changed state"
    return response


# --- strategies ------------------------------------------------------------------------------

_HOSTILE_TEXT = st.sampled_from(
    ["", " ", "\x00", "\u212a", "\uff11", "\u0661", "\u200b", "\ud800", "${x}", "' OR 1=1", "../..", "%00", "\r\n"]
)
_TEXT = st.text(max_size=40) | _HOSTILE_TEXT
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.decimals(allow_nan=False, places=3) | _TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_TEXT, children, max_size=4),
    max_leaves=12,
)
_NUMBER_TEXT = st.from_regex(r"[-+]?[0-9\u0661\uff11]{0,6}([.,][0-9]{0,4})?([eE][-+]?[0-9]{1,4})?", fullmatch=True)
_MONEY = _NUMBER_TEXT | _TEXT | st.integers() | st.booleans() | st.decimals(allow_nan=True, places=4) | st.none()
_EMAIL_PARTS = st.text(alphabet=string.ascii_letters + ".+-_\u212a\u00fc\uff42\u200b@\x00 ", max_size=12)
_EMAIL = (
    st.emails()
    | st.builds(lambda local, domain: f"{local}@{domain}", _EMAIL_PARTS, _EMAIL_PARTS)
    | st.builds(lambda a, b: a + b, st.emails(), _HOSTILE_TEXT)
    | st.builds(lambda blanks, email: blanks + email, st.text(" \t\r\n", max_size=300), st.emails())  # 254 as sent
    | _TEXT
)
_QUANTITY = st.integers(min_value=-2, max_value=1002) | st.booleans() | _NUMBER_TEXT | st.decimals(places=2)


def _order_body(draw: st.DrawFn) -> dict[str, Any]:
    line = {"productId": draw(st.sampled_from(["site-basic", "hosting-monthly", "retired-plan"]) | _TEXT)}
    line["quantity"] = draw(_QUANTITY)
    for field in ("unitPrice", "totalPrice"):
        if draw(st.booleans()):
            line[field] = draw(_MONEY)
    body: dict[str, Any] = {"customerEmail": draw(_EMAIL), "currency": draw(st.sampled_from(["ZAR", "USD"]) | _TEXT)}
    body["items"] = [line] * draw(st.integers(min_value=0, max_value=2))
    for field, value in (("totalAmount", _MONEY), ("campaignCode", st.just("SAVE10") | _TEXT), ("status", _TEXT)):
        if draw(st.integers(0, 3)) == 0:
            body[field] = draw(value)
    return body


def _product_body(draw: st.DrawFn) -> dict[str, Any]:
    body = {"name": draw(_TEXT), "price": draw(_MONEY), "currency": draw(st.sampled_from(["ZAR", "JPY"]) | _TEXT)}
    body["features"] = draw(st.lists(_TEXT, max_size=3))
    if draw(st.booleans()):
        body["active"] = draw(st.booleans() | st.integers(0, 1) | _TEXT)
    return body


def _campaign_body(draw: st.DrawFn) -> dict[str, Any]:
    body = {"code": draw(st.from_regex(r"[A-Z0-9-]{3,8}", fullmatch=True) | _TEXT), "discountPercent": draw(_MONEY)}
    body["startsAt"] = draw(st.just("2026-01-01T00:00:00Z") | _TEXT | st.integers())
    return body


_SHAPED = {"orders": _order_body, "products": _product_body, "campaigns": _campaign_body}


_DUPLICATES = '{"status":"PAID","status":"CANCELLED","customerEmail":"a@example.com","customerEmail":"b@example.com"}'
_UNSHAPED = {
    "none": st.just((None, False)),
    "json": _JSON.map(lambda value: (to_json(value), False)),
    "text": st.text(max_size=200).map(lambda text: (text, False)),
    "bytes": st.binary(max_size=200).map(lambda raw: (base64.b64encode(raw).decode(), True)),
    "deep": st.builds(
        lambda opener, depth: (opener * depth, False), st.sampled_from(["[", '{"a":']), st.integers(10, 3000)
    ),
    "duplicate": st.just((_DUPLICATES, False)),
    "long-number": st.integers(90, 6000).map(lambda digits: ('{"quantity":' + "9" * digits + "}", False)),
}


def _shaped_body(draw: st.DrawFn, service: str, method: str) -> str:
    if method == "PATCH":
        return json.dumps({"status": draw(st.sampled_from(["PAID", "CANCELLED", "FULFILLED"]) | _TEXT)})
    if service == "tenants":
        return to_json({"name": draw(_TEXT), "contactEmail": draw(_EMAIL)})
    shape = _SHAPED.get(service)
    return to_json(shape(draw) if shape else draw(_JSON))


@st.composite
def _body(draw: st.DrawFn, service: str, method: str) -> tuple[str | None, bool]:
    """(raw body, isBase64Encoded): a body shaped like the route's (hostile leaves), any JSON,
    text, bytes, deep nesting, duplicate keys or a 6000-digit number."""
    kind = draw(st.sampled_from(["shaped", *_UNSHAPED]))
    if kind == "shaped":
        return _shaped_body(draw, service, method), False
    return draw(_UNSHAPED[kind])


_CALLERS = st.sampled_from(["anonymous", "storefront", "admin", "tenant", "other-tenant", "odd-groups"])


def _credentials(caller: str, tenant_id: str) -> dict[str, Any]:
    if caller == "storefront":
        return {"api_key": STOREFRONT_KEY}
    if caller == "admin":
        return {"claims": admin_claims()}
    if caller == "tenant":
        return {"claims": tenant_claims(tenant_id)}
    if caller == "other-tenant":
        return {"claims": tenant_claims("tenant-nobody")}
    if caller == "odd-groups":
        return {"claims": {"sub": "x", "cognito:groups": "[x,admin]", "token_use": "id"}}
    return {}


_HEADER_NAMES = st.sampled_from(
    ["Content-Type", "X-Tenant-Id", "If-Match", "Idempotency-Key", "Accept", "X-Api-Key", "X-Forwarded-For", "Range"]
)
_HEADER_VALUES = (
    st.text(alphabet=st.characters(codec="latin-1"), max_size=300)
    | _HOSTILE_TEXT
    | st.sampled_from(
        [
            "application/json",
            "text/plain",
            "multipart/form-data",
            "application/json; charset=latin-1",
            '"1"',
            "*",
            'W/"9"',
        ]
    )
)


@st.composite
def _request(draw: st.DrawFn, ids: dict[str, str]) -> tuple[str, dict[str, Any], frozenset[int], str]:
    service, method, template, statuses = draw(st.sampled_from(ROUTES))
    path = template
    parameters = {}
    for name in re.findall(r"{(\w+)}", template):
        value = draw(st.just(ids.get(name, "x")) | st.text(alphabet=string.printable, min_size=1, max_size=70))
        parameters[name] = value
        path = path.replace("{" + name + "}", value)
    query = draw(
        st.none()
        | st.fixed_dictionaries(
            {}, optional={"limit": _TEXT | st.integers(-5, 200).map(str), "cursor": _TEXT, "includeInactive": _TEXT}
        )
    )
    headers = draw(st.dictionaries(_HEADER_NAMES, _HEADER_VALUES, max_size=4))
    raw_body, encoded = draw(_body(service, method))
    credentials = _credentials(draw(_CALLERS), ids["tenantId"])
    event = api_event(
        method,
        path,
        raw_body=raw_body,
        query=query or None,
        headers=headers,
        resource=template,
        path_parameters=parameters or None,
        **credentials,
    )
    if "Content-Type" in headers and not headers["Content-Type"]:
        event["headers"].pop("Content-Type")
        event["multiValueHeaders"].pop("Content-Type")
    event["isBase64Encoded"] = encoded
    return service, event, statuses, f"{method} {path}"


# --- the fuzz tests --------------------------------------------------------------------------


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_any_request_to_any_route_gets_a_documented_answer_and_a_refusal_changes_nothing(platform, data) -> None:
    service, event, statuses, label = data.draw(_request(platform))
    _refused_changes_nothing(service, event, statuses, label)


ORDER_STATUSES = next(s for svc, m, p, s in ROUTES if (svc, m, p) == ("orders", "POST", "/orders"))
_AMOUNT = re.compile(AMOUNT_TEXT_PATTERN)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _post_order(body: dict[str, Any]) -> dict[str, Any]:
    event = api_event("POST", "/orders", raw_body=to_json(body), api_key=STOREFRONT_KEY)
    return _refused_changes_nothing("orders", event, ORDER_STATUSES, "POST /orders")


def _fields(response: dict[str, Any]) -> set[str]:
    return {error["field"] for error in json.loads(response["body"]).get("errors", [])}


@FUZZ
@given(amount=_NUMBER_TEXT | _TEXT)
def test_money_text_is_an_amount_only_in_the_documented_ascii_form(platform, amount: str) -> None:
    # An order of one website (ZAR 1500.00) stating its total as text
    body = {"customerEmail": "a@example.com", "currency": "ZAR", "items": [{"productId": "site-basic", "quantity": 1}]}
    response = _post_order(body | {"totalAmount": amount})
    if _AMOUNT.fullmatch(amount):
        # a plain amount is read: right (202), wrong (422) or with too many digits (400 on the field)
        assert response["statusCode"] in (202, 400, 422), response["body"]
        assert response["statusCode"] == 202 or amount != "1500.00"
    else:
        assert response["statusCode"] == 400, (amount, response["body"])
        # a surrogate is refused while parsing (field "body"), anything else by the amount's rule
        assert _fields(response) == ({"body"} if _SURROGATE.search(amount) else {"totalAmount"}), response["body"]


@FUZZ
@given(email=_EMAIL)
def test_an_email_is_accepted_exactly_when_ses_can_deliver_to_it(platform, email: str) -> None:
    body = {"customerEmail": email, "currency": "ZAR", "items": [{"productId": "site-basic", "quantity": 1}]}
    response = _post_order(body)
    try:
        if len(email) > MAX_ADDRESS_LENGTH:  # as sent, blanks around it included (docs/api.md)
            raise UndeliverableAddress("too long")
        address = parse_mailbox(email).address
    except UndeliverableAddress:
        assert response["statusCode"] == 400, (email, response["body"])
        # an unpaired surrogate cannot be text at all: the body itself is refused before its fields
        unpaired = any(0xD800 <= ord(char) <= 0xDFFF for char in email)
        assert ("body" if unpaired else "customerEmail") in _fields(response)
        return
    assert response["statusCode"] == 202, (email, response["body"])
    assert address.isascii()


@FUZZ
@given(quantity=_QUANTITY)
def test_a_quantity_is_a_json_integer_from_1_to_1000_and_never_a_boolean(platform, quantity: object) -> None:
    body = {
        "customerEmail": "a@example.com",
        "currency": "ZAR",
        "items": [{"productId": "site-basic", "quantity": quantity}],
    }
    response = _post_order(body)
    number = isinstance(quantity, int | Decimal) and not isinstance(quantity, bool)
    finite = number and (not isinstance(quantity, Decimal) or quantity.is_finite())
    whole = finite and int(quantity) == quantity and 1 <= quantity <= 1000  # type: ignore[call-overload,operator]
    assert (response["statusCode"] == 202) == whole, (quantity, response["body"])
    if not whole:  # NaN and Infinity are no JSON: refused while parsing
        assert _fields(response) == ({"items[0].quantity"} if finite or not number else {"body"}), response["body"]


LIST_ROUTES = [(svc, p, s) for svc, m, p, s in ROUTES if m == "GET" and "{" not in p and svc != "health"]


def _list(service: str, path: str, query: dict[str, str], claims: dict[str, str]) -> dict[str, Any]:
    return _call(service, api_event("GET", path, query=query, claims=claims))


@FUZZ
@given(data=st.data())
def test_a_tampered_or_made_up_cursor_is_a_400_never_a_500(platform, data) -> None:
    service, path, statuses = data.draw(st.sampled_from(LIST_ROUTES))
    claims = admin_claims()
    first = _list(service, path, {"limit": "1"}, claims)
    assert first["statusCode"] == 200
    real = json.loads(first["body"])["nextCursor"] or base64.urlsafe_b64encode(b'{"pk":{"S":"x"}}').decode()
    kind = data.draw(st.sampled_from(["text", "flip", "json", "truncate"]))
    if kind == "text":
        cursor = data.draw(_TEXT | st.text(alphabet=string.ascii_letters + string.digits + "-_=", max_size=200))
    elif kind == "flip":
        raw = bytearray(base64.urlsafe_b64decode(real + "=" * (-len(real) % 4)))
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] ^= data.draw(st.integers(1, 255))
        cursor = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    elif kind == "json":
        document = data.draw(_JSON | st.just({"pk": {"N": "NaN"}}) | st.just({"pk": {"S": 1}}))
        cursor = base64.urlsafe_b64encode(to_json(document).encode()).decode()
    else:
        cursor = real[: data.draw(st.integers(0, max(len(real) - 1, 0)))]
    if cursor in (real, ""):  # the real cursor, or none at all (the first page)
        return
    response = _list(service, path, {"cursor": cursor}, claims)
    _assert_documented(response, statuses, f"GET {path}?cursor={cursor!r}")
    assert response["statusCode"] == 400, (cursor, response["body"])
    assert _fields(response) == {"cursor"}
