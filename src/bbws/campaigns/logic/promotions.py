"""Campaign rules: who may see which campaigns, when a code is usable, what a change does."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from bbws.campaigns.dal.items import CampaignRecord
from bbws.campaigns.models.campaign import CODE_INPUT_PATTERN, Campaign, CampaignCreate, CampaignReplace
from bbws.core.clock import iso
from bbws.core.errors import FieldError, InvalidInput, NotFound
from bbws.core.identity import Principal, require_admin
from bbws.core.pagination import Page
from bbws.core.preconditions import expected_versions

_PERCENT_PLACES = Decimal("0.01")
_CODE = re.compile(CODE_INPUT_PATTERN)


def _known_code(code: str) -> str:
    """The code as stored; one that could never have been created is simply not found (and
    never reaches DynamoDB, whose key limits it might break)."""
    if not _CODE.fullmatch(code):
        raise NotFound(f"no campaign {code[:40]!r}")
    return code.upper()


class CampaignStore(Protocol):
    """The data access the campaign rules need (CampaignRepository in production)."""

    def get(self, code: str) -> CampaignRecord | None: ...

    def create(self, record: CampaignRecord) -> None: ...

    def replace(
        self,
        code: str,
        fields: dict[str, object],
        *,
        active: bool | None,
        expected_versions: tuple[int, ...] | None,
        updated_at: str,
    ) -> CampaignRecord: ...

    def deactivate(self, code: str, updated_at: str) -> CampaignRecord: ...

    def list_page(self, *, usable_at: str | None, limit: int, cursor: str | None) -> Page[CampaignRecord]: ...


def is_usable(*, active: bool, starts_at: datetime, ends_at: datetime | None, moment: datetime) -> bool:
    """Switched on and inside its window: `startsAt <= moment < endsAt` (no end: open-ended)."""
    if not active or moment < starts_at:
        return False
    return ends_at is None or moment < ends_at


def usable_at(record: CampaignRecord, moment: datetime) -> bool:
    return is_usable(active=record.active, starts_at=record.starts_at, ends_at=record.ends_at, moment=moment)


def to_view(record: CampaignRecord) -> Campaign:
    return Campaign(
        code=record.code,
        description=record.description,
        discount_percent=str(record.discount_percent.quantize(_PERCENT_PLACES)),
        product_ids=list(record.product_ids),
        starts_at=iso(record.starts_at),
        ends_at=iso(record.ends_at) if record.ends_at else None,
        active=record.active,
        version=record.version,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def _product_ids(ids: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))  # duplicates dropped, the admin's order kept


def create_campaign(
    store: CampaignStore, principal: Principal, request: CampaignCreate, now: datetime
) -> CampaignRecord:
    require_admin(principal)
    starts_at = request.starts_at or now
    if request.ends_at is not None and request.ends_at <= starts_at:
        # Only reachable when startsAt defaulted to now: the model checked explicit windows.
        raise InvalidInput("the campaign would end before it starts", [FieldError("endsAt", "must be in the future")])
    record = CampaignRecord(
        code=request.code,
        description=request.description,
        discount_percent=request.discount_percent,
        product_ids=_product_ids(request.product_ids),
        starts_at=starts_at,
        ends_at=request.ends_at,
        active=True,
        version=1,
        created_at=iso(now),
        updated_at=iso(now),
    )
    store.create(record)
    return record


def read_campaign(store: CampaignStore, principal: Principal, code: str, now: datetime) -> CampaignRecord:
    """A campaign; for anyone but an admin it exists only while usable (404 otherwise)."""
    record = store.get(_known_code(code))
    if record is None or (not principal.is_admin and not usable_at(record, now)):
        raise NotFound(f"no campaign {code.upper()!r}")
    return record


def replace_campaign(
    store: CampaignStore,
    principal: Principal,
    code: str,
    request: CampaignReplace,
    *,
    if_match: str | None,
    now: datetime,
) -> CampaignRecord:
    require_admin(principal)
    fields: dict[str, object] = {
        "description": request.description,
        "discountPercent": request.discount_percent,
        "productIds": list(_product_ids(request.product_ids)),
        "startsAt": iso(request.starts_at),
        "endsAt": iso(request.ends_at) if request.ends_at else None,
    }
    return store.replace(
        _known_code(code),
        fields,
        active=request.active,
        expected_versions=expected_versions(if_match),
        updated_at=iso(now),
    )


def retire_campaign(store: CampaignStore, principal: Principal, code: str, now: datetime) -> None:
    """Soft delete: the campaign stays (orders refer to its code) but can no longer be used."""
    require_admin(principal)
    store.deactivate(_known_code(code), iso(now))


def list_campaigns(
    store: CampaignStore, principal: Principal, *, limit: int, cursor: str | None, now: datetime
) -> Page[CampaignRecord]:
    """Admins see every campaign; anyone else only those usable now."""
    return store.list_page(usable_at=None if principal.is_admin else iso(now), limit=limit, cursor=cursor)
