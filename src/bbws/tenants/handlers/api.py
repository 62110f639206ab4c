"""The tenants API: `/tenants` routes, each a few lines handing over to the registry rules."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import content_types
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from bbws.core.api import api_entry_point, build_resolver, current_principal
from bbws.core.clock import now_iso
from bbws.core.openapi import ADMIN_ONLY, header, problem_responses
from bbws.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from bbws.core.priming import ValidRequest, add_valid_request
from bbws.core.routes import BASE_PATH
from bbws.tenants.dal.repository import TenantRepository, priming_items
from bbws.tenants.logic import registry
from bbws.tenants.models.tenant import NewTenant, TenantPage, TenantView

app = build_resolver()

_TAGS = ["tenants"]


@app.get(
    "/tenants",
    summary="List tenants",
    description="Admins only; newest first. With `X-Tenant-Id`, only that tenant.",
    tags=_TAGS,
    security=ADMIN_ONLY,
    responses={200: {"description": "A page of tenants"}, **problem_responses(400, 401, 403, 413, 503)},
)
def list_tenants(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="`nextCursor` of the previous page")] = None,
) -> TenantPage:
    page = registry.list_tenants(TenantRepository.from_settings(), current_principal(app), limit, cursor)
    return TenantPage(items=[TenantView.of(t) for t in page.items], next_cursor=page.next_cursor)


@app.post(
    "/tenants",
    summary="Add a tenant",
    description="Admins only. 409 if the contact email (ignoring case) already belongs to a tenant.",
    tags=_TAGS,
    security=ADMIN_ONLY,
    responses={
        201: {"description": "The tenant was created", "headers": {"Location": header("The tenant's URL")}},
        **problem_responses(400, 401, 403, 409, 413),
    },
)
def create_tenant(tenant: NewTenant) -> Response[TenantView]:
    created = registry.create_tenant(TenantRepository.from_settings(), current_principal(app), tenant, now_iso())
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=TenantView.of(created),
        headers={"Location": f"{BASE_PATH}/tenants/{created.tenant_id}"},
    )


@app.get(
    "/tenants/<tenantId>",
    summary="Read a tenant",
    description="The tenant itself or an admin; another tenant's id is a 404, like a missing one.",
    tags=_TAGS,
    security=ADMIN_ONLY,
    responses={200: {"description": "The tenant"}, **problem_responses(401, 403, 404, 413)},
)
def get_tenant(tenant_id: Annotated[str, Path(alias="tenantId", description="The tenant's id")]) -> TenantView:
    repository = TenantRepository.from_settings()
    return TenantView.of(registry.read_tenant(repository, current_principal(app), tenant_id))


# SnapStart priming rehearses an admin's page of tenants too (one priming tenant).
add_valid_request(
    "tenants-api",
    ValidRequest("GET", "/tenants", 200, lambda: priming_items("bbws-priming", "priming@example.com")[:1], admin=True),
)
lambda_handler = api_entry_point(app, function="tenants-api")
