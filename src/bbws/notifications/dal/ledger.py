"""The sent-email ledger: one item per (order, template) in the orders table, claimed before
SES is called and marked sent after, so each email goes out once however often, and however
concurrently, its message is delivered.

Key scheme (items of this service in the orders table, `DYNAMODB_TABLE_NAME`):

| attribute        | value                                   | purpose                                |
|------------------|-----------------------------------------|----------------------------------------|
| `pk`             | `NOTIFICATION#<orderId>`                | own prefix: never collides with orders |
| `sk`             | `EMAIL#<template>`                      | one item per email of the order        |
| `status`         | `SENDING` while claimed, then `SENT`    | `SUPPRESSED` instead of `SENT`: every  |
|                  | or `SUPPRESSED`                         | recipient suppressed; final, not sent  |
| `claimToken`     | random, per claim                       | only the claimant may release/complete |
| `leaseExpiresAt` | epoch ms; while `SENDING`               | a crashed claimant's claim lapses      |
| `sentAt`, `sesMessageId` | once `SENT`                     | the delivery record, kept for audit    |

The items carry neither `entityType` nor `createdKey`, so they never enter the orders table's
GSIs (order lists are unaffected), and no TTL: they are the record of what a customer was sent.

Why a conditional put rather than Powertools' idempotency utility: on a table with a sort key,
its DynamoDB layer writes every record under one constant partition key and an opaque hash, so
all claims would share one hot partition and nobody could tell which email an order has had.
Here the claim is one conditional PutItem keyed by the order, readable by people, and releasing
it is a conditional DeleteItem on our own token; the lease (the claimant's Lambda deadline)
plays the part of Powertools' in-progress expiry.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bbws.core import aws
from bbws.core.clock import now_iso
from bbws.core.dynamo import failed_condition
from bbws.core.observability import logger
from bbws.notifications.errors import ClaimHeldElsewhere
from bbws.notifications.models.emails import Claim

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

PK = "pk"
SK = "sk"
KEY_PREFIX = "NOTIFICATION#"
EMAIL_PREFIX = "EMAIL#"
SENDING = "SENDING"
SENT = "SENT"
SUPPRESSED = "SUPPRESSED"
DONE = frozenset({SENT, SUPPRESSED})  # final: never claimed again


def ledger_key(order_id: str, template: str) -> dict[str, str]:
    return {PK: KEY_PREFIX + order_id, SK: EMAIL_PREFIX + template}


def epoch_ms() -> int:
    return time.time_ns() // 1_000_000


class SentEmailLedger:
    """Claims, completes and releases (order, template) emails in the orders table."""

    def __init__(self, table_name: str, *, clock_ms: Callable[[], int] = epoch_ms) -> None:
        self.table_name = table_name
        self._clock_ms = clock_ms

    @property
    def _table(self) -> Table:
        return aws.table(self.table_name)

    def claim(self, order_id: str, template: str, lease_until_ms: int) -> Claim | None:
        """A claim on the email, or None when it was already sent.

        Raises `ClaimHeldElsewhere` when another delivery holds an unexpired claim: that one
        will send it, or release it on failure, and this record's retry will see which.
        """
        claim = Claim(order_id, template, secrets.token_hex(16), lease_until_ms)
        try:
            self._table.put_item(
                Item={
                    **ledger_key(order_id, template),
                    "orderId": order_id,
                    "template": template,
                    "status": SENDING,
                    "claimToken": claim.token,
                    "leaseExpiresAt": lease_until_ms,
                    "claimedAt": now_iso(),
                },
                ConditionExpression="attribute_not_exists(#pk) OR (#status = :sending AND #lease < :now)",
                ExpressionAttributeNames={"#pk": PK, "#status": "status", "#lease": "leaseExpiresAt"},
                ExpressionAttributeValues={":sending": SENDING, ":now": self._clock_ms()},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not failed_condition(error):
                raise
            # The low-level error carries the item DynamoDB-typed, whatever the resource API.
            existing: Any = error.response.get("Item") or {}
            status = existing.get("status", {}).get("S")
            if status in DONE:
                return None
            raise ClaimHeldElsewhere(f"{template} for order {order_id} is being sent by another delivery") from None
        return claim

    def mark_sent(self, claim: Claim, ses_message_id: str) -> None:
        """Record the email as sent; only the claimant may, so a lapsed claim is not overwritten."""
        try:
            self._table.update_item(
                Key=ledger_key(claim.order_id, claim.template),
                UpdateExpression="SET #status = :sent, sentAt = :at, sesMessageId = :id REMOVE leaseExpiresAt",
                ConditionExpression="claimToken = :token",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":sent": SENT,
                    ":at": now_iso(),
                    ":id": ses_message_id,
                    ":token": claim.token,
                },
            )
        except ClientError as error:
            if not failed_condition(error):
                raise
            # Our lease lapsed and another delivery claimed the email: it was (or will be) sent
            # twice. Rare (a send that outlived the Lambda deadline); logged for the record.
            logger.warning("claim lapsed before the email was marked sent", extra={"template": claim.template})

    def mark_suppressed(self, claim: Claim) -> None:
        """Record that the email will not be sent: every recipient is suppressed. Final, like
        SENT; only the claimant may."""
        try:
            self._table.update_item(
                Key=ledger_key(claim.order_id, claim.template),
                UpdateExpression="SET #status = :suppressed, suppressedAt = :at REMOVE leaseExpiresAt",
                ConditionExpression="claimToken = :token",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":suppressed": SUPPRESSED, ":at": now_iso(), ":token": claim.token},
            )
        except ClientError as error:
            if not failed_condition(error):
                raise
            logger.warning("claim lapsed before the email was marked suppressed", extra={"template": claim.template})

    def release(self, claim: Claim) -> None:
        """Give the claim up after a failed send, so a retry of the message sends the email."""
        try:
            self._table.delete_item(
                Key=ledger_key(claim.order_id, claim.template),
                ConditionExpression="claimToken = :token",
                ExpressionAttributeValues={":token": claim.token},
            )
        except ClientError as error:
            if not failed_condition(error):
                raise
