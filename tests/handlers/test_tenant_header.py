"""`X-Tenant-Id` is one rule on every route (SPEC section 3): an admin may name a tenant and then
acts on that tenant only; a tenant naming another tenant is a 403 wherever it sends it; callers
without a token name nobody. Every route of the route table, called through its function's
real `lambda_handler`, for every kind of caller."""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

import pytest

from bbws.core.functions import BY_NAME
from bbws.core.routes import ROUTES, Route
from bbws.orders.dal.repository import OrderRepository
from bbws.orders.models.order import Order, OrderLine, OrderStatus
from bbws.tenants.dal.repository import TenantRepository
from bbws.tenants.models.tenant import Tenant
from tests.handlers.orders.seed import add_campaign, add_product
from tests.support.events import STOREFRONT_KEY, LambdaContext, admin_claims, api_event, response_json, tenant_claims

TENANT_A = "11111111-1111-4111-8111-111111111111"
TENANT_B = "22222222-2222-4222-8222-222222222222"
PATH_VALUES = {"productId": "site-basic", "code": "SAVE10", "orderId": "ord-a", "tenantId": TENANT_A}
BODIES = {
    ("POST", "/products"): {"productId": "new-plan", "name": "New", "price": "10.00", "currency": "ZAR",
                            "features": ["x"]},
    ("PUT", "/products/{productId}"): {"name": "Basic", "price": "10.00", "currency": "ZAR", "features": ["x"]},
    ("POST", "/campaigns"): {"code": "NEW-ONE", "discountPercent": "5"},
    ("PUT", "/campaigns/{code}"): {"discountPercent": "5", "startsAt": "2026-01-01T00:00:00Z"},
    ("POST", "/orders"): {"customerEmail": "a@example.com", "currency": "ZAR",
                          "items": [{"productId": "site-basic", "quantity": 1}]},
    ("PATCH", "/orders/{orderId}"): {"status": "PAID"},
    ("POST", "/tenants"): {"name": "New", "contactEmail": "new@example.com"},
}  # fmt: skip
CALLERS: dict[str, dict[str, Any]] = {
    "anonymous": {},
    "storefront": {"api_key": STOREFRONT_KEY},
    "tenant A": {"claims": tenant_claims(TENANT_A)},
    "admin": {"claims": admin_claims()},
}


def _path(route: Route) -> str:
    path = route.path
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    return path


def call(route: Route, caller: str, tenant_header: str | None = None) -> dict[str, Any]:
    handler = importlib.import_module(BY_NAME[route.function].module).lambda_handler
    event = api_event(
        route.method,
        _path(route),
        body=BODIES.get((route.method, route.path)),
        headers={"X-Tenant-Id": tenant_header} if tenant_header is not None else None,
        resource=route.path,
        path_parameters={k: v for k, v in PATH_VALUES.items() if "{" + k + "}" in route.path} or None,
        **CALLERS[caller],
    )
    return handler(event, LambdaContext())


def _order(order_id: str, tenant_id: str) -> Order:
    return Order(
        order_id=order_id,
        tenant_id=tenant_id,
        customer_email="shopper@example.com",
        customer_id=None,
        status=OrderStatus.CREATED,
        currency="ZAR",
        items=(OrderLine("site-basic", "Basic Website", 1, Decimal(1500), Decimal(1500)),),
        subtotal=Decimal(1500),
        discount=Decimal(0),
        campaign_code=None,
        total_amount=Decimal(1500),
        created_at="2026-01-02T12:00:00Z",
        updated_at="2026-01-02T12:00:00Z",
    )


@pytest.fixture
def two_tenants(aws_resources) -> None:
    """Given a catalog (site-basic, SAVE10), tenants A and B, and one order of each."""
    add_product("site-basic", "1500.00")
    add_campaign("SAVE10", "10")
    tenants = TenantRepository.from_settings()
    for tenant_id, email in ((TENANT_A, "a@example.com"), (TENANT_B, "b@example.com")):
        tenants.create(Tenant(tenant_id=tenant_id, name=email, contact_email=email, created_at="2026-01-01T00:00:00Z"))
    orders = OrderRepository.from_settings()
    orders.insert(_order("ord-a", TENANT_A))
    orders.insert(_order("ord-b", TENANT_B))


