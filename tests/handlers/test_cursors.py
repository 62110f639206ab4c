"""Every list answers a bad cursor with a 400 problem, never a page and never a 500: forged
without the secret, edited, naming an unknown key, or signed but holding NaN, numbers where
strings belong, other attributes or another partition (/products, /campaigns, a tenant's
/orders, /tenants)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from bbws.campaigns.handlers.api import lambda_handler as campaigns
from bbws.core import aws
from bbws.core.cursor_keys import KEYS, CursorKey
from bbws.orders.handlers.api import lambda_handler as orders
from bbws.products.handlers.api import lambda_handler as products
from bbws.tenants.handlers.api import lambda_handler as tenants
from tests.handlers.orders.seed import add_campaign, add_product
from tests.support.events import LambdaContext, admin_claims, api_event, header, response_json, tenant_claims

LISTS = {
    "products": (products, "/products", None),
    "campaigns": (campaigns, "/campaigns", None),
    "orders": (orders, "/orders", tenant_claims("t-1")),
    "tenants": (tenants, "/tenants", admin_claims()),
}


def _list(name: str, cursor: str | None = None, limit: str = "1") -> dict[str, Any]:
    handler, path, claims = LISTS[name]
    query = {"limit": limit, **({"cursor": cursor} if cursor is not None else {})}
    return handler(api_event("GET", path, query=query, claims=claims), LambdaContext())


def _secret(resources: Any) -> CursorKey:
    value = boto3.client("secretsmanager").get_secret_value(SecretId=resources.settings["cursor_secret_arn"])
    return CursorKey(value["SecretString"].encode())


def _sign(key: CursorKey, scope: str, payload: bytes, key_id: bytes | None = None) -> str:
    kid = key.key_id if key_id is None else key_id
    tag = hmac.new(key.secret, b"\x01" + kid + scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(b"\x01" + kid + tag + payload).decode().rstrip("=")


@pytest.fixture
def stocked(aws_resources) -> Any:
    """Given two of everything, so every list has a second page."""
    for product_id in ("plan-one", "plan-two"):
        add_product(product_id, "10.00")
    for code in ("CODE-ONE", "CODE-TWO"):
        add_campaign(code, "10")
    for index in range(2):
        email = f"owner{index}@example.com"
        response = tenants(
            api_event("POST", "/tenants", body={"name": email, "contactEmail": email}, claims=admin_claims()),
            LambdaContext(),
        )
        assert response["statusCode"] == 201
    from bbws.orders.dal.repository import OrderRepository
    from tests.handlers.test_tenant_header import _order

    for order_id in ("ord-1", "ord-2"):
        OrderRepository.from_settings().insert(_order(order_id, "t-1"))
    return aws_resources


def _assert_bad_cursor(response: dict[str, Any]) -> None:
    assert response["statusCode"] == 400, response_json(response)
    assert header(response, "Content-Type") == "application/problem+json"
    assert response_json(response)["errors"] == [{"field": "cursor", "message": "invalid or tampered cursor"}]


@pytest.mark.parametrize("name", LISTS)
def test_a_real_cursor_gives_the_next_page(stocked, name: str) -> None:
    first = response_json(_list(name))
    assert first["nextCursor"]
    second = _list(name, first["nextCursor"])
    assert second["statusCode"] == 200
    assert response_json(second)["items"] != first["items"]


@pytest.mark.parametrize("name", LISTS)
def test_forged_edited_and_unknown_key_cursors_are_a_400(stocked, name: str) -> None:
    real = response_json(_list(name))["nextCursor"]
    raw = base64.urlsafe_b64decode(real + "=" * (-len(real) % 4))
    payload = raw[21:]
    # edited payload with the old tag
    edited = base64.urlsafe_b64encode(raw[:21] + payload.replace(b"#", b"$", 1)).decode().rstrip("=")
    for cursor in (
        edited,
        _sign(CursorKey(b"g" * 40), "any", payload, key_id=raw[1:5]),  # no secret: a guess
        _sign(CursorKey(b"g" * 40), "any", payload),  # an unknown key id
        "!!!",
        "A" * 5000,
        "%00",
    ):
        _assert_bad_cursor(_list(name, cursor))


SCOPES = {
    "products": "test-products/active-by-type",
    "campaigns": "test-campaigns/active-by-type",
    "orders": "test-orders:by-tenant:t-1",
    "tenants": "test-tenants:by-type:TENANT",
}


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(
    "damage",
    [
        lambda key, first: {**key, first: {"N": "NaN"}},
        lambda key, first: {**key, first: 1},
        lambda key, first: {**key, first: 1e309},
        lambda key, first: {**key, first: None},
        lambda key, first: {**key, first: ["x"]},
        lambda key, first: {k: v for k, v in key.items() if k != first},
        lambda key, first: {**key, "extra": first},
        lambda key, first: {**key, first: "x" * 3000},
    ],
    ids=["NaN", "number", "infinity", "null", "list", "missing", "extra", "huge"],
)
def test_a_signed_cursor_of_the_wrong_shape_is_a_400(stocked, name: str, damage: Any) -> None:
    # Given the real secret (as if leaked) and a real cursor's key, damaged
    real = response_json(_list(name))["nextCursor"]
    raw = base64.urlsafe_b64decode(real + "=" * (-len(real) % 4))
    key = json.loads(raw[21:])
    payload = json.dumps(damage(key, sorted(key)[0])).encode()
    forged = _sign(_secret(stocked), SCOPES[name], payload)
    # Then the signature is good but the key is not one the query could return: a 400
    assert _list(name, _sign(_secret(stocked), SCOPES[name], raw[21:]))["statusCode"] == 200
    _assert_bad_cursor(_list(name, forged))


def test_another_tenants_partition_is_refused_even_when_signed(stocked) -> None:
    real = response_json(_list("orders"))["nextCursor"]
    raw = base64.urlsafe_b64decode(real + "=" * (-len(real) % 4))
    key = {**json.loads(raw[21:]), "tenantId": "t-2"}
    forged = _sign(_secret(stocked), SCOPES["orders"], json.dumps(key).encode())
    _assert_bad_cursor(_list("orders", forged))


OUTAGES = {
    "throttled": lambda: ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "Get"),
    "internal": lambda: ClientError({"Error": {"Code": "InternalServiceError", "Message": "boom"}}, "Get"),
    "unreachable": lambda: EndpointConnectionError(endpoint_url="https://secretsmanager.eu-west-1.amazonaws.com"),
}


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("outage", OUTAGES)
def test_secrets_manager_failing_while_the_cursor_key_is_read_is_a_503_and_the_next_request_reads_again(
    stocked, monkeypatch: pytest.MonkeyPatch, name: str, outage: str
) -> None:
    # Given a real cursor, and an environment that has not read the cursor secret yet
    real = response_json(_list(name))["nextCursor"]
    KEYS.forget()
    client = aws.secrets_manager()
    working = client.get_secret_value

    def failing(**_: Any) -> Any:
        raise OUTAGES[outage]()

    monkeypatch.setattr(client, "get_secret_value", failing)
    # When the list is paged (the key verifies the cursor) or read (the key signs the next one)
    # while Secrets Manager fails
    for response in (_list(name, real), _list(name)):
        # Then the answer is a 503 problem, with none of the AWS error's text
        assert response["statusCode"] == 503, response_json(response)
        assert header(response, "Content-Type") == "application/problem+json"
        problem = response_json(response)
        assert problem["status"] == 503
        assert problem["type"] == "https://bbws.dev/problems/unavailable"
        assert problem["detail"] == "the list cannot be read right now; please retry"
    # And once it is back, the same request gets its page
    monkeypatch.setattr(client, "get_secret_value", working)
    assert _list(name, real)["statusCode"] == 200
