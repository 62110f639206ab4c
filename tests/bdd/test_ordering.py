"""Step definitions for ordering.feature: the storefront, the back office and the shop owner
drive the real orders-api and orders-consumer handlers against an emulated AWS."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from bbws.core import aws
from bbws.core.settings import get_settings
from bbws.orders.handlers.api import lambda_handler as orders_api
from bbws.orders.handlers.consumer import lambda_handler as orders_consumer
from bbws.tenants.directory import resolve_tenant
from tests.handlers.orders.queues import drain
from tests.handlers.orders.seed import add_campaign, add_product
from tests.support.events import (
    STOREFRONT_KEY,
    LambdaContext,
    admin_claims,
    api_event,
    header,
    response_json,
    sqs_event,
    tenant_claims,
)

scenarios("ordering.feature")

PRODUCT_IDS = {"Basic Website": "basic-website", "Monthly Hosting": "monthly-hosting"}


class Shop:
    """The shop as its users reach it: HTTP calls to orders-api, queue batches to the consumer."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []
        self.queued: list[dict[str, Any]] = []
        self.orders_by_email: dict[str, str] = {}

    def place(self, email: str, lines: list[dict[str, Any]], key: str | None = None, **extra: Any) -> dict[str, Any]:
        body = {"customerEmail": email, "currency": "ZAR", "items": lines, **extra}
        headers = {"Idempotency-Key": key} if key else None
        answer = orders_api(
            api_event("POST", "/orders", body=body, headers=headers, api_key=STOREFRONT_KEY), LambdaContext()
        )
        self.answers.append(answer)
        if answer["statusCode"] == 202:
            self.orders_by_email[email.lower()] = response_json(answer)["orderId"]
        return answer

    @property
    def last_order_id(self) -> str:
        return str(response_json(self.answers[-1])["orderId"])

    def process(self, times: int = 1) -> None:
        self.queued += drain("orders_queue_url")
        if self.queued:
            result = orders_consumer(sqs_event(*(self.queued * times)), LambdaContext())
            assert result == {"batchItemFailures": []}

    def as_owner(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return orders_api(api_event(method, path, claims=admin_claims("owner"), **kwargs), LambdaContext())

    def as_customer(self, email: str, method: str, path: str) -> dict[str, Any]:
        claims = tenant_claims(resolve_tenant(email))
        return orders_api(api_event(method, path, claims=claims), LambdaContext())

    def stored_orders(self) -> list[dict[str, Any]]:
        return list(response_json(self.as_owner("GET", "/orders"))["items"])


def line(product: str, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    return {"productId": PRODUCT_IDS[product], "quantity": quantity, **extra}


@pytest.fixture
def shop(aws_resources) -> Shop:
    return Shop()


@given(parsers.parse('my shop sells "{first}" for "{first_price}" ZAR and "{second}" for "{second_price}" ZAR'))
def shop_sells(shop: Shop, first: str, first_price: str, second: str, second_price: str) -> None:
    add_product(PRODUCT_IDS[first], first_price, name=first)
    add_product(PRODUCT_IDS[second], second_price, name=second)


@given(parsers.parse('the promotion "{code}" gives {percent:d} percent off everything'))
def promotion(shop: Shop, code: str, percent: int) -> None:
    add_campaign(code, str(percent))


@given(parsers.parse('"{email}" already has a customer account'))
def existing_account(shop: Shop, email: str) -> None:
    resolve_tenant(email)


@given(parsers.parse('"{email}" has placed an order that has been processed'))
def processed_order(shop: Shop, email: str) -> None:
    shop.place(email, [line("Basic Website")])
    shop.process()
    drain("notifications_queue_url")


@when(
    parsers.re(
        r'"(?P<email>[^"]+)" orders 1 "(?P<first>[^"]+)" and 2 "(?P<second>[^"]+)" with the code "(?P<code>[^"]+)"$'
    )
)
def order_with_code(shop: Shop, email: str, first: str, second: str, code: str) -> None:
    shop.place(email, [line(first), line(second, 2)], campaignCode=code)


@when(parsers.re(r'"(?P<email>[^"]+)" orders 1 "(?P<product>[^"]+)"$'))
def order_one(shop: Shop, email: str, product: str) -> None:
    shop.place(email, [line(product)])


@when(parsers.re(r'"(?P<email>[^"]+)" orders 1 "(?P<product>[^"]+)" at the price "(?P<price>[^"]+)" she was shown$'))
def order_at_stale_price(shop: Shop, email: str, product: str, price: str) -> None:
    shop.place(email, [line(product, unitPrice=price)])


@when(parsers.re(r'"(?P<email>[^"]+)" orders 1 "(?P<product>[^"]+)" and her browser sends it again$'))
def order_twice(shop: Shop, email: str, product: str) -> None:
    shop.place(email, [line(product)], key="checkout-42")
    shop.place(email, [line(product)], key="checkout-42")


@when("the order has been processed")
def order_processed(shop: Shop) -> None:
    shop.process()


@when("the order is delivered to the back office twice")
def delivered_twice(shop: Shop) -> None:
    shop.process(times=2)


@when(parsers.re(r"I mark the order as (?P<status>[A-Z]+)$"))
def mark(shop: Shop, status: str) -> None:
    (order,) = shop.stored_orders()
    answer = shop.as_owner("PATCH", f"/orders/{order['orderId']}", body={"status": status})
    assert answer["statusCode"] == 200


@then("the shop tells her the order is being processed")
def being_processed(shop: Shop) -> None:
    answer = shop.answers[-1]
    assert answer["statusCode"] == 202
    assert response_json(answer)["status"] == "PENDING"


@then(parsers.parse('I see her order as CREATED with a total of "{total}" ZAR after a discount of "{discount}"'))
def see_order(shop: Shop, total: str, discount: str) -> None:
    (order,) = shop.stored_orders()
    assert order["orderId"] == shop.last_order_id
    assert (order["status"], order["totalAmount"], order["discount"], order["currency"]) == (
        "CREATED",
        total,
        discount,
        "ZAR",
    )


@then(parsers.parse('a customer account was opened for "{email}"'))
def account_opened(shop: Shop, email: str) -> None:
    (order,) = shop.stored_orders()
    assert order["tenantId"] == resolve_tenant(email)


@then("my team and the customer are told about the new order")
def told(shop: Shop) -> None:
    assert [n["type"] for n in drain("notifications_queue_url")] == ["ORDER_CREATED"]


@then(parsers.parse('the order belongs to the account of "{email}"'))
def belongs_to(shop: Shop, email: str) -> None:
    (order,) = shop.stored_orders()
    assert order["tenantId"] == resolve_tenant(email)


@then(parsers.parse('there is still only one account for "{email}"'))
def one_account(shop: Shop, email: str) -> None:
    table = aws.table(get_settings().require("tenants_table_name"))
    tenants = [t for t in table.scan()["Items"] if t.get("entityType") == "TENANT"]
    assert [t["contactEmail"].lower() for t in tenants] == [email.lower()]


@then(parsers.parse('the order is refused and she is shown the real price "{price}"'))
def refused_with_price(shop: Shop, price: str) -> None:
    answer = shop.answers[-1]
    assert answer["statusCode"] == 422
    assert response_json(answer)["expected"]["items"][0]["unitPrice"] == price


@then("no order is recorded")
def nothing_recorded(shop: Shop) -> None:
    shop.process()
    assert shop.stored_orders() == []


@then("both answers name the same order, the second marked as a replay")
def same_order(shop: Shop) -> None:
    first, second = shop.answers
    assert response_json(first)["orderId"] == response_json(second)["orderId"]
    assert header(second, "Idempotent-Replayed") == "true"


@then("after processing there is exactly one order")
def one_order_after_processing(shop: Shop) -> None:
    shop.process()
    assert len(shop.stored_orders()) == 1


@then("there is exactly one order")
def exactly_one_order(shop: Shop) -> None:
    assert len(shop.stored_orders()) == 1


@then("the customer is sent a receipt")
def receipt(shop: Shop) -> None:
    (notification,) = drain("notifications_queue_url")
    assert notification["type"] == "ORDER_PAID"


@then(parsers.re(r"the order is (?P<status>[A-Z]+)$"))
def order_is(shop: Shop, status: str) -> None:
    (order,) = shop.stored_orders()
    assert order["status"] == status


@then(parsers.parse("marking it {target} is refused because it is {status}"))
def refused_move(shop: Shop, target: str, status: str) -> None:
    (order,) = shop.stored_orders()
    answer = shop.as_owner("PATCH", f"/orders/{order['orderId']}", body={"status": target})
    assert answer["statusCode"] == 409
    assert response_json(answer)["currentStatus"] == status


@then("Jane's account sees only her order")
def jane_sees_hers(shop: Shop) -> None:
    listed = response_json(shop.as_customer("jane@newco.example", "GET", "/orders"))["items"]
    assert [o["orderId"] for o in listed] == [shop.orders_by_email["jane@newco.example"]]


@then("Jane's account cannot open Bob's order")
def jane_cannot_open_bobs(shop: Shop) -> None:
    bobs = shop.orders_by_email["bob@other.example"]
    assert shop.as_customer("jane@newco.example", "GET", f"/orders/{bobs}")["statusCode"] == 404
