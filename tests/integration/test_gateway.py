"""The local gateway over HTTP: routing, authentication and limits as API Gateway applies them."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.integration.conftest import RunningStack

pytestmark = pytest.mark.integration

PROBLEM_FIELDS = {"type", "title", "status", "detail"}


def _problem(response: requests.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_FIELDS
    assert body["status"] == status
    return dict(body)


def _foreign_token(stack: RunningStack) -> str:
    """A token with every right claim, signed by a key that is not the local issuer's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = requests.get(stack.api_url + "/_local/.well-known/jwks.json", timeout=10).json()
    now = int(time.time())
    claims = {
        "sub": "intruder",
        "iss": stack.info["issuer"],
        "aud": "bbws-local-client",
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
        "cognito:groups": ["admin"],
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": jwks["keys"][0]["kid"]})


def test_health_answers_through_the_gateway(local_stack: RunningStack) -> None:
    # When anyone asks for the health of the API
    response = requests.get(local_stack.url("/health"), timeout=10)
    # Then it is up, in the local environment
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["environment"] == "local"


def test_catalog_lists_the_demo_products(local_stack: RunningStack) -> None:
    # When an anonymous shopper lists the catalog
    response = requests.get(local_stack.url("/products"), params={"limit": 100}, timeout=10)
    # Then the demo website and hosting plans are there, priced in rand
    assert response.status_code == 200
    products = {item["productId"]: item for item in response.json()["items"]}
    assert set(local_stack.info["demoProducts"]) <= set(products)
    assert products["website-starter"]["price"] == "4999.00"
    assert {item["currency"] for item in products.values()} == {"ZAR"}


def test_demo_campaign_is_usable(local_stack: RunningStack) -> None:
    # When a shopper looks up the demo campaign code
    response = requests.get(local_stack.url("/campaigns/LAUNCH10"), timeout=10)
    # Then it is active with its discount
    assert response.status_code == 200
    assert response.json()["active"] is True


def test_demo_tenant_exists(local_stack: RunningStack) -> None:
    # Given the demo tenant's id from /_local/info
    tenant_id = local_stack.info["demoTenantId"]
    assert tenant_id
    # When the tenant itself reads its record
    response = requests.get(
        local_stack.url(f"/tenants/{tenant_id}"), headers=local_stack.auth("tenant", tenant_id), timeout=10
    )
    # Then it is found
    assert response.status_code == 200
    assert response.json()["tenantId"] == tenant_id


def test_admin_route_without_token_is_401(local_stack: RunningStack) -> None:
    # When a product is created without credentials
    response = requests.post(local_stack.url("/products"), json={"name": "x"}, timeout=10)
    # Then the gateway refuses it before any function runs
    _problem(response, 401)
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_token_with_a_foreign_signature_is_401(local_stack: RunningStack) -> None:
    # Given an admin-looking token signed with someone else's key
    token = _foreign_token(local_stack)
    # When it is used on an admin route
    response = requests.get(local_stack.url("/tenants"), headers={"Authorization": f"Bearer {token}"}, timeout=10)
    # Then it is rejected
    _problem(response, 401)


def test_tampered_token_is_401(local_stack: RunningStack) -> None:
    # Given a tenant token whose payload was edited to add the admin group
    header, payload, signature = local_stack.token("tenant", "t-1").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    # When it is used
    response = requests.get(
        local_stack.url("/tenants"), headers={"Authorization": f"Bearer {header}.{forged}.{signature}"}, timeout=10
    )
    # Then the signature no longer matches
    _problem(response, 401)


def test_invalid_token_on_a_public_route_is_401_not_anonymous(local_stack: RunningStack) -> None:
    # When a public route is called with a garbage bearer token
    response = requests.get(local_stack.url("/products"), headers={"Authorization": "Bearer nonsense"}, timeout=10)
    # Then it is refused rather than silently treated as anonymous
    _problem(response, 401)


def test_tenant_token_on_an_admin_route_is_403(local_stack: RunningStack) -> None:
    # When a tenant tries to create a product
    product = {"name": "Sneaky", "price": "1.00", "currency": "ZAR", "features": ["x"]}
    response = requests.post(
        local_stack.url("/products"), json=product, headers=local_stack.auth("tenant", "t-1"), timeout=10
    )
    # Then it is authenticated but not allowed
    _problem(response, 403)


def test_admin_token_can_create_and_read_inactive_products(local_stack: RunningStack) -> None:
    # Given an admin creates a product and retires it
    admin = local_stack.auth("admin")
    product = {"productId": "gw-retired", "name": "Retired", "price": "10.00", "currency": "ZAR", "features": ["x"]}
    assert requests.post(local_stack.url("/products"), json=product, headers=admin, timeout=10).status_code == 201
    assert requests.delete(local_stack.url("/products/gw-retired"), headers=admin, timeout=10).status_code == 204
    # When the admin and an anonymous caller read it
    as_admin = requests.get(local_stack.url("/products/gw-retired"), headers=admin, timeout=10)
    as_anyone = requests.get(local_stack.url("/products/gw-retired"), timeout=10)
    # Then the verified admin claims reached the function; the anonymous caller sees nothing
    assert as_admin.status_code == 200
    assert as_admin.json()["active"] is False
    assert as_anyone.status_code == 404


def test_storefront_route_needs_the_api_key(local_stack: RunningStack) -> None:
    # When an order is posted without a key, and with a wrong one
    missing = requests.post(local_stack.url("/orders"), json={}, timeout=10)
    wrong = requests.post(local_stack.url("/orders"), json={}, headers={"X-Api-Key": "guess"}, timeout=10)
    # Then both are refused at the gateway
    _problem(missing, 401)
    _problem(wrong, 401)


def test_unknown_route_is_a_404_problem(local_stack: RunningStack) -> None:
    _problem(requests.get(local_stack.url("/nothing-here"), timeout=10), 404)


def test_unsupported_method_is_a_405_problem_with_allow(local_stack: RunningStack) -> None:
    response = requests.patch(local_stack.url("/products"), json={}, timeout=10)
    _problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST"}


def test_body_over_64_kib_is_413(local_stack: RunningStack) -> None:
    # When an admin sends a body just over the limit
    body = json.dumps({"name": "x" * (64 * 1024)})
    response = requests.post(
        local_stack.url("/products"),
        data=body,
        headers={**local_stack.auth("admin"), "Content-Type": "application/json"},
        timeout=10,
    )
    # Then it is refused as too large
    _problem(response, 413)


def test_responses_carry_a_request_id(local_stack: RunningStack) -> None:
    response = requests.get(local_stack.url("/health"), timeout=10)
    assert len(response.headers["x-amzn-RequestId"]) == 36
