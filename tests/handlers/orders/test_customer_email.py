"""Only addresses SES can deliver to are accepted on an order; IDN domains are converted."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from bbws.orders.handlers.api import lambda_handler
from tests.handlers.orders.queues import submitted_orders
from tests.support.events import STOREFRONT_KEY, LambdaContext, api_event, header, response_json

UNDELIVERABLE = [
    "a\x00b@example.com",  # NUL
    "a..b@example.com",
    "bø@example.com",  # non-ASCII local part (SES needs 7-bit ASCII)
    "\uff42ob@example.com",  # fullwidth letter
    "b\u200bob@example.com",  # zero-width space
    "bob@example.com.",  # trailing dot
    "\u212aelvin@example.com",  # Kelvin sign
    "bob@localhost",
    '"bob"@example.com',
]


def post(email: str) -> dict[str, Any]:
    body = {"customerEmail": email, "currency": "ZAR", "items": [{"productId": "site-basic", "quantity": 1}]}
    event = api_event("POST", "/orders", body=body, api_key=STOREFRONT_KEY)
    return lambda_handler(event, LambdaContext())


@pytest.mark.parametrize("email", UNDELIVERABLE)
def test_an_address_ses_cannot_deliver_to_is_a_400_naming_the_field_and_nothing_is_queued(shop, email: str) -> None:
    response = post(email)
    assert response["statusCode"] == 400, response["body"]
    assert header(response, "Content-Type") == "application/problem+json"
    fields = [e["field"] for e in response_json(response)["errors"]]
    assert fields == ["customerEmail"]
    assert submitted_orders() == []


def test_invalid_utf8_in_the_address_is_a_400(shop) -> None:
    raw = b'{"customerEmail":"b\xffob@example.com","currency":"ZAR","items":[{"productId":"site-basic","quantity":1}]}'
    event = api_event("POST", "/orders", raw_body=base64.b64encode(raw).decode(), api_key=STOREFRONT_KEY)
    event["isBase64Encoded"] = True
    response = lambda_handler(event, LambdaContext())
    assert response["statusCode"] == 400
    assert submitted_orders() == []


def test_an_idn_domain_is_accepted_and_queued_as_punycode(shop) -> None:
    response = post("Shopper@Bücher.Example")
    assert response["statusCode"] == 202, response["body"]
    (message,) = submitted_orders()
    assert message["customerEmail"] == "Shopper@xn--bcher-kva.example"
    assert json.dumps(message["customerEmail"]).isascii()


# 254 characters (RFC 5321's limit): a 64-character local part and a 189-character domain.
LONGEST = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"


def test_an_address_of_254_characters_is_accepted(shop) -> None:
    assert len(LONGEST) == 254
    response = post(LONGEST)
    assert response["statusCode"] == 202, response["body"]
    (message,) = submitted_orders()
    assert message["customerEmail"] == LONGEST


@pytest.mark.parametrize(
    "email",
    [
        LONGEST.replace("d" * 57, "d" * 58),  # 255 characters
        LONGEST + " ",  # 254 and a blank: 255 as sent
        " " * 250 + "bob@example.com",  # blanks around it are ignored, but count
    ],
)
def test_an_address_over_254_characters_as_sent_is_a_400_and_nothing_is_queued(shop, email: str) -> None:
    assert len(email) > 254
    response = post(email)
    assert response["statusCode"] == 400, response["body"]
    assert header(response, "Content-Type") == "application/problem+json"
    assert [e["field"] for e in response_json(response)["errors"]] == ["customerEmail"]
    assert submitted_orders() == []
