"""POST /orders: the storefront's order is validated, priced by the server, queued and accepted."""

from __future__ import annotations

from typing import Any

import pytest

from bbws.orders.handlers.api import lambda_handler
from tests.handlers.orders.queues import submitted_orders
from tests.support.events import STOREFRONT_KEY, LambdaContext, admin_claims, api_event, header, response_json


def post(body: Any, headers: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("api_key", STOREFRONT_KEY)
    event = api_event("POST", "/orders", body=body, headers=headers, **kwargs)
    return lambda_handler(event, LambdaContext())


def order(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customerEmail": "shopper@example.com",
        "currency": "ZAR",
        "items": [{"productId": "site-basic", "quantity": 1}, {"productId": "hosting-monthly", "quantity": 3}],
    }
    body.update(overrides)
    return body


def test_an_order_is_accepted_priced_by_the_server_and_queued(shop) -> None:
    # When the storefront submits an order without prices
    response = post(order(customerId="cust-7"))
    # Then it is accepted for asynchronous processing, with the order's URL
    assert response["statusCode"] == 202
    accepted = response_json(response)
    assert accepted["status"] == "PENDING"
    assert accepted["message"] == "Order creation initiated"
    assert header(response, "Location") == f"/v1.0/orders/{accepted['orderId']}"
    # And the queued message carries the catalog's prices and names
    (message,) = submitted_orders()
    assert message["schemaVersion"] == 1
    assert message["orderId"] == accepted["orderId"]
    assert message["tenantId"] is None
    assert message["customerId"] == "cust-7"
    assert message["items"] == [
        {
            "productId": "site-basic",
            "productName": "Basic Website",
            "quantity": 1,
            "unitPrice": "1500.00",
            "totalPrice": "1500.00",
        },
        {
            "productId": "hosting-monthly",
            "productName": "Monthly Hosting",
            "quantity": 3,
            "unitPrice": "99.99",
            "totalPrice": "299.97",
        },
    ]
    assert (message["subtotal"], message["discount"], message["totalAmount"]) == ("1799.97", "0.00", "1799.97")
    assert message["campaignCode"] is None
    assert message["createdAt"].endswith("Z")


def test_a_campaign_discounts_the_eligible_subtotal_rounded_half_up_once(shop) -> None:
    # When an order uses a 50 % code that covers hosting only (3 x 99.99 = 299.97 -> 149.985)
    post(order(campaignCode="hosting-half"))
    # Then the discount is half the hosting lines, rounded half-up once: 149.99
    (message,) = submitted_orders()
    assert message["campaignCode"] == "HOSTING-HALF"
    assert (message["subtotal"], message["discount"], message["totalAmount"]) == ("1799.97", "149.99", "1649.98")


def test_client_prices_equal_to_the_servers_are_accepted(shop) -> None:
    body = order(
        campaignCode="SAVE10",
        items=[{"productId": "hosting-monthly", "quantity": 2, "unitPrice": "99.99", "totalPrice": 199.98}],
        totalAmount="179.98",
    )
    assert post(body)["statusCode"] == 202


def test_client_prices_that_differ_are_a_422_with_the_servers_figures(shop) -> None:
    # When the storefront shows a stale price
    body = order(items=[{"productId": "hosting-monthly", "quantity": 2, "unitPrice": "89.99"}], totalAmount="179.98")
    response = post(body)
    # Then the order is refused with the real figures, and nothing is queued
    assert response["statusCode"] == 422
    problem = response_json(response)
    assert {e["field"] for e in problem["errors"]} == {"items[0].unitPrice", "totalAmount"}
    assert problem["expected"]["items"][0]["unitPrice"] == "99.99"
    assert problem["expected"]["totalAmount"] == "199.98"
    assert submitted_orders() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (order(items=[{"productId": "retired-plan", "quantity": 1}]), "items[0].productId"),
        (order(items=[{"productId": "no-such-product", "quantity": 1}]), "items[0].productId"),
        (order(items=[{"productId": "usd-plan", "quantity": 1}]), "items[0].productId"),
        (order(campaignCode="EXPIRED"), "campaignCode"),
        (order(campaignCode="SWITCHED-OFF"), "campaignCode"),
        (order(campaignCode="NO-SUCH-CODE"), "campaignCode"),
        (order(campaignCode="HOSTING-HALF", items=[{"productId": "site-basic", "quantity": 1}]), "campaignCode"),
    ],
    ids=["inactive", "unknown", "currency", "expired", "switched-off", "no-campaign", "campaign-not-covering"],
)
def test_business_rule_violations_are_a_422_naming_the_field(shop, body: dict[str, Any], field: str) -> None:
    response = post(body)
    assert response["statusCode"] == 422
    assert response_json(response)["errors"][0]["field"] == field
    assert submitted_orders() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (order(status="PAID"), "status"),
        (order(tenantId="t-1"), "tenantId"),
        (order(orderId="mine"), "orderId"),
        (order(surprise=1), "surprise"),
        (order(items=[]), "items"),
        (order(items=[{"productId": "site-basic", "quantity": 0}]), "items[0].quantity"),
        (order(items=[{"productId": "site-basic", "quantity": 1001}]), "items[0].quantity"),
        (order(items=[{"productId": "site-basic", "quantity": 1, "color": "red"}]), "items[0].color"),
        (order(customerEmail="not-an-email"), "customerEmail"),
        (order(currency="XXX"), "currency"),
        (order(totalAmount="10.001"), "body"),
    ],
    ids=[
        "status",
        "tenantId",
        "orderId",
        "unknown",
        "no-items",
        "zero-qty",
        "huge-qty",
        "line-extra",
        "email",
        "currency",
        "digits",
    ],
)
def test_invalid_input_is_a_400_naming_the_field(shop, body: dict[str, Any], field: str) -> None:
    response = post(body)
    assert response["statusCode"] == 400
    assert field in [e["field"] for e in response_json(response)["errors"]]


