"""The caller is whoever the verified claims say, never what the request body or headers claim."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bbws.core.errors import Forbidden, InvalidInput, Unauthorized
from bbws.core.identity import (
    ADMIN_GROUP,
    ANONYMOUS,
    Principal,
    Role,
    groups_of,
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


def _with_groups(groups: object) -> dict[str, object]:
    event = api_event("GET", "/products", claims={"sub": "u"})
    event["requestContext"]["authorizer"]["claims"]["cognito:groups"] = groups
    return event


@pytest.mark.parametrize("groups", ["[admin]", "[staff admin]", ["admin"], ["staff", "admin"]])
def test_admin_group_is_found_in_the_shapes_api_gateway_delivers(groups: object) -> None:
    # Given the Cognito authorizer's string form (REST) or a JSON list (JSON-typed authorizers)
    # Then the caller is an admin
    assert principal_from_event(_with_groups(groups)).role is Role.ADMIN


@pytest.mark.parametrize(
    "groups",
    [
        "[x,admin]",  # one group named "x,admin"
        "[admin]]",  # one group named "admin]"
        "[[admin]",  # one group named "[admin"
        "[x admin,]",
        "x,admin",  # not a shape the authorizer delivers
        "admin",
        "staff,admin",
        "[admin  staff]",  # an empty name between two spaces: not the authorizer's form
        "[ admin]",
        "[admin ]",
        "[]",
        "[admin\tstaff]",
        "[admin\u200bx]",
        "",
        ["x,admin"],
        ["admin]"],
        ["admin", 1],
        ["admin", ""],
        ["admin", "has space"],
        [["admin"]],
        {"admin": True},
        True,
        1,
    ],
)
def test_nothing_else_reads_as_admin(groups: object) -> None:
    # Given a groups claim in any other shape, or naming a group that only looks like admin
    # Then the token is not an admin's (it carries no tenant either: 403)
    with pytest.raises(Forbidden):
        principal_from_event(_with_groups(groups))


# Cognito's group name alphabet: letters, marks, symbols, numbers, punctuation (no whitespace).
_GROUP_NAMES = st.text(st.characters(categories=("L", "M", "S", "N", "P"), codec="utf-8"), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.lists(_GROUP_NAMES, min_size=1, max_size=6))
def test_the_authorizer_string_form_reads_back_exactly_the_groups(names: list[str]) -> None:
    # Given any groups, delivered as the Cognito authorizer writes them
    claims = {"cognito:groups": "[" + " ".join(names) + "]"}
    # Then exactly those groups are read, and admin only when a group is named exactly "admin"
    assert groups_of(claims) == frozenset(names)
    assert (ADMIN_GROUP in groups_of(claims)) is ("admin" in names)
    assert groups_of({"cognito:groups": names}) == frozenset(names)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_no_string_reads_as_admin_unless_a_listed_group_is_exactly_admin(raw: str) -> None:
    # Given any string at all as the claim
    groups = groups_of({"cognito:groups": raw})
    # Then admin is read only from the bracketed form with a space-separated item exactly "admin"
    listed = raw[1:-1].split(" ") if len(raw) >= 2 and raw[0] == "[" and raw[-1] == "]" else []
    assert (ADMIN_GROUP in groups) <= ("admin" in listed)
    assert all(" " not in name and name for name in groups)


def test_tenant_claim_makes_a_tenant() -> None:
    principal = principal_from_event(api_event("GET", "/orders", claims=tenant_claims("t-1")))
    assert principal == Principal(Role.TENANT, subject="tenant-user", tenant_id="t-1")


def test_a_token_without_tenant_or_admin_group_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        principal_from_event(api_event("GET", "/orders", claims={"sub": "x", "cognito:groups": "[staff]"}))


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


def _token_event(claims: dict[str, str], **headers: str) -> dict[str, object]:
    return api_event("GET", "/orders", claims=claims, headers=headers)


def test_a_tenant_acts_on_its_own_tenant_only() -> None:
    # Given a tenant's token, naming no tenant or its own
    for event in (_token_event(tenant_claims("t-1")), _token_event(tenant_claims("t-1"), **{"X-Tenant-Id": "t-1"})):
        # Then it acts on its own tenant
        assert tenant_scope(principal_from_event(event)) == "t-1"
    # And naming another tenant, in any case of the header's name, is a 403
    for name in ("X-Tenant-Id", "x-tenant-id", "X-TENANT-ID"):
        with pytest.raises(Forbidden):
            principal_from_event(_token_event(tenant_claims("t-1"), **{name: "t-2"}))


def test_an_admin_selects_a_tenant_or_all() -> None:
    named = principal_from_event(_token_event(admin_claims(), **{"x-tenant-id": "t-9"}))
    assert named.selected_tenant == "t-9"
    assert tenant_scope(named) == "t-9"
    assert tenant_scope(principal_from_event(_token_event(admin_claims()))) is None


@pytest.mark.parametrize("value", ["", "t" * 129])
def test_a_header_that_cannot_name_a_tenant_is_a_400(value: str) -> None:
    with pytest.raises(InvalidInput):
        principal_from_event(_token_event(admin_claims(), **{"X-Tenant-Id": value}))


def test_two_different_tenant_headers_are_a_400_not_a_choice() -> None:
    # Given a tenant sending its own id and another one (API Gateway keeps the last in `headers`)
    event = _token_event(tenant_claims("t-1"), **{"X-Tenant-Id": "t-1"})
    event["multiValueHeaders"]["X-Tenant-Id"] = ["t-2", "t-1"]  # type: ignore[index]
    # Then neither is picked
    with pytest.raises(InvalidInput):
        principal_from_event(event)


def test_callers_without_a_token_name_no_tenant() -> None:
    storefront = api_event("POST", "/orders", api_key="k", headers={"X-Tenant-Id": "t-1"})
    assert principal_from_event(storefront) == Principal(Role.STOREFRONT)


@pytest.mark.parametrize("principal", [ANONYMOUS, Principal(Role.STOREFRONT)])
def test_tenant_routes_need_a_token(principal: Principal) -> None:
    with pytest.raises(Unauthorized):
        tenant_scope(principal)
