"""DynamoDB idioms every table's data access shares: a list page as one Query, and telling a
failed condition (an expected outcome) from every other error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bbws.core.pagination import CursorShape, decode_cursor, encode_cursor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

CONDITION_FAILED = "ConditionalCheckFailedException"


def failed_condition(error: ClientError) -> bool:
    """Whether a write was refused by its ConditionExpression (not throttled, not broken)."""
    return error.response.get("Error", {}).get("Code") == CONDITION_FAILED


def query_page(
    table: Table,
    query: Mapping[str, Any],
    *,
    shape: CursorShape,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One Query, starting where `cursor` left off: the page's items and the next cursor.

    `shape` binds the cursor to this query and its keys (see `bbws.core.pagination`).
    """
    request = dict(query)
    start = decode_cursor(cursor, shape)
    if start:
        request["ExclusiveStartKey"] = start
    answer = table.query(**request)
    return answer.get("Items", []), encode_cursor(answer.get("LastEvaluatedKey"), shape)
