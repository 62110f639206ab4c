"""Who may see and create tenants, and what a new tenant is."""

from __future__ import annotations

import uuid

from bbws.core.errors import Conflict, NotFound
from bbws.core.identity import MAX_TENANT_ID_LENGTH, Principal, require_admin, tenant_scope
from bbws.core.pagination import Page, invalid_cursor
from bbws.tenants.dal.repository import EmailTaken, TenantRepository
from bbws.tenants.models.tenant import NewTenant, Tenant


def list_tenants(repository: TenantRepository, principal: Principal, limit: int, cursor: str | None) -> Page[Tenant]:
    """Every tenant, newest first (admin); an admin that selected a tenant (`X-Tenant-Id`) sees
    only that one (one GetItem; no page follows, so no cursor belongs to that list)."""
    require_admin(principal)
    selected = tenant_scope(principal)
    if selected is None:
        return repository.list_page(limit, cursor)
    if cursor:
        raise invalid_cursor()
    tenant = repository.get(selected)
    return Page(items=[tenant] if tenant else [], next_cursor=None)


def create_tenant(repository: TenantRepository, principal: Principal, request: NewTenant, now: str) -> Tenant:
    require_admin(principal)
    taken = Conflict("a tenant with this contact email already exists")
    # The transaction refuses a second claim on the canonical key; a claim written under a
    # legacy spelling (before the canonical form) is found only by looking it up.
    if repository.tenant_id_for_email(request.contact_email):
        raise taken
    tenant = Tenant(tenant_id=str(uuid.uuid4()), name=request.name, contact_email=request.contact_email, created_at=now)
    try:
        repository.create(tenant)
    except EmailTaken:
        raise taken from None
    return tenant


def read_tenant(repository: TenantRepository, principal: Principal, tenant_id: str) -> Tenant:
    """The tenant itself or an admin; to anyone else's token (and outside the tenant an admin
    selected) it does not exist (404)."""
    scope = tenant_scope(principal)
    visible = (scope is None or scope == tenant_id) and len(tenant_id) <= MAX_TENANT_ID_LENGTH
    tenant = repository.get(tenant_id) if visible else None
    if tenant is None:
        raise NotFound("no such tenant")
    return tenant
