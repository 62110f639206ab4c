"""The storage shape the catalog services share: one versioned, soft-deletable item per entity,
listed through a constant-partition index (everything) and a sparse one (only active items).

Products and campaigns differ only in their key and the attribute their lists are sorted by, so
the table definition, the conditional writes and the one-Query list page live here once.

| attribute    | value                          | purpose                                             |
|--------------|--------------------------------|-----------------------------------------------------|
| `pk`, `sk`   | `<TYPE>#<id>`, `<TYPE>`        | the item's key: one GetItem reads one               |
| `entityType` | `<TYPE>` on every item         | `by-type` GSI partition: admin "all" lists          |
| `activeType` | `<TYPE>` only while active     | `active-by-type` GSI partition (SPARSE): public     |
| sort         | the id (`productId`, `code`)   | sort key of both GSIs: lists ordered by id          |

Switching an item off REMOVEs `activeType`, so it drops out of the sparse index and public
lists never read it. Both GSIs project ALL attributes: a list page is exactly one Query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bbws.core.dynamo import failed_condition, query_page
from bbws.core.errors import Conflict, NotFound, PreconditionFailed
from bbws.core.pagination import ID, CursorShape

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

ENTITY_ATTRIBUTE = "entityType"
ACTIVE_ATTRIBUTE = "activeType"
BY_TYPE_INDEX = "by-type"
ACTIVE_INDEX = "active-by-type"

_INDEX_PARTITION = {ACTIVE_INDEX: ACTIVE_ATTRIBUTE, BY_TYPE_INDEX: ENTITY_ATTRIBUTE}


def table_definition(sort_attribute: str) -> dict[str, Any]:
    """create_table arguments (without TableName) for a table of versioned items."""

    def index(name: str, partition: str) -> dict[str, Any]:
        return {
            "IndexName": name,
            "KeySchema": [
                {"AttributeName": partition, "KeyType": "HASH"},
                {"AttributeName": sort_attribute, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }

    return {
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("pk", "sk", ENTITY_ATTRIBUTE, ACTIVE_ATTRIBUTE, sort_attribute)
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [
            index(BY_TYPE_INDEX, ENTITY_ATTRIBUTE),
            index(ACTIVE_INDEX, ACTIVE_ATTRIBUTE),
        ],
    }


@dataclass(frozen=True)
class ListFilter:
    """A FilterExpression applied to a list Query (a page may then hold fewer items)."""

    expression: str
    names: dict[str, str]
    values: dict[str, Any]


@dataclass(frozen=True)
class VersionedItems:
    """Conditional reads and writes of one entity type's items; every write is one call."""

    table: Table
    entity_type: str  # "PRODUCT": the value of entityType / activeType
    sort_attribute: str  # "productId": the GSIs' sort key
    noun: str  # "product": used in problem details

    def get(self, key: dict[str, str]) -> dict[str, Any] | None:
        return self.table.get_item(Key=key).get("Item")

    def create(self, item: dict[str, Any], identity: str) -> None:
        """Store a new item; 409 if its key is taken (even by an inactive item)."""
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if failed_condition(exc):
                raise Conflict(f"a {self.noun} {identity} already exists") from None
            raise

    def replace(
        self,
        key: dict[str, str],
        fields: dict[str, Any],
        *,
        active: bool | None,
        expected_versions: tuple[int, ...] | None,
        updated_at: str,
        identity: str,
    ) -> dict[str, Any]:
        """Overwrite the client fields of an existing item and bump its version, in one
        conditional UpdateItem. A field whose value is None is removed. 404 if the item does
        not exist, 412 if its version is none of those expected (None: any version)."""
        present = {name: value for name, value in fields.items() if value is not None}
        absent = [name for name, value in fields.items() if value is None]
        values: dict[str, Any] = {**present, "updatedAt": updated_at}
        names = {f"#{name}": name for name in [*values, *absent]}
        names["#version"] = "version"
        expression_values: dict[str, Any] = {f":{name}": value for name, value in values.items()}
        expression_values[":one"] = 1
        sets = [f"#{name} = :{name}" for name in values]
        sets.append("#version = #version + :one")
        removes = [f"#{name}" for name in absent]
        if active is not None:
            names["#active"] = "active"
            names["#activeType"] = ACTIVE_ATTRIBUTE
            expression_values[":active"] = active
            sets.append("#active = :active")
            if active:
                expression_values[":activeType"] = self.entity_type
                sets.append("#activeType = :activeType")
            else:
                removes.append("#activeType")
        condition = "attribute_exists(pk)"
        if expected_versions is not None:
            placeholders = [f":expected{n}" for n in range(len(expected_versions))]
            condition += f" AND #version IN ({', '.join(placeholders)})"
            expression_values.update(zip(placeholders, expected_versions, strict=True))
        update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return self._update(key, update, condition, names, expression_values, identity=identity)

    def deactivate(self, key: dict[str, str], updated_at: str, identity: str) -> dict[str, Any]:
        """Soft delete: `active` false and out of the active index. 404 if it does not exist."""
        return self._update(
            key,
            "SET #active = :false, #updatedAt = :now, #version = #version + :one REMOVE #activeType",
            "attribute_exists(pk)",
            {"#active": "active", "#updatedAt": "updatedAt", "#version": "version", "#activeType": ACTIVE_ATTRIBUTE},
            {":false": False, ":now": updated_at, ":one": 1},
            identity=identity,
        )

    def _update(
        self,
        key: dict[str, str],
        update: str,
        condition: str,
        names: dict[str, str],
        values: dict[str, Any],
        *,
        identity: str,
    ) -> dict[str, Any]:
        try:
            answer = self.table.update_item(
                Key=key,
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                # The old item tells a missing item (404) from a stale version (412) without a
                # second read.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not failed_condition(exc):
                raise
            if exc.response.get("Item"):
                raise PreconditionFailed(f"the {self.noun} has changed since that version was read") from None
            raise NotFound(f"no {self.noun} {identity}") from None
        return answer["Attributes"]

    def page(
        self, *, active_only: bool, limit: int, cursor: str | None, where: ListFilter | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One Query on the sparse active index (or the all-items index): items and next cursor."""
        index = ACTIVE_INDEX if active_only else BY_TYPE_INDEX
        partition = _INDEX_PARTITION[index]
        shape = CursorShape(
            scope=f"{self.table.name}/{index}",
            attributes={
                "pk": re.compile(re.escape(f"{self.entity_type}#") + ID),
                "sk": self.entity_type,
                partition: self.entity_type,
                self.sort_attribute: re.compile(ID),
            },
        )
        names = {"#partition": partition}
        values: dict[str, Any] = {":type": self.entity_type}
        query: dict[str, Any] = {"IndexName": index, "KeyConditionExpression": "#partition = :type", "Limit": limit}
        if where:
            query["FilterExpression"] = where.expression
            names.update(where.names)
            values.update(where.values)
        query["ExpressionAttributeNames"] = names
        query["ExpressionAttributeValues"] = values
        return query_page(self.table, query, shape=shape, cursor=cursor)
