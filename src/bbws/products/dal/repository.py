"""The products table behind a small class: one call per operation, every write conditional."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bbws.core import aws
from bbws.core.pagination import Page
from bbws.core.settings import get_settings
from bbws.core.versioned_items import VersionedItems
from bbws.products.dal.items import ProductRecord, from_item, to_item
from bbws.products.dal.schema import ENTITY_TYPE, product_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class ProductRepository:
    """Reads and writes products in the table named by `PRODUCTS_TABLE_NAME`."""

    def __init__(self, table: Table) -> None:
        self._items = VersionedItems(table, ENTITY_TYPE, sort_attribute="productId", noun="product")

    @classmethod
    def from_settings(cls) -> ProductRepository:
        return cls(aws.table(get_settings().require("products_table_name")))

    def get(self, product_id: str) -> ProductRecord | None:
        item = self._items.get(product_key(product_id))
        return from_item(item) if item else None

    def create(self, record: ProductRecord) -> None:
        """Store a new product; 409 if the id is taken (even by an inactive product)."""
        self._items.create(to_item(record), f"with id {record.product_id!r}")

    def replace(
        self,
        product_id: str,
        fields: dict[str, Any],
        *,
        active: bool | None,
        expected_versions: tuple[int, ...] | None,
        updated_at: str,
    ) -> ProductRecord:
        """Overwrite the client fields of an existing product and bump its version, in one
        conditional UpdateItem. 404 if it does not exist, 412 if its version is none of those
        expected (None: any version)."""
        item = self._items.replace(
            product_key(product_id),
            fields,
            active=active,
            expected_versions=expected_versions,
            updated_at=updated_at,
            identity=repr(product_id),
        )
        return from_item(item)

    def deactivate(self, product_id: str, updated_at: str) -> ProductRecord:
        """Soft delete: `active` false and out of the active index. 404 if it does not exist."""
        return from_item(self._items.deactivate(product_key(product_id), updated_at, repr(product_id)))

    def list_page(self, *, active_only: bool, limit: int, cursor: str | None) -> Page[ProductRecord]:
        """One Query on the sparse active index (or, for admins, the all-products index)."""
        items, next_cursor = self._items.page(active_only=active_only, limit=limit, cursor=cursor)
        return Page(items=[from_item(item) for item in items], next_cursor=next_cursor)