def _status_of(order_id: str) -> OrderStatus:
    order = OrderRepository.from_settings().get(order_id)
    assert order is not None
    return order.status


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_a_tenant_naming_another_tenant_is_refused_on_every_route(two_tenants, route: Route) -> None:
    # When tenant A names tenant B on any route
    response = call(route, "tenant A", TENANT_B)
    # Then it is a 403 problem, and nothing was done
    assert response["statusCode"] == 403
    assert response["headers"]["Content-Type"] == "application/problem+json"
    assert response_json(response)["status"] == 403
    assert _status_of("ord-a") is OrderStatus.CREATED
    assert TenantRepository.from_settings().tenant_id_for_email("new@example.com") is None


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "GET"], ids=lambda r: r.path)
@pytest.mark.parametrize("caller", ["anonymous", "storefront", "tenant A"])
def test_naming_a_tenant_changes_nothing_for_other_callers(two_tenants, route: Route, caller: str) -> None:
    # Given the answer without the header
    plain = call(route, caller)
    # When a caller without a token names tenant B, or tenant A names itself
    named = call(route, caller, TENANT_A if caller == "tenant A" else TENANT_B)
    # Then the answer is the same
    assert (named["statusCode"], response_json(named)) == (plain["statusCode"], response_json(plain))


@pytest.mark.parametrize("route", [r for r in ROUTES if r.function in ("health", "products-api", "campaigns-api")],
                         ids=lambda r: f"{r.method} {r.path}")  # fmt: skip
def test_an_admin_naming_a_tenant_on_the_catalog_acts_as_without(two_tenants, route: Route) -> None:
    # The catalog is the agency's, not a tenant's: selecting a tenant changes nothing there
    response = call(route, "admin", TENANT_B)
    assert response["statusCode"] < 300, response_json(response)


def test_an_admin_naming_tenant_b_cannot_move_tenant_as_order(two_tenants) -> None:
    patch = next(r for r in ROUTES if (r.method, r.path) == ("PATCH", "/orders/{orderId}"))
    # When an admin, selecting tenant B, pays tenant A's order
    response = call(patch, "admin", TENANT_B)
    # Then it is the same 404 as GET gives, and the order is untouched
    assert response["statusCode"] == 404
    assert _status_of("ord-a") is OrderStatus.CREATED
    # And selecting tenant A (or none) it moves
    assert call(patch, "admin", TENANT_A)["statusCode"] == 200
    assert _status_of("ord-a") is OrderStatus.PAID


def test_an_admin_selecting_a_tenant_sees_only_that_tenant(two_tenants) -> None:
    routes = {(r.method, r.path): r for r in ROUTES}
    # GET /orders: only B's orders
    orders = response_json(call(routes["GET", "/orders"], "admin", TENANT_B))["items"]
    assert [o["orderId"] for o in orders] == ["ord-b"]
    # GET /orders/{A's order}: a 404
    assert call(routes["GET", "/orders/{orderId}"], "admin", TENANT_B)["statusCode"] == 404
    # GET /tenants: only B
    tenants = response_json(call(routes["GET", "/tenants"], "admin", TENANT_B))
    assert [t["tenantId"] for t in tenants["items"]] == [TENANT_B]
    assert tenants["nextCursor"] is None
    # GET /tenants/{A}: a 404
    assert call(routes["GET", "/tenants/{tenantId}"], "admin", TENANT_B)["statusCode"] == 404
    # Without a selection, an admin sees both tenants
    everyone = response_json(call(routes["GET", "/tenants"], "admin"))["items"]
    assert {t["tenantId"] for t in everyone} == {TENANT_A, TENANT_B}


@pytest.mark.parametrize("value", ["", "x" * 129, "tenant\x01a", "a b", "tenant\t", "t\u00e9nant", "\x7f", "tenant\n"])
def test_a_tenant_header_that_cannot_name_a_tenant_is_a_400_on_token_routes(two_tenants, value: str) -> None:
    for route in ROUTES:
        response = call(route, "admin", value)
        assert response["statusCode"] == 400, (route, response_json(response))
        assert response_json(response)["errors"][0]["field"] == "X-Tenant-Id"
