"""Who is calling: a Principal built only from claims the gateway has already verified."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bbws.core.errors import FieldError, Forbidden, InvalidInput, Unauthorized

TENANT_CLAIM = "custom:tenantId"
GROUPS_CLAIM = "cognito:groups"
ADMIN_GROUP = "admin"
TENANT_HEADER = "X-Tenant-Id"
# Tenant ids are UUIDs; longer values cannot name a tenant (and DynamoDB refuses huge keys).
MAX_TENANT_ID_LENGTH = 128
# A tenant id is what the tenants service makes (a UUID) or a Cognito `custom:tenantId` an
# operator set: printable ASCII without blanks. Control characters, blanks and other text in the
# header name no tenant (a 400, never an empty list for a tenant that cannot exist).
TENANT_ID_PATTERN = "^[!-~]+$"  # as the OpenAPI documents declare it (JSON Schema `pattern`)
_TENANT_ID = re.compile(TENANT_ID_PATTERN.removeprefix("^").removesuffix("$"))  # fullmatch: "$" allows a final "\n"


class Role(StrEnum):
    ADMIN = "admin"
    TENANT = "tenant"
    STOREFRONT = "storefront"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Principal:
    """The verified caller. `tenant_id`: a tenant's own tenant; `selected_tenant`: the tenant an
    admin named in `X-Tenant-Id` (None: every tenant)."""

    role: Role
    subject: str | None = None
    tenant_id: str | None = None
    selected_tenant: str | None = None

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


def requested_tenant(event: Mapping[str, Any]) -> str | None:
    """The tenant an event's `X-Tenant-Id` names (any case of the name), None without one; a
    value that cannot be a tenant id, or two different values, is a 400."""
    wanted = TENANT_HEADER.lower()
    values = [str(v) for k, v in (event.get("headers") or {}).items() if k.lower() == wanted]
    for name, many in (event.get("multiValueHeaders") or {}).items():
        if name.lower() == wanted and isinstance(many, list):
            values.extend(str(v) for v in many)
    if not values:
        return None
    if len(set(values)) > 1 or len(values[0]) > MAX_TENANT_ID_LENGTH or not _TENANT_ID.fullmatch(values[0]):
        raise InvalidInput(
            f"{TENANT_HEADER} must name one tenant",
            [
                FieldError(
                    TENANT_HEADER,
                    f"must be one tenant id of 1 to {MAX_TENANT_ID_LENGTH} visible ASCII characters (no blanks)",
                )
            ],
        )
    return values[0]


def principal_from_event(event: Mapping[str, Any]) -> Principal:
    """The caller of an API Gateway REST proxy event, with the tenant it acts on.

    Claims come from `requestContext.authorizer.claims` (a Cognito authorizer in AWS, the local
    gateway's verifier locally); an API key the usage plan accepted shows as
    `requestContext.identity.apiKey`. Nothing in headers or body is trusted for identity.

    `X-Tenant-Id` (SPEC section 3), the same rule for every route: an admin may name any tenant
    (`selected_tenant`); a tenant may name only its own (any other is a 403); a caller without
    a token names nobody (the header means nothing to it and is ignored). A value that cannot
    be a tenant id is a 400 for every caller with a token.
    """
    context = event.get("requestContext") or {}
    claims = (context.get("authorizer") or {}).get("claims") or {}
    if claims:
        subject = claims.get("sub")
        selected = requested_tenant(event)
        if ADMIN_GROUP in groups_of(claims):
            return Principal(Role.ADMIN, subject=subject, selected_tenant=selected)
        tenant_id = claims.get(TENANT_CLAIM)
        if tenant_id:
            if selected is not None and selected != str(tenant_id):
                raise Forbidden(f"{TENANT_HEADER} names another tenant than the token's")
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


def tenant_scope(principal: Principal) -> str | None:
    """The tenant a tenant-or-admin request acts on: a tenant's own; for an admin the tenant it
    named in `X-Tenant-Id`, or every tenant (None) when it named none."""
    if principal.role is Role.ANONYMOUS or principal.role is Role.STOREFRONT:
        raise Unauthorized("this operation needs a tenant or administrator token")
    if principal.is_admin:
        return principal.selected_tenant
    return principal.tenant_id
