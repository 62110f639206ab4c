"""Tenants in DynamoDB: one GetItem to read, one transaction to create, one Query per page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bbws.core import aws
from bbws.core.dynamo import query_page
from bbws.core.pagination import CREATED_KEY, ID, CursorShape, Page
from bbws.core.settings import get_settings
from bbws.tenants.dal.schema import (
    BY_TYPE_INDEX,
    ENTITY_TYPE,
    TENANT_PREFIX,
    TENANT_SK,
    created_key,
    email_key,
    email_lookup_keys,
    tenant_key,
)
from bbws.tenants.models.tenant import Tenant

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

_LIST_KEY: dict[str, str | re.Pattern[str]] = {
    "pk": re.compile(re.escape(TENANT_PREFIX) + ID),
    "sk": TENANT_SK,
    "entityType": ENTITY_TYPE,
    "createdKey": CREATED_KEY,
}


class EmailTaken(Exception):
    """The contact email's mailbox already belongs to a tenant (any spelling)."""


def to_item(tenant: Tenant) -> dict[str, Any]:
    return {
        **tenant_key(tenant.tenant_id),
        "entityType": ENTITY_TYPE,
        "createdKey": created_key(tenant.created_at, tenant.tenant_id),
        "tenantId": tenant.tenant_id,
        "name": tenant.name,
        "contactEmail": tenant.contact_email,
        "createdAt": tenant.created_at,
    }


def priming_items(tenant_id: str, email: str) -> list[dict[str, Any]]:
    """A tenant and its email claim as the table holds them, for SnapStart priming: its stub
    answers reads of them (an id and a mailbox no real request names) while one rehearsal runs
    (`bbws.core.priming`); nothing ever stores them."""
    tenant = Tenant(tenant_id=tenant_id, name="Priming", contact_email=email, created_at="2026-01-01T00:00:00Z")
    return [to_item(tenant), {**email_key(email), "tenantId": tenant_id}]


def from_item(item: Mapping[str, Any]) -> Tenant:
    return Tenant(
        tenant_id=str(item["tenantId"]),
        name=str(item["name"]),
        contact_email=str(item["contactEmail"]),
        created_at=str(item["createdAt"]),
    )


@dataclass(frozen=True)
class TenantRepository:
    table: Table

    @classmethod
    def from_settings(cls) -> TenantRepository:
        return cls(aws.table(get_settings().require("tenants_table_name")))

    def get(self, tenant_id: str) -> Tenant | None:
        item = self.table.get_item(Key=tenant_key(tenant_id)).get("Item")
        return from_item(item) if item else None

    def tenant_id_for_email(self, email: str, *, consistent: bool = False) -> str | None:
        """The tenant owning this mailbox: one GetItem on its canonical claim (a second only for
        an address with a legacy spelling the canonical claim missed)."""
        for key in email_lookup_keys(email):
            item = self.table.get_item(Key=key, ConsistentRead=consistent).get("Item")
            if item:
                return str(item["tenantId"])
        return None

    def create(self, tenant: Tenant) -> None:
        """Store the tenant and its claim on the contact email, both or neither.

        Raises EmailTaken when the email is already claimed: of concurrent creations for one
        email exactly one transaction commits.
        """
        # The resource's client converts Python values, unlike its low-level typing says.
        client: Any = self.table.meta.client
        condition = "attribute_not_exists(pk)"
        try:
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self.table.name, "Item": to_item(tenant), "ConditionExpression": condition}},
                    {
                        "Put": {
                            "TableName": self.table.name,
                            "Item": {**email_key(tenant.contact_email), "tenantId": tenant.tenant_id},
                            "ConditionExpression": condition,
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            codes = [reason.get("Code") for reason in reasons]
            # Either the claim failed its condition, or (older emulators) no reasons are given:
            # both mean another writer owns the email; anything else is a real failure.
            if not codes or (len(codes) > 1 and codes[1] == "ConditionalCheckFailed"):
                raise EmailTaken(tenant.contact_email) from None
            raise

    def list_page(self, limit: int, cursor: str | None) -> Page[Tenant]:
        shape = CursorShape(f"{self.table.name}:{BY_TYPE_INDEX}:{ENTITY_TYPE}", _LIST_KEY)
        query: dict[str, Any] = {
            "IndexName": BY_TYPE_INDEX,
            "KeyConditionExpression": "entityType = :type",
            "ExpressionAttributeValues": {":type": ENTITY_TYPE},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        items, next_cursor = query_page(self.table, query, shape=shape, cursor=cursor)
        return Page(items=[from_item(item) for item in items], next_cursor=next_cursor)
