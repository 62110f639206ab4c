"""The published API of tenants for other services: find or create the tenant of an email.

Other services (the orders consumer) import only this module.
"""

from __future__ import annotations

import uuid

from bbws.core.clock import now_iso
from bbws.core.mailbox import UndeliverableAddress, parse_mailbox
from bbws.tenants.dal.repository import EmailTaken, TenantRepository
from bbws.tenants.models.tenant import Tenant


def resolve_tenant(email: str) -> str:
    """The id of the tenant whose contact email is the same mailbox as `email` (its canonical
    form, `bbws.core.mailbox`), creating one if there is none. Safe under concurrency: however
    many callers race for a new mailbox, exactly one tenant is created and every caller gets its
    id."""
    repository = TenantRepository.from_settings()
    known = repository.tenant_id_for_email(email)
    if known:
        return known
    try:
        address = parse_mailbox(email).address
    except UndeliverableAddress:  # an order accepted before addresses were validated: store it
        address = email.strip()
    tenant = Tenant(tenant_id=str(uuid.uuid4()), name=address, contact_email=address, created_at=now_iso())
    try:
        repository.create(tenant)
    except EmailTaken:
        # Lost the race: the winner's claim is committed, so a consistent read sees it.
        winner = repository.tenant_id_for_email(email, consistent=True)
        if winner is None:  # pragma: no cover - a committed transaction is always visible
            raise
        return winner
    return tenant.tenant_id
