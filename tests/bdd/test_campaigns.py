"""Step definitions for campaigns.feature: the shop owner runs promotions via the campaigns API."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from bbws.campaigns.handlers.api import lambda_handler
from tests.support.events import LambdaContext, admin_claims, api_event, response_json

scenarios("campaigns.feature")


class Promotions:
    def __init__(self) -> None:
        self.owner = admin_claims("owner")
        self.last: dict[str, Any] = {}

    def send(self, method: str, path: str, *, as_owner: bool, code: str | None = None, **kw: Any) -> dict:
        if code:
            kw.update(resource="/campaigns/{code}", path_parameters={"code": code})
        self.last = lambda_handler(
            api_event(method, path, claims=self.owner if as_owner else None, **kw), LambdaContext()
        )
        return self.last

    def listed(self, *, as_owner: bool) -> list[str]:
        return [c["code"] for c in response_json(self.send("GET", "/campaigns", as_owner=as_owner))["items"]]


@pytest.fixture
def promotions(aws_resources) -> Promotions:
    return Promotions()


@given("I am signed in as the shop owner")
def signed_in(promotions: Promotions) -> None:
    assert promotions.owner["cognito:groups"] == "[admin]"


@when(
    parsers.parse('I start the campaign "{code}" giving "{percent}" percent off the whole catalog from "{starts_at}"')
)
def start_campaign(promotions: Promotions, code: str, percent: str, starts_at: str) -> None:
    body = {"code": code, "discountPercent": percent, "productIds": [], "startsAt": starts_at}
    promotions.send("POST", "/campaigns", as_owner=True, body=body)


@given(parsers.parse('the campaign "{code}" giving "{percent}" percent off is running'))
def running_campaign(promotions: Promotions, code: str, percent: str) -> None:
    start_campaign(promotions, code, percent, "2020-01-01T00:00:00Z")
    assert promotions.last["statusCode"] == 201


@when(parsers.parse('I switch off the campaign "{code}"'))
def switch_off(promotions: Promotions, code: str) -> None:
    assert promotions.send("DELETE", f"/campaigns/{code}", as_owner=True, code=code)["statusCode"] == 204


@then(parsers.parse('customers can look up the code "{code}" and see "{percent}" percent off'))
def customers_look_up(promotions: Promotions, code: str, percent: str) -> None:
    found = promotions.send("GET", f"/campaigns/{code}", as_owner=False, code=code)
    assert found["statusCode"] == 200
    assert response_json(found)["discountPercent"] == percent


@then(parsers.parse('customers cannot look up the code "{code}"'))
def customers_cannot_look_up(promotions: Promotions, code: str) -> None:
    assert promotions.send("GET", f"/campaigns/{code}", as_owner=False, code=code)["statusCode"] == 404


@then(parsers.parse('"{code}" is listed among current promotions'))
def listed_now(promotions: Promotions, code: str) -> None:
    assert code in promotions.listed(as_owner=False)


@then(parsers.parse('"{code}" is not listed among current promotions'))
def not_listed_now(promotions: Promotions, code: str) -> None:
    assert code not in promotions.listed(as_owner=False)


@then(parsers.parse('I can see "{code}" among all campaigns'))
def owner_sees(promotions: Promotions, code: str) -> None:
    assert code in promotions.listed(as_owner=True)


@then("I am told the discount is invalid")
def told_invalid(promotions: Promotions) -> None:
    assert promotions.last["statusCode"] == 400
    assert [e["field"] for e in response_json(promotions.last)["errors"]] == ["discountPercent"]
