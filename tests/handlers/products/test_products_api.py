"""The products API as SPEC §3 states it, through real API Gateway REST proxy events."""

from __future__ import annotations

import pytest

from bbws.products.handlers.api import lambda_handler
from tests.handlers.products.conftest import PRODUCT
from tests.support.dynamodb_calls import dynamodb_calls
from tests.support.events import LambdaContext, api_event, header, response_json, tenant_claims


def test_admin_adds_a_product_and_gets_201_with_location_and_etag(call, admin) -> None:
    # When an admin posts a new product
    response = call("POST", "/products", body=PRODUCT, claims=admin)
    # Then it is created, with its URL and first version
    assert response["statusCode"] == 201
    assert header(response, "Location") == "/v1.0/products/web-basic"
    assert header(response, "ETag") == '"1"'
    body = response_json(response)
    assert body["price"] == "1499.00"
    assert body["active"] is True
    assert body["version"] == 1
    assert body["createdAt"] == body["updatedAt"]
    assert body["createdAt"].endswith("Z")


def test_product_id_is_generated_from_the_name_when_absent(call, admin) -> None:
    body = {key: value for key, value in PRODUCT.items() if key != "productId"}
    response = call("POST", "/products", body=body, claims=admin)
    assert response["statusCode"] == 201
    product_id = response_json(response)["productId"]
    assert product_id.startswith("website-basic-")
    assert header(response, "Location") == f"/v1.0/products/{product_id}"


def test_json_number_price_is_parsed_exactly_and_returned_as_a_string(call, admin) -> None:
    response = call(
        "POST",
        "/products",
        raw_body='{"name":"Hosting","price":99.9,"currency":"USD","features":["SSL"]}',
        claims=admin,
    )
    assert response["statusCode"] == 201
    assert response_json(response)["price"] == "99.90"


def test_jpy_price_has_no_minor_units(call, admin) -> None:
    response = call("POST", "/products", body={**PRODUCT, "price": 1500, "currency": "JPY"}, claims=admin)
    assert response_json(response)["price"] == "1500"


def test_duplicate_product_id_is_a_409(call, admin, add_product) -> None:
    add_product()
    response = call("POST", "/products", body=PRODUCT, claims=admin)
    assert response["statusCode"] == 409
    assert header(response, "Content-Type") == "application/problem+json"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "10.505"}, "price"),
        ({"price": "0"}, "price"),
        ({"price": 1.5e300}, "price"),
        ({"currency": "XYZ"}, "currency"),
        ({"features": []}, "features"),
        ({"name": " "}, "name"),
        ({"billingCycle": "weekly"}, "billingCycle"),
        ({"productId": "Bad_Id"}, "productId"),
        ({"status": "ACTIVE"}, "status"),
        ({"active": False}, "active"),
        ({"version": 7}, "version"),
    ],
)
def test_invalid_or_unknown_fields_are_a_400_naming_the_field(send, admin, change, field) -> None:
    response = send("POST", "/products", body={**PRODUCT, **change}, claims=admin)
    assert response["statusCode"] == 400
    assert field in [error["field"] for error in response_json(response)["errors"]]


def test_json_with_a_charset_is_json(call, admin) -> None:
    response = call(
        "POST", "/products", body=PRODUCT, headers={"Content-Type": "application/json; charset=utf-8"}, claims=admin
    )
    assert response["statusCode"] == 201


def test_malformed_json_is_a_400(send, admin) -> None:
    response = send("POST", "/products", raw_body="{not json", claims=admin)
    assert response["statusCode"] == 400


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_a_415(send, admin, content_type) -> None:
    response = send("POST", "/products", body=PRODUCT, headers={"Content-Type": content_type}, claims=admin)
    assert response["statusCode"] == 415
    assert header(response, "Content-Type") == "application/problem+json"


def test_writes_need_an_admin_token(call) -> None:
    anonymous = call("POST", "/products", body=PRODUCT)
    tenant = call("POST", "/products", body=PRODUCT, claims=tenant_claims("t-1"))
    assert anonymous["statusCode"] == 401
    assert tenant["statusCode"] == 403