def test_an_amount_beyond_decimal_precision_is_a_400_not_a_crash(shop) -> None:
    raw = (
        '{"customerEmail":"a@example.com","currency":"ZAR",'
        '"items":[{"productId":"site-basic","quantity":1,"totalPrice":1e30}]}'
    )
    response = post(None, raw_body=raw)
    assert response["statusCode"] == 400
    assert "less than" in str(response_json(response)["errors"])


@pytest.mark.parametrize(
    "raw",
    [
        '{"customerEmail":"a@example.com","currency":"ZAR","items":[{"productId":"site-basic","quantity":1e999999999}]}',
        '{"customerEmail":"a@example.com","currency":"ZAR","totalAmount":"1e9999999",'
        '"items":[{"productId":"site-basic","quantity":1}]}',
    ],
    ids=["quantity-exponent", "amount-exponent"],
)
def test_numbers_with_absurd_exponents_are_a_400_not_a_hang_or_a_500(shop, raw: str) -> None:
    assert post(None, raw_body=raw)["statusCode"] == 400


def test_more_than_50_lines_is_a_400(shop) -> None:
    response = post(order(items=[{"productId": "site-basic", "quantity": 1}] * 51))
    assert response["statusCode"] == 400


def test_a_body_over_64_kib_is_a_413(shop) -> None:
    response = post(None, raw_body='{"customerEmail":"' + "a" * 70_000 + '"}')
    assert response["statusCode"] == 413


def test_only_the_storefront_submits_orders(shop) -> None:
    assert post(order(), api_key=None)["statusCode"] == 401
    assert post(order(), api_key=None, claims=admin_claims())["statusCode"] == 401


def test_a_queue_failure_is_a_503_and_promises_nothing(shop, monkeypatch) -> None:
    # Given the orders queue refuses messages
    from botocore.exceptions import ClientError

    from bbws.core import aws

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "SendMessage")

    monkeypatch.setattr(aws.sqs(), "send_message", refuse)
    # When the storefront submits an order
    response = post(order())
    # Then it is told to retry, and no order was promised
    assert response["statusCode"] == 503
    assert "orderId" not in response_json(response)
    assert header(response, "Location") is None
