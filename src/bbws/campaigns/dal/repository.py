"""The campaigns table behind a small class: one call per operation, every write conditional."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bbws.campaigns.dal.items import CampaignRecord, from_item, to_item
from bbws.campaigns.dal.schema import ACTIVE_INDEX, BY_TYPE_INDEX, ENTITY_TYPE, campaign_key
from bbws.core import aws
from bbws.core.errors import Conflict, NotFound, PreconditionFailed
from bbws.core.pagination import Page, decode_cursor, encode_cursor
from bbws.core.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

_CONDITION_FAILED = "ConditionalCheckFailedException"
_INDEX_PARTITION = {ACTIVE_INDEX: "activeType", BY_TYPE_INDEX: "entityType"}
# The date window as a filter on the sparse index; timestamps are stored as ISO 8601 UTC
# with second precision, so comparing the strings compares the moments.
_IN_WINDOW = "#startsAt <= :now AND (attribute_not_exists(#endsAt) OR #endsAt > :now)"


class CampaignRepository:
    """Reads and writes campaigns in the table named by `CAMPAIGNS_TABLE_NAME`."""

    def __init__(self, table: Table) -> None:
        self._table = table

    @classmethod
    def from_settings(cls) -> CampaignRepository:
        return cls(aws.table(get_settings().require("campaigns_table_name")))

    def get(self, code: str) -> CampaignRecord | None:
        item = self._table.get_item(Key=campaign_key(code)).get("Item")
        return from_item(item) if item else None

    def create(self, record: CampaignRecord) -> None:
        """Store a new campaign; 409 if the code is taken (even by a switched-off campaign)."""
        try:
            self._table.put_item(Item=to_item(record), ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] == _CONDITION_FAILED:
                raise Conflict(f"a campaign with code {record.code!r} already exists") from None
            raise

    def replace(
        self,
        code: str,
        fields: dict[str, Any],
        *,
        active: bool | None,
        expected_versions: tuple[int, ...] | None,
        updated_at: str,
    ) -> CampaignRecord:
        """Overwrite the client fields of an existing campaign and bump its version, in one
        conditional UpdateItem. A field whose value is None is removed (an open-ended campaign
        has no `endsAt`). 404 if it does not exist, 412 if its version is none of those expected."""
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
        return self._update(code, update, condition, names, expression_values)

    def deactivate(self, code: str, updated_at: str) -> CampaignRecord:
        """Soft delete: `active` false and out of the active index. 404 if it does not exist."""
        return self._update(
            code,
            "SET #active = :false, #updatedAt = :now, #version = #version + :one REMOVE #activeType",
            "attribute_exists(pk)",
            {"#active": "active", "#updatedAt": "updatedAt", "#version": "version", "#activeType": "activeType"},
            {":false": False, ":now": updated_at, ":one": 1},
        )

    def _update(
        self, code: str, update: str, condition: str, names: dict[str, str], values: dict[str, Any]
    ) -> CampaignRecord:
        try:
            answer = self._table.update_item(
                Key=campaign_key(code),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                # The old item tells a missing campaign (404) from a stale version (412)
                # without a second read.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != _CONDITION_FAILED:
                raise
            if exc.response.get("Item"):
                raise PreconditionFailed("the campaign has changed since that version was read") from None
            raise NotFound(f"no campaign {code.upper()!r}") from None
        return from_item(answer["Attributes"])

    def list_page(self, *, usable_at: str | None, limit: int, cursor: str | None) -> Page[CampaignRecord]:
        """One Query per page: with `usable_at`, the sparse active index filtered to campaigns
        whose window contains that moment (a page may then hold fewer than `limit` items);
        without it, every campaign (admins)."""
        index = ACTIVE_INDEX if usable_at else BY_TYPE_INDEX
        partition = _INDEX_PARTITION[index]
        scope = f"{self._table.name}/{index}"
        start = decode_cursor(cursor, scope, frozenset({"pk", "sk", partition, "code"}))
        names = {"#partition": partition}
        values: dict[str, Any] = {":type": ENTITY_TYPE}
        query: dict[str, Any] = {"IndexName": index, "KeyConditionExpression": "#partition = :type", "Limit": limit}
        if usable_at:
            query["FilterExpression"] = _IN_WINDOW
            names.update({"#startsAt": "startsAt", "#endsAt": "endsAt"})
            values[":now"] = usable_at
        query["ExpressionAttributeNames"] = names
        query["ExpressionAttributeValues"] = values
        if start:
            query["ExclusiveStartKey"] = start
        answer = self._table.query(**query)
        return Page(
            items=[from_item(item) for item in answer.get("Items", [])],
            next_cursor=encode_cursor(answer.get("LastEvaluatedKey"), scope),
        )
