"""Catalog rules: who may see and change which products, and what a change does."""

from __future__ import annotations

import re
import secrets
from typing import Protocol

from bbws.core.errors import NotFound
from bbws.core.identity import Principal, require_admin
from bbws.core.money import format_money
from bbws.core.pagination import Page
from bbws.core.preconditions import expected_versions
from bbws.products.dal.items import ProductRecord
from bbws.products.models.product import PRODUCT_ID_PATTERN, Product, ProductCreate, ProductReplace

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_PRODUCT_ID = re.compile(PRODUCT_ID_PATTERN)
_SLUG_MAX = 50  # leaves room for "-" and the random suffix within the 64-character id limit


class ProductStore(Protocol):
    """The data access the catalog rules need (ProductRepository in production)."""

    def get(self, product_id: str) -> ProductRecord | None: ...

    def create(self, record: ProductRecord) -> None: ...

    def replace(
        self,
        product_id: str,
        fields: dict[str, object],
        *,
        active: bool | None,
        expected_versions: tuple[int, ...] | None,
        updated_at: str,
    ) -> ProductRecord: ...

    def deactivate(self, product_id: str, updated_at: str) -> ProductRecord: ...

    def list_page(self, *, active_only: bool, limit: int, cursor: str | None) -> Page[ProductRecord]: ...


def new_product_id(name: str, suffix: str | None = None) -> str:
    """A readable id made from the name ("Business Hosting" -> "business-hosting-3f9a1c"); the
    random suffix keeps two products with the same name apart."""
    slug = _NOT_SLUG.sub("-", name.lower()).strip("-")[:_SLUG_MAX].strip("-") or "product"
    return f"{slug}-{suffix or secrets.token_hex(3)}"


def _known_id(product_id: str) -> str:
    """An id that could never have been created is simply not found (and never reaches
    DynamoDB, whose key limits it might break)."""
    if not _PRODUCT_ID.fullmatch(product_id):
        raise NotFound(f"no product {product_id[:70]!r}")
    return product_id


def _client_fields(request: ProductCreate | ProductReplace) -> dict[str, object]:
    return {
        "name": request.name,
        "description": request.description,
        "price": request.price,
        "currency": request.currency,
        "features": list(request.features),
        "billingCycle": request.billing_cycle,
    }


def to_view(record: ProductRecord) -> Product:
    return Product(
        product_id=record.product_id,
        name=record.name,
        description=record.description,
        price=format_money(record.price, record.currency),
        currency=record.currency,
        features=list(record.features),
        billing_cycle=record.billing_cycle,
        active=record.active,
        version=record.version,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def create_product(store: ProductStore, principal: Principal, request: ProductCreate, now: str) -> ProductRecord:
    require_admin(principal)
    record = ProductRecord(
        product_id=request.product_id or new_product_id(request.name),
        name=request.name,
        description=request.description,
        price=request.price,
        currency=request.currency,
        features=tuple(request.features),
        billing_cycle=request.billing_cycle,
        active=True,
        version=1,
        created_at=now,
        updated_at=now,
    )
    store.create(record)
    return record


def read_product(store: ProductStore, principal: Principal, product_id: str) -> ProductRecord:
    """A product; an inactive one exists only for admins (404 for everyone else)."""
    record = store.get(_known_id(product_id))
    if record is None or (not record.active and not principal.is_admin):
        raise NotFound(f"no product {product_id!r}")
    return record


def replace_product(
    store: ProductStore,
    principal: Principal,
    product_id: str,
    request: ProductReplace,
    *,
    if_match: str | None,
    now: str,
) -> ProductRecord:
    require_admin(principal)
    return store.replace(
        _known_id(product_id),
        _client_fields(request),
        active=request.active,
        expected_versions=expected_versions(if_match),
        updated_at=now,
    )


def retire_product(store: ProductStore, principal: Principal, product_id: str, now: str) -> None:
    """Soft delete: the product stays (orders refer to it) but leaves the public catalog."""
    require_admin(principal)
    store.deactivate(_known_id(product_id), now)


def list_products(
    store: ProductStore, principal: Principal, *, include_inactive: bool, limit: int, cursor: str | None
) -> Page[ProductRecord]:
    if include_inactive:
        require_admin(principal)
    return store.list_page(active_only=not include_inactive, limit=limit, cursor=cursor)
