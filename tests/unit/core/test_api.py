"""Every error leaves an API function as RFC 9457 problem+json, built in one place."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict

from bbws.core import jsonutil
from bbws.core.api import api_entry_point, build_resolver, validation_problem
from bbws.core.errors import BusinessRuleViolation, Conflict
from tests.support.events import LambdaContext, api_event, header, response_json


class Widget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    price: Decimal


app = build_resolver()


@app.post("/widgets")
def create_widget(widget: Widget) -> dict[str, str]:
    if widget.name == "taken":
        raise Conflict("a widget with this name exists")
    if widget.name == "rule":
        raise BusinessRuleViolation("price mismatch", extensions={"expected": {"price": "9.99"}})
    if widget.name == "boom":
        raise RuntimeError("secret internals /var/task/x.py")
    return {"name": widget.name, "price": str(widget.price)}


handler = api_entry_point(app)


def call(body: object) -> dict[str, object]:
    return handler(api_event("POST", "/widgets", body=body), LambdaContext())


def test_json_numbers_arrive_as_exact_decimals() -> None:
    response = handler(api_event("POST", "/widgets", raw_body='{"name":"a","price":0.1}'), LambdaContext())
    assert response["statusCode"] == 200
    assert response_json(response) == {"name": "a", "price": "0.1"}


def test_unknown_fields_are_a_400_naming_the_field() -> None:
    response = call({"name": "a", "price": "1", "status": "PAID"})
    assert response["statusCode"] == 400
    assert header(response, "Content-Type") == "application/problem+json"
    problem = response_json(response)
    assert problem["status"] == 400
    assert {"field": "status", "message": "Extra inputs are not permitted"} in problem["errors"]


def test_domain_errors_keep_their_status_and_extensions() -> None:
    conflict = call({"name": "taken", "price": "1"})
    assert conflict["statusCode"] == 409
    assert response_json(conflict)["detail"] == "a widget with this name exists"
    rule = call({"name": "rule", "price": "1"})
    assert rule["statusCode"] == 422
    assert response_json(rule)["expected"] == {"price": "9.99"}


def test_unexpected_errors_reveal_no_internals() -> None:
    response = call({"name": "boom", "price": "1"})
    assert response["statusCode"] == 500
    body = str(response["body"])
    assert "secret" not in body
    assert "Traceback" not in body
    assert response_json(response)["type"].endswith("/internal")


def test_malformed_json_is_a_400() -> None:
    response = handler(api_event("POST", "/widgets", raw_body="{not json"), LambdaContext())
    assert response["statusCode"] == 400


def test_nested_locations_become_dotted_field_names() -> None:
    problem = validation_problem(
        [
            {"loc": ("body", "items", 0, "quantity"), "msg": "Value error, must be positive"},
            {"loc": ("query", "limit"), "msg": "bad"},
            {"loc": (), "msg": "bad body"},
        ]
    ).to_problem()
    assert problem["errors"] == [
        {"field": "items[0].quantity", "message": "must be positive"},
        {"field": "limit", "message": "bad"},
        {"field": "body", "message": "bad body"},
    ]


def test_validation_errors_from_powertools_are_mapped() -> None:
    error = RequestValidationError([{"loc": ("body", "name"), "msg": "Field required", "type": "missing"}])
    assert validation_problem(list(error.errors())).to_problem()["errors"] == [
        {"field": "name", "message": "Field required"}
    ]


def test_json_output_of_decimals_and_sets() -> None:
    assert (
        jsonutil.dumps({"q": Decimal(3), "p": Decimal("1.50"), "s": {"b", "a"}}) == '{"q":3,"p":"1.50","s":["a","b"]}'
    )
    assert jsonutil.loads('{"p": 1.10}') == {"p": Decimal("1.10")}


def test_numbers_with_absurd_exponents_are_a_400_at_once() -> None:
    # 1e999999999 would take minutes to become an int; it is refused while parsing
    response = handler(api_event("POST", "/widgets", raw_body='{"name":"a","price":1e999999999}'), LambdaContext())
    assert response["statusCode"] == 400


def test_parsed_numbers_are_bounded_at_ten_to_the_1000() -> None:
    assert jsonutil.loads('{"p": 1e1000}') == {"p": Decimal("1e1000")}
    for text in ('{"p": 1e1001}', '{"p": 1e-1001}', '{"p": 1e999999999}'):
        with pytest.raises(json.JSONDecodeError):
            jsonutil.loads(text)
