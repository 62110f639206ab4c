"""Who is calling: a Principal built only from claims the gateway has already verified."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bbws.core.errors import Forbidden, Unauthorized

TENANT_CLAIM = "custom:tenantId"
GROUPS_CLAIM = "cognito:groups"
ADMIN_GROUP = "admin"
TENANT_HEADER = "x-tenant-id"


class Role(StrEnum):
    ADMIN = "admin"
    TENANT = "tenant"
    STOREFRONT = "storefront"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Principal:
    role: Role
    subject: str | None = None
    tenant_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


ANONYMOUS = Principal(Role.ANONYMOUS)


# A Cognito group name is 1 to 128 characters of letters, marks, symbols, numbers and
# punctuation (CreateGroup's GroupName pattern `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`): never a space,
# which is what makes the authorizer's string form below unambiguous. Commas and brackets are
# allowed, so `x,admin` and `admin]` are real, different, groups.
_GROUP_NAME_CATEGORIES = frozenset("LMSNP")
MAX_GROUP_NAME = 128


def _is_group_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and 1 <= len(name) <= MAX_GROUP_NAME
        and all(unicodedata.category(char)[0] in _GROUP_NAME_CATEGORIES for char in name)
    )


def groups_of(claims: Mapping[str, Any]) -> frozenset[str]:
    """The caller's Cognito groups, read from exactly the shapes API Gateway delivers them in.

    - A REST API's Cognito user pool authorizer passes every claim as a string, and a list claim
      as its items between brackets, separated by single spaces: `"[admin staff]"`,
      `"[admin]"` (docs/security.md cites where this is observed).
    - A JSON-typed authorizer (an HTTP API's JWT authorizer, payload 2.0, or a REST API JWT
      authorizer) passes the token's own JSON list: `["admin", "staff"]`.

    Anything else (a comma list, a bare name, a list holding a non-name) is no groups at all:
    a claim that could be read two ways is never read as admin.
    """
    raw = claims.get(GROUPS_CLAIM)
    if isinstance(raw, list):
        names: list[Any] = raw
    elif isinstance(raw, str) and len(raw) >= 2 and raw[0] == "[" and raw[-1] == "]":
        names = raw[1:-1].split(" ")
    else:
        return frozenset()
    if not all(_is_group_name(name) for name in names):
        return frozenset()
    return frozenset(names)


def principal_from_event(event: Mapping[str, Any]) -> Principal:
    """The caller of an API Gateway REST proxy event.

    Claims come from `requestContext.authorizer.claims` (a Cognito authorizer in AWS, the local
    gateway's verifier locally); an API key the usage plan accepted shows as
    `requestContext.identity.apiKey`. Nothing in headers or body is trusted for identity.
    """
    context = event.get("requestContext") or {}
    claims = (context.get("authorizer") or {}).get("claims") or {}
    if claims:
        subject = claims.get("sub")
        if ADMIN_GROUP in groups_of(claims):
            return Principal(Role.ADMIN, subject=subject)
        tenant_id = claims.get(TENANT_CLAIM)
        if tenant_id:
            return Principal(Role.TENANT, subject=subject, tenant_id=str(tenant_id))
        raise Forbidden("the token carries neither a tenant nor the admin group")
    if (context.get("identity") or {}).get("apiKey"):
        return Principal(Role.STOREFRONT)
    return ANONYMOUS


def require_admin(principal: Principal) -> None:
    if principal.role is Role.ANONYMOUS:
        raise Unauthorized("this operation needs an administrator's token")
    if not principal.is_admin:
        raise Forbidden("this operation is for administrators only")


def require_storefront(principal: Principal) -> None:
    if principal.role is not Role.STOREFRONT:
        raise Unauthorized("this operation needs a storefront API key (X-Api-Key)")


def tenant_scope(principal: Principal, requested_tenant: str | None) -> str | None:
    """The tenant a tenant-or-admin request acts on.

    A tenant always acts on its own tenant (a different `X-Tenant-Id` is 403); an admin acts on
    the tenant named by `X-Tenant-Id`, or on every tenant (None) when it names none.
    """
    if principal.role is Role.ANONYMOUS or principal.role is Role.STOREFRONT:
        raise Unauthorized("this operation needs a tenant or administrator token")
    if principal.is_admin:
        return requested_tenant or None
    if requested_tenant and requested_tenant != principal.tenant_id:
        raise Forbidden("X-Tenant-Id does not match the token's tenant")
    return principal.tenant_id
