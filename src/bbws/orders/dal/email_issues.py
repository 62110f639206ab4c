"""The order's email issues in DynamoDB: one conditional UpdateItem appends one, once.

The issues live on the order item itself (`emailIssues`, a list in order of arrival, with
`emailIssueKeys`, the string set of their keys), so reading an order stays one GetItem and an
admin's view carries them. The write's condition refuses a duplicate SES event (its key is in
the set) and bounds the list; the rest of the order, `updatedAt` included, is untouched: the
order itself did not change.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from bbws.core import aws
from bbws.core.dynamo import failed_condition
from bbws.core.settings import get_settings
from bbws.orders.dal.items import EMAIL_ISSUE_KEYS, EMAIL_ISSUES, issue_to_item
from bbws.orders.dal.schema import order_key
from bbws.orders.models.order import EmailIssue

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

# An order keeps this many email issues; a storm of events for one order adds no more (they are
# still logged, and the addresses are still suppressed).
MAX_EMAIL_ISSUES = 50


class IssueRecorded(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # the same event was recorded before
    NO_ORDER = "no-order"
    FULL = "full"


def append_email_issue(order_id: str, issue: EmailIssue, table: Table | None = None) -> IssueRecorded:
    """Append `issue` to the order's email issues unless it is there already."""
    table = table or aws.table(get_settings().require("orders_table_name"))
    try:
        table.update_item(
            Key=order_key(order_id),
            UpdateExpression="SET #issues = list_append(if_not_exists(#issues, :empty), :issue) ADD #keys :key",
            ConditionExpression=(
                "attribute_exists(pk) AND NOT contains(#keys, :id) "
                "AND (attribute_not_exists(#keys) OR size(#keys) < :max)"
            ),
            ExpressionAttributeNames={"#issues": EMAIL_ISSUES, "#keys": EMAIL_ISSUE_KEYS},
            ExpressionAttributeValues={
                ":empty": [],
                ":issue": [issue_to_item(issue)],
                ":key": {issue.key},
                ":id": issue.key,
                ":max": MAX_EMAIL_ISSUES,
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if not failed_condition(error):
            raise
        # The low-level error carries the item DynamoDB-typed, whatever the resource API.
        raw: Any = error.response.get("Item")
        if not raw:
            return IssueRecorded.NO_ORDER
        keys = TypeDeserializer().deserialize(raw[EMAIL_ISSUE_KEYS]) if EMAIL_ISSUE_KEYS in raw else set()
        return IssueRecorded.DUPLICATE if issue.key in keys else IssueRecorded.FULL
    return IssueRecorded.RECORDED
