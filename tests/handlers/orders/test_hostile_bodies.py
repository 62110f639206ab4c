"""Bodies built to break the parser or slip past the types are a 400 and change nothing."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from bbws.orders.handlers.api import lambda_handler
from tests.handlers.orders.queues import submitted_orders
from tests.handlers.orders.test_manage_orders import store
from tests.support.events import STOREFRONT_KEY, LambdaContext, admin_claims, api_event, header, response_json

ORDER = '{"customerEmail":"shopper@example.com","currency":"ZAR","items":[{"productId":"site-basic","quantity":%s}]}'


def post_raw(raw_body: str, **kwargs: Any) -> dict[str, Any]:
    event = api_event("POST", "/orders", raw_body=raw_body, api_key=STOREFRONT_KEY, **kwargs)
    return lambda_handler(event, LambdaContext())


def assert_refused(response: dict[str, Any], field: str, message: str) -> None:
    assert response["statusCode"] == 400, response["body"]
    assert header(response, "Content-Type") == "application/problem+json"
    problem = response_json(response)
    assert problem["status"] == 400
    assert any(e["field"] == field and message in e["message"] for e in problem["errors"]), problem["errors"]


@pytest.mark.parametrize(
    ("quantity", "field", "message"),
    [
        ("1" * 5000, "body", "number longer than 100"),
        ("[" * 5000 + "]" * 5000, "body", "nesting deeper than 16"),
        ("true", "items[0].quantity", "must be a JSON integer"),
        ("false", "items[0].quantity", "must be a JSON integer"),
        ('"1"', "items[0].quantity", "must be a JSON integer"),
        ("1.5", "items[0].quantity", "must be a whole number"),
        ("1e-1", "items[0].quantity", "must be a whole number"),
        ("NaN", "body", "NaN is not a JSON number"),
    ],
)
def test_an_unparseable_or_loosely_typed_quantity_is_a_400(shop, quantity: str, field: str, message: str) -> None:
    assert_refused(post_raw(ORDER % quantity), field, message)
    assert submitted_orders() == []


@pytest.mark.parametrize("amount", ["+1500", "1.5e3", "\u0661\u0665\u0660\u0660", "\uff11\uff15\uff10\uff10", " 1500"])
def test_an_amount_that_is_not_ascii_plain_decimal_text_is_a_400(shop, amount: str) -> None:
    body = ORDER.replace("}]}", '}],"totalAmount":"%s"}') % ("1", amount)
    assert_refused(post_raw(body), "totalAmount", "not a plain decimal amount")
    assert submitted_orders() == []


def test_a_duplicate_key_is_a_400(shop) -> None:
    body = ORDER.replace('"currency":"ZAR"', '"currency":"ZAR","currency":"USD"') % "1"
    assert_refused(post_raw(body), "body", "duplicate key 'currency'")
    assert submitted_orders() == []


def test_a_body_that_is_not_utf8_is_a_400(shop) -> None:
    event = api_event("POST", "/orders", raw_body=base64.b64encode(b'{"a":"\xe1"}').decode(), api_key=STOREFRONT_KEY)
    event["isBase64Encoded"] = True
    assert_refused(lambda_handler(event, LambdaContext()), "body", "UTF-8")
    event["body"] = "not base64!"
    assert_refused(lambda_handler(event, LambdaContext()), "body", "UTF-8")
    assert submitted_orders() == []


def test_a_patch_with_a_duplicate_status_key_changes_nothing(aws_resources) -> None:
    store("ord-1", "tenant-a")
    event = api_event(
        "PATCH",
        "/orders/ord-1",
        raw_body='{"status":"PAID","status":"CANCELLED"}',
        claims=admin_claims(),
        resource="/orders/{orderId}",
        path_parameters={"orderId": "ord-1"},
    )
    assert_refused(lambda_handler(event, LambdaContext()), "body", "duplicate key 'status'")
    current = lambda_handler(api_event("GET", "/orders/ord-1", claims=admin_claims()), LambdaContext())
    assert response_json(current)["status"] == "CREATED"


def test_a_patch_nested_5000_deep_is_a_400(aws_resources) -> None:
    store("ord-1", "tenant-a")
    event = api_event("PATCH", "/orders/ord-1", raw_body='{"status":' + "[" * 5000, claims=admin_claims())
    assert_refused(lambda_handler(event, LambdaContext()), "body", "nesting deeper")


@pytest.mark.parametrize("quantity", ["2.0", "2e0", "0.2e1"])
def test_a_quantity_written_as_a_number_with_no_fraction_is_that_integer(shop, quantity: str) -> None:
    # JSON Schema's integer (the document's "type": "integer") is any number with no fractional part.
    response = post_raw(ORDER % quantity)
    assert response["statusCode"] == 202, response["body"]
    assert submitted_orders()[0]["items"][0]["quantity"] == 2


def test_a_body_on_a_get_is_ignored_whatever_its_type(aws_resources) -> None:
    # No GET route reads a body, and none documents 415: the body is not looked at.
    store("ord-1", "tenant-a")
    event = api_event(
        "GET", "/orders", raw_body="\xff not json", headers={"Content-Type": "text/plain"}, claims=admin_claims()
    )
    response = lambda_handler(event, LambdaContext())
    assert response["statusCode"] == 200, response["body"]
    assert [order["orderId"] for order in response_json(response)["items"]] == ["ord-1"]
