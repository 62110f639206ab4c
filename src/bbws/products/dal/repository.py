"""The products table behind a small class: one call per operation, every write conditional."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bbws.core import aws
from bbws.core.errors import Conflict, NotFound, PreconditionFailed
from bbws.core.pagination import Page, decode_cursor, encode_cursor
from bbws.core.settings import get_settings
from bbws.products.dal.items import ProductRecord, from_item, to_item
from bbws.products.dal.schema import ACTIVE_INDEX, BY_TYPE_INDEX, ENTITY_TYPE, product_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

_CONDITION_FAILED = "ConditionalCheckFailedException"
_INDEX_PARTITION = {ACTIVE_INDEX: "activeType", BY_TYPE_INDEX: "entityType"}


class ProductRepository:
    """Reads and writes products in the table named by `PRODUCTS_TABLE_NAME`."""

    def __init__(self, table: Table) -> None:
        self._table = table

    @classmethod
    def from_settings(cls) -> ProductRepository:
        return cls(aws.table(get_settings().require("products_table_name")))

    def get(self, product_id: str) -> ProductRecord | None:
        item = self._table.get_item(Key=product_key(product_id)).get("Item")
        return from_item(item) if item else None

    def create(self, record: ProductRecord) -> None:
        """Store a new product; 409 if the id is taken (even by an inactive product)."""
        try:
            self._table.put_item(Item=to_item(record), ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] == _CONDITION_FAILED:
                raise Conflict(f"a product with id {record.product_id!r} already exists") from None
            raise

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
        values: dict[str, Any] = {**fields, "updatedAt": updated_at}
        names = {f"#{name}": name for name in values}
        names["#version"] = "version"
        expression_values: dict[str, Any] = {f":{name}": value for name, value in values.items()}
        expression_values[":one"] = 1
        sets = [f"#{name} = :{name}" for name in values]
        sets.append("#version = #version + :one")
        removes: list[str] = []
        if active is not None:
            names["#active"] = "active"
            names["#activeType"] = "activeType"
            expression_values[":active"] = active
            sets.append("#active = :active")
            if active:
                expression_values[":activeType"] = ENTITY_TYPE
                sets.append("#activeType = :activeType")
            else:
                removes.append("#activeType")
        condition = "attribute_exists(pk)"
        if expected_versions is not None:
            placeholders = [f":expected{n}" for n in range(len(expected_versions))]
            condition += f" AND #version IN ({', '.join(placeholders)})"
            expression_values.update(zip(placeholders, expected_versions, strict=True))
        update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return self._update(product_id, update, condition, names, expression_values)

    def deactivate(self, product_id: str, updated_at: str) -> ProductRecord:
        """Soft delete: `active` false and out of the active index. 404 if it does not exist."""
        return self._update(
            product_id,
            "SET #active = :false, #updatedAt = :now, #version = #version + :one REMOVE #activeType",
            "attribute_exists(pk)",
            {"#active": "active", "#updatedAt": "updatedAt", "#version": "version", "#activeType": "activeType"},
            {":false": False, ":now": updated_at, ":one": 1},
        )

    def _update(
        self, product_id: str, update: str, condition: str, names: dict[str, str], values: dict[str, Any]
    ) -> ProductRecord:
        try:
            answer = self._table.update_item(
                Key=product_key(product_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                # The old item tells a missing product (404) from a stale version (412)
                # without a second read.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != _CONDITION_FAILED:
                raise
            if exc.response.get("Item"):
                raise PreconditionFailed("the product has changed since that version was read") from None
            raise NotFound(f"no product {product_id!r}") from None
        return from_item(answer["Attributes"])

    def list_page(self, *, active_only: bool, limit: int, cursor: str | None) -> Page[ProductRecord]:
        """One Query on the sparse active index (or, for admins, the all-products index)."""
        index = ACTIVE_INDEX if active_only else BY_TYPE_INDEX
        partition = _INDEX_PARTITION[index]
        scope = f"{self._table.name}/{index}"
        start = decode_cursor(cursor, scope, frozenset({"pk", "sk", partition, "productId"}))
        query: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": "#partition = :type",
            "ExpressionAttributeNames": {"#partition": partition},
            "ExpressionAttributeValues": {":type": ENTITY_TYPE},
            "Limit": limit,
        }
        if start:
            query["ExclusiveStartKey"] = start
        answer = self._table.query(**query)
        return Page(
            items=[from_item(item) for item in answer.get("Items", [])],
            next_cursor=encode_cursor(answer.get("LastEvaluatedKey"), scope),
        )
