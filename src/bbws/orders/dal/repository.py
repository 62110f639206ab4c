"""Orders in DynamoDB: one GetItem to read, one conditional write to create or move an order,
one Query per list page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from bbws.core import aws
from bbws.core.dynamo import failed_condition, query_page
from bbws.core.pagination import CREATED_KEY, ID, CursorShape, Page
from bbws.core.settings import get_settings
from bbws.orders.dal.items import from_item, to_item
from bbws.orders.dal.schema import BY_TENANT_INDEX, BY_TYPE_INDEX, ENTITY_TYPE, ORDER_PREFIX, ORDER_SK, order_key
from bbws.orders.models.order import Order, OrderStatus

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

PENDING_NOTIFICATION = "pendingNotification"
# The key attributes of an order in the lists' indexes, besides the index partition.
_ORDER_KEY: dict[str, str | re.Pattern[str]] = {
    "pk": re.compile(re.escape(ORDER_PREFIX) + ID),
    "sk": ORDER_SK,
    "createdKey": CREATED_KEY,
}
_DESERIALIZER = TypeDeserializer()


class StatusNotChanged(Exception):
    """The conditional status update did not apply; `current` is the order as it stands (None
    if there is no such order)."""

    def __init__(self, current: Order | None, pending_notification: str | None) -> None:
        super().__init__("status not changed")
        self.current = current
        self.pending_notification = pending_notification


def _old_item(error: ClientError) -> dict[str, Any] | None:
    """The item a failed condition returned (ReturnValuesOnConditionCheckFailure=ALL_OLD).
    Error responses bypass the resource layer's conversion, so it arrives in wire format."""
    raw: Any = error.response.get("Item")
    if not raw:
        return None
    return {name: _DESERIALIZER.deserialize(value) for name, value in raw.items()}


@dataclass(frozen=True)
class OrderRepository:
    table: Table

    @classmethod
    def from_settings(cls) -> OrderRepository:
        return cls(aws.table(get_settings().require("orders_table_name")))

    def get(self, order_id: str) -> Order | None:
        item = self.table.get_item(Key=order_key(order_id)).get("Item")
        return from_item(item) if item else None

    def insert(self, order: Order) -> tuple[Order, bool]:
        """Store a new order unless one with its id exists: (the stored order, whether this
        call stored it). One conditional PutItem; a duplicate costs no extra read because the
        failed condition returns the existing item."""
        try:
            self.table.put_item(
                Item=to_item(order),
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not failed_condition(error):
                raise
            existing = (
                _old_item(error) or self.table.get_item(Key=order_key(order.order_id), ConsistentRead=True)["Item"]
            )
            return from_item(existing), False
        return order, True

    def _page(self, query: dict[str, Any], shape: CursorShape, cursor: str | None) -> Page[Order]:
        items, next_cursor = query_page(self.table, query, shape=shape, cursor=cursor)
        return Page(items=[from_item(item) for item in items], next_cursor=next_cursor)

    def list_for_tenant(self, tenant_id: str, limit: int, cursor: str | None) -> Page[Order]:
        """One page of a tenant's orders, newest first."""
        query: dict[str, Any] = {
            "IndexName": BY_TENANT_INDEX,
            "KeyConditionExpression": "tenantId = :tenant",
            "ExpressionAttributeValues": {":tenant": tenant_id},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        # The scope binds a cursor to this tenant: it cannot page through another tenant's orders.
        shape = CursorShape(f"{self.table.name}:{BY_TENANT_INDEX}:{tenant_id}", {**_ORDER_KEY, "tenantId": tenant_id})
        return self._page(query, shape, cursor)

    def list_all(self, limit: int, cursor: str | None) -> Page[Order]:
        """One page of every tenant's orders, newest first."""
        query: dict[str, Any] = {
            "IndexName": BY_TYPE_INDEX,
            "KeyConditionExpression": "entityType = :type",
            "ExpressionAttributeValues": {":type": ENTITY_TYPE},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        shape = CursorShape(
            f"{self.table.name}:{BY_TYPE_INDEX}:{ENTITY_TYPE}", {**_ORDER_KEY, "entityType": ENTITY_TYPE}
        )
        return self._page(query, shape, cursor)

    def change_status(
        self,
        order_id: str,
        target: OrderStatus,
        sources: frozenset[OrderStatus],
        now: str,
        notification: str | None,
        *,
        tenant_id: str | None = None,
    ) -> tuple[Order, str | None]:
        """Move the order to `target` if its status is one of `sources`, in one conditional
        UpdateItem. A notification the move must announce is recorded on the order in the same
        write (the outbox), so it survives a failed publish. Returns the order and the
        notification it owes after the move: this move's, or one an earlier move could not
        publish. With `tenant_id`, only an order of that tenant moves. Raises StatusNotChanged."""
        names = {"#status": "status"}
        values: dict[str, Any] = {":target": target.value, ":now": now}
        for index, source in enumerate(sorted(sources)):
            values[f":from{index}"] = source.value
        allowed = ", ".join(f":from{index}" for index in range(len(sources)))
        update = "SET #status = :target, updatedAt = :now"
        condition = f"attribute_exists(pk) AND #status IN ({allowed})"
        if tenant_id is not None:
            condition += " AND tenantId = :tenant"
            values[":tenant"] = tenant_id
        if notification:
            update += f", {PENDING_NOTIFICATION} = :notification"
            values[":notification"] = notification
        try:
            answer = self.table.update_item(
                Key=order_key(order_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not failed_condition(error):
                raise
            old = _old_item(error)
            pending = str(old[PENDING_NOTIFICATION]) if old and old.get(PENDING_NOTIFICATION) else None
            raise StatusNotChanged(from_item(old) if old else None, pending) from None
        item = answer["Attributes"]
        owed = str(item[PENDING_NOTIFICATION]) if item.get(PENDING_NOTIFICATION) else None
        return from_item(item), owed

    def clear_pending_notification(self, order_id: str, notification: str) -> None:
        """Forget a published notification. Best effort: if this fails the notification is
        published again later and the notifier drops the duplicate."""
        try:
            self.table.update_item(
                Key=order_key(order_id),
                UpdateExpression=f"REMOVE {PENDING_NOTIFICATION}",
                ConditionExpression=f"{PENDING_NOTIFICATION} = :notification",
                ExpressionAttributeValues={":notification": notification},
            )
        except ClientError as error:
            if not failed_condition(error):
                raise
