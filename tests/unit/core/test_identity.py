"""The caller is whoever the verified claims say, never what the request body or headers claim."""

from __future__ import annotations

import pytest

from bbws.core.errors import Forbidden, Unauthorized
from bbws.core.identity import (
    ANONYMOUS,
    Principal,
    Role,
    principal_from_event,
    require_admin,
    require_storefront,
    tenant_scope,
)
from tests.support.events import admin_claims, api_event, tenant_claims


def test_admin_group_makes_an_admin() -> None:
    principal = principal_from_event(api_event("GET", "/products", claims=admin_claims("u1")))
    assert principal == Principal(Role.ADMIN, subject="u1")
    assert principal.is_admin


@pytest.mark.parametrize("groups", ["admin", "[staff, admin]", "staff,admin", ["admin"]])
def test_admin_group_is_found_in_every_shape_api_gateway_passes_it(groups: object) -> None:
    event = api_event("GET", "/products", claims={"sub": "u"})
    event["requestContext"]["authorizer"]["claims"]["cognito:groups"] = groups
    assert principal_from_event(event).role is Role.ADMIN


def test_tenant_claim_makes_a_tenant() -> None:
    principal = principal_from_event(api_event("GET", "/orders", claims=tenant_claims("t-1")))
    assert principal == Principal(Role.TENANT, subject="tenant-user", tenant_id="t-1")


def test_a_token_without_tenant_or_admin_group_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        principal_from_event(api_event("GET", "/orders", claims={"sub": "x", "cognito:groups": "staff"}))


def test_an_api_key_accepted_by_the_gateway_makes_the_storefront() -> None:
    assert principal_from_event(api_event("POST", "/orders", api_key="k")).role is Role.STOREFRONT


def test_no_credentials_is_anonymous_even_with_a_tenant_header() -> None:
    event = api_event("GET", "/orders", headers={"X-Tenant-Id": "t-1"})
    assert principal_from_event(event) == ANONYMOUS


def test_only_admins_pass_require_admin() -> None:
    require_admin(Principal(Role.ADMIN))
    with pytest.raises(Unauthorized):
        require_admin(ANONYMOUS)
    with pytest.raises(Forbidden):
        require_admin(Principal(Role.TENANT, tenant_id="t"))


def test_only_the_storefront_passes_require_storefront() -> None:
    require_storefront(Principal(Role.STOREFRONT))
    with pytest.raises(Unauthorized):
        require_storefront(Principal(Role.ADMIN))


def test_a_tenant_acts_on_its_own_tenant_only() -> None:
    tenant = Principal(Role.TENANT, tenant_id="t-1")
    assert tenant_scope(tenant, None) == "t-1"
    assert tenant_scope(tenant, "t-1") == "t-1"
    with pytest.raises(Forbidden):
        tenant_scope(tenant, "t-2")


def test_an_admin_selects_a_tenant_or_all() -> None:
    admin = Principal(Role.ADMIN)
    assert tenant_scope(admin, "t-9") == "t-9"
    assert tenant_scope(admin, None) is None


@pytest.mark.parametrize("principal", [ANONYMOUS, Principal(Role.STOREFRONT)])
def test_tenant_routes_need_a_token(principal: Principal) -> None:
    with pytest.raises(Unauthorized):
        tenant_scope(principal, None)
