"""Step definitions for catalog.feature: the shop owner manages plans through the products API."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from bbws.products.handlers.api import lambda_handler
from tests.support.events import LambdaContext, admin_claims, api_event, header, response_json

scenarios("catalog.feature")


class Shop:
    """The products API as the owner (admin token) and as a visitor (no credentials) use it."""

    def __init__(self) -> None:
        self.owner = admin_claims("owner")
        self.last: dict[str, Any] = {}
        self.opened_version: dict[str, str] = {}

    def send(self, method: str, path: str, *, as_owner: bool, product_id: str | None = None, **kw: Any) -> dict:
        if product_id:
            kw.update(resource="/products/{productId}", path_parameters={"productId": product_id})
        self.last = lambda_handler(
            api_event(method, path, claims=self.owner if as_owner else None, **kw), LambdaContext()
        )
        return self.last

    def plan(self, product_id: str, price: str, currency: str = "ZAR", name: str | None = None) -> dict[str, Any]:
        return {
            "productId": product_id,
            "name": name or product_id.replace("-", " ").title(),
            "price": price,
            "currency": currency,
            "features": ["Set up by the agency"],
        }

    def replacement(self, product_id: str, price: str | None = None) -> dict[str, Any]:
        """The plan as the owner's edit form would send it back, with a new price if given."""
        current = response_json(self.send("GET", f"/products/{product_id}", as_owner=True, product_id=product_id))
        keep = ("name", "description", "price", "currency", "features", "billingCycle")
        return {**{key: current[key] for key in keep}, **({"price": price} if price else {})}


@pytest.fixture
def shop(aws_resources) -> Shop:
    return Shop()


@given("I am signed in as the shop owner")
def signed_in(shop: Shop) -> None:
    assert shop.owner["cognito:groups"] == "[admin]"


@given(parsers.parse('the plan "{product_id}" is on sale at "{price}" {currency}'))
def plan_on_sale(shop: Shop, product_id: str, price: str, currency: str) -> None:
    assert (
        shop.send("POST", "/products", as_owner=True, body=shop.plan(product_id, price, currency))["statusCode"] == 201
    )


@when(parsers.parse('I add the plan "{product_id}" called "{name}" at "{price}" {currency}'))
def add_plan(shop: Shop, product_id: str, name: str, price: str, currency: str) -> None:
    shop.send("POST", "/products", as_owner=True, body=shop.plan(product_id, price, currency, name))


@when(parsers.parse('I change the price of "{product_id}" to "{price}"'))
def change_price(shop: Shop, product_id: str, price: str) -> None:
    body = shop.replacement(product_id, price)
    assert (
        shop.send("PUT", f"/products/{product_id}", as_owner=True, product_id=product_id, body=body)["statusCode"]
        == 200
    )


@when(parsers.parse('I retire "{product_id}"'))
@given(parsers.parse('I retired "{product_id}"'))
def retire(shop: Shop, product_id: str) -> None:
    assert shop.send("DELETE", f"/products/{product_id}", as_owner=True, product_id=product_id)["statusCode"] == 204


@when(parsers.parse('I put "{product_id}" back on sale'))
def reactivate(shop: Shop, product_id: str) -> None:
    body = {**shop.replacement(product_id), "active": True}
    shop.send("PUT", f"/products/{product_id}", as_owner=True, product_id=product_id, body=body)


@given(parsers.parse('I opened "{product_id}" to edit it'))
def open_for_editing(shop: Shop, product_id: str) -> None:
    opened = shop.send("GET", f"/products/{product_id}", as_owner=True, product_id=product_id)
    shop.opened_version[product_id] = str(header(opened, "ETag"))


@given(parsers.parse('a colleague changed the price of "{product_id}" to "{price}" meanwhile'))
def colleague_changes(shop: Shop, product_id: str, price: str) -> None:
    change_price(shop, product_id, price)


@when(parsers.parse('I save the price "{price}" for "{product_id}" as I opened it'))
def save_stale(shop: Shop, product_id: str, price: str) -> None:
    body = shop.replacement(product_id, price)
    shop.send(
        "PUT",
        f"/products/{product_id}",
        as_owner=True,
        product_id=product_id,
        body=body,
        headers={"If-Match": shop.opened_version[product_id]},
    )


@when("a visitor without an account tries to add a plan")
def visitor_adds(shop: Shop) -> None:
    shop.send("POST", "/products", as_owner=False, body=shop.plan("sneaky-plan", "1.00"))


@then(parsers.parse('customers see "{product_id}" in the shop at "{price}" {currency}'))
def customers_see(shop: Shop, product_id: str, price: str, currency: str) -> None:
    listed = response_json(shop.send("GET", "/products", as_owner=False))["items"]
    prices = {(p["productId"], p["price"], p["currency"]) for p in listed}
    assert (product_id, price, currency) in prices


@then(parsers.parse('customers no longer see "{product_id}" in the shop'))
def customers_do_not_see(shop: Shop, product_id: str) -> None:
    listed = response_json(shop.send("GET", "/products", as_owner=False))["items"]
    assert product_id not in [p["productId"] for p in listed]


@then(parsers.parse('customers cannot open "{product_id}"'))
def customers_cannot_open(shop: Shop, product_id: str) -> None:
    assert shop.send("GET", f"/products/{product_id}", as_owner=False, product_id=product_id)["statusCode"] == 404


@then(parsers.parse('I still see "{product_id}" among all plans, marked retired'))
def owner_sees_retired(shop: Shop, product_id: str) -> None:
    listed = response_json(shop.send("GET", "/products", as_owner=True, query={"includeInactive": "true"}))["items"]
    assert {p["productId"]: p["active"] for p in listed}[product_id] is False


@then("I am told the plan already exists")
def told_exists(shop: Shop) -> None:
    assert shop.last["statusCode"] == 409


@then("my change is refused because the plan changed meanwhile")
def refused_stale(shop: Shop) -> None:
    assert shop.last["statusCode"] == 412


@then("the visitor is told to sign in")
def told_to_sign_in(shop: Shop) -> None:
    assert shop.last["statusCode"] == 401
