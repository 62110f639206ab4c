"""Who may see and create tenants, and what a new tenant is."""

from __future__ import annotations

import uuid

from bbws.core.errors import Conflict, NotFound
from bbws.core.identity import Principal, require_admin, tenant_scope
from bbws.core.pagination import Page
from bbws.tenants.dal.repository import EmailTaken, TenantRepository
from bbws.tenants.models.tenant import NewTenant, Tenant

# Longer ids cannot exist (ours are UUIDs); DynamoDB would refuse keys near its size limit.
MAX_TENANT_ID_LENGTH = 128


def list_tenants(repository: TenantRepository, principal: Principal, limit: int, cursor: str | None) -> Page[Tenant]:
    require_admin(principal)
    return repository.list_page(limit, cursor)


def create_tenant(repository: TenantRepository, principal: Principal, request: NewTenant, now: str) -> Tenant:
    require_admin(principal)
    tenant = Tenant(tenant_id=str(uuid.uuid4()), name=request.name, contact_email=request.contact_email, created_at=now)
    try:
        repository.create(tenant)
    except EmailTaken:
        raise Conflict("a tenant with this contact email already exists") from None
    return tenant


def read_tenant(
    repository: TenantRepository, principal: Principal, tenant_id: str, requested_tenant: str | None = None
) -> Tenant:
    """The tenant itself or an admin; to anyone else's token it does not exist (404). A tenant
    naming another tenant in `X-Tenant-Id` is a 403, as on every route."""
    scope = tenant_scope(principal, requested_tenant)
    visible = (scope is None or scope == tenant_id) and len(tenant_id) <= MAX_TENANT_ID_LENGTH
    tenant = repository.get(tenant_id) if visible else None
    if tenant is None:
        raise NotFound("no such tenant")
    return tenant