def test_anyone_reads_an_active_product_with_its_etag_in_one_getitem(call, add_product, aws_resources) -> None:
    add_product()
    with dynamodb_calls(aws_resources.settings["products_table_name"]) as calls:
        response = call("GET", "/products/web-basic", product_id="web-basic")
    assert response["statusCode"] == 200
    assert header(response, "ETag") == '"1"'
    assert response_json(response)["name"] == "Website Basic"
    assert calls == {"GetItem": 1}


def test_missing_product_is_a_404(call) -> None:
    response = call("GET", "/products/nothing-here", product_id="nothing-here")
    assert response["statusCode"] == 404
    assert response_json(response)["status"] == 404


def test_impossible_product_id_is_a_404_without_touching_dynamodb(call, aws_resources) -> None:
    with dynamodb_calls(aws_resources.settings["products_table_name"]) as calls:
        response = call("GET", "/products/x", product_id="NOT VALID" * 300)
    assert response["statusCode"] == 404
    assert sum(calls.values()) == 0


def test_retired_product_is_hidden_from_everyone_but_admins(call, admin, add_product) -> None:
    add_product()
    # When an admin retires it
    deleted = call("DELETE", "/products/web-basic", product_id="web-basic", claims=admin)
    assert deleted["statusCode"] == 204
    # Then the public gets a 404 and the admin still sees it, inactive
    assert call("GET", "/products/web-basic", product_id="web-basic")["statusCode"] == 404
    as_admin = call("GET", "/products/web-basic", product_id="web-basic", claims=admin)
    assert as_admin["statusCode"] == 200
    assert response_json(as_admin)["active"] is False


def test_deleting_a_missing_product_is_a_404(call, admin) -> None:
    assert call("DELETE", "/products/ghost", product_id="ghost", claims=admin)["statusCode"] == 404


def test_delete_needs_an_admin(call, add_product) -> None:
    add_product()
    response = call("DELETE", "/products/web-basic", product_id="web-basic", claims=tenant_claims("t-1"))
    assert response["statusCode"] == 403


def test_put_replaces_the_product_and_bumps_the_version(call, admin, add_product) -> None:
    add_product()
    replacement = {**PRODUCT, "name": "Website Plus", "price": "1999", "features": ["10 pages"]}
    del replacement["productId"]
    del replacement["description"]
    response = call(
        "PUT",
        "/products/web-basic",
        product_id="web-basic",
        body=replacement,
        claims=admin,
        headers={"If-Match": '"1"'},
    )
    assert response["statusCode"] == 200
    assert header(response, "ETag") == '"2"'
    body = response_json(response)
    assert (body["name"], body["price"], body["features"], body["version"]) == (
        "Website Plus",
        "1999.00",
        ["10 pages"],
        2,
    )
    assert body["description"] == ""  # omitted optional fields take their defaults


def test_put_with_a_stale_if_match_is_a_412(call, admin, add_product) -> None:
    add_product()
    body = {k: v for k, v in PRODUCT.items() if k != "productId"}
    call("PUT", "/products/web-basic", product_id="web-basic", body=body, claims=admin)
    response = call(
        "PUT", "/products/web-basic", product_id="web-basic", body=body, claims=admin, headers={"If-Match": '"1"'}
    )
    assert response["statusCode"] == 412
    assert response_json(response)["title"] == "Precondition Failed"


def test_put_on_a_missing_product_is_a_404_even_with_if_match(call, admin) -> None:
    body = {k: v for k, v in PRODUCT.items() if k != "productId"}
    response = call("PUT", "/products/ghost", product_id="ghost", body=body, claims=admin, headers={"If-Match": '"1"'})
    assert response["statusCode"] == 404


def test_put_can_reactivate_a_retired_product(call, admin, add_product) -> None:
    add_product()
    call("DELETE", "/products/web-basic", product_id="web-basic", claims=admin)
    body = {**{k: v for k, v in PRODUCT.items() if k != "productId"}, "active": True}
    response = call("PUT", "/products/web-basic", product_id="web-basic", body=body, claims=admin)
    assert response_json(response)["active"] is True
    assert call("GET", "/products/web-basic", product_id="web-basic")["statusCode"] == 200


def test_put_refuses_a_product_id_in_the_body(send, admin) -> None:
    response = send("PUT", "/products/web-basic", product_id="web-basic", body=PRODUCT, claims=admin)
    assert response["statusCode"] == 400


def test_public_list_holds_only_active_products_in_one_query(call, admin, add_product, aws_resources) -> None:
    add_product(productId="aaa-one")
    add_product(productId="bbb-two")
    call("DELETE", "/products/aaa-one", product_id="aaa-one", claims=admin)
    with dynamodb_calls(aws_resources.settings["products_table_name"]) as calls:
        response = call("GET", "/products")
    assert response["statusCode"] == 200
    assert [p["productId"] for p in response_json(response)["items"]] == ["bbb-two"]
    assert response_json(response)["nextCursor"] is None
    assert calls == {"Query": 1}


def test_admin_lists_inactive_products_on_request(call, admin, add_product) -> None:
    add_product(productId="aaa-one")
    call("DELETE", "/products/aaa-one", product_id="aaa-one", claims=admin)
    response = call("GET", "/products", query={"includeInactive": "true"}, claims=admin)
    assert [p["productId"] for p in response_json(response)["items"]] == ["aaa-one"]


@pytest.mark.parametrize(("claims", "status"), [(None, 401), ({"sub": "x", "custom:tenantId": "t"}, 403)])
def test_include_inactive_is_for_admins_only(call, claims, status) -> None:
    response = call("GET", "/products", query={"includeInactive": "true"}, claims=claims)
    assert response["statusCode"] == status


def test_list_pages_follow_the_cursor(call, add_product) -> None:
    for n in range(5):
        add_product(productId=f"plan-{n}")
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = response_json(call("GET", "/products", query=query))
        seen += [p["productId"] for p in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [f"plan-{n}" for n in range(5)]


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_limit_outside_1_to_100_is_a_400(send, limit) -> None:
    response = send("GET", "/products", query={"limit": limit})
    assert response["statusCode"] == 400
    assert response_json(response)["errors"][0]["field"] == "limit"


def test_tampered_cursor_is_a_400(call, add_product) -> None:
    for n in range(3):
        add_product(productId=f"plan-{n}")
    cursor = response_json(call("GET", "/products", query={"limit": "1"}))["nextCursor"]
    tampered = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    response = call("GET", "/products", query={"cursor": tampered})
    assert response["statusCode"] == 400
    assert response_json(response)["errors"][0]["field"] == "cursor"


def test_cursor_from_the_admin_list_does_not_work_on_the_public_list(call, admin, add_product) -> None:
    for n in range(3):
        add_product(productId=f"plan-{n}")
    page = call("GET", "/products", query={"limit": "1", "includeInactive": "true"}, claims=admin)
    response = call("GET", "/products", query={"cursor": response_json(page)["nextCursor"]})
    assert response["statusCode"] == 400


@pytest.mark.parametrize("name", ["limit", "includeInactive", "cursor"])
def test_a_query_parameter_given_twice_is_a_400_saying_so(aws_resources, name: str) -> None:
    # When a list is asked for with one of its parameters repeated (`?limit=1&limit=2`)
    values = {"limit": ["1", "2"], "includeInactive": ["true", "false"], "cursor": ["a", "b"]}[name]
    event = api_event("GET", "/products", query={name: values[-1]})
    event["multiValueQueryStringParameters"] = {name: values}
    response = lambda_handler(event, LambdaContext())
    # Then it is a 400 naming the parameter and why, not "Input should be a valid integer"
    assert response["statusCode"] == 400
    assert response_json(response)["errors"] == [{"field": name, "message": "may be given only once"}]
