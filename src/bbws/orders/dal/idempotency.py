"""Where orders-api keeps Powertools idempotency records: the orders table, not a table of its own."""

from __future__ import annotations

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from bbws.core import aws
from bbws.core.settings import get_settings
from bbws.orders.dal.schema import IDEMPOTENCY_PK, TTL_ATTRIBUTE


def persistence_layer() -> DynamoDBPersistenceLayer:
    """Powertools' DynamoDB layer on the orders table's (pk, sk) key: every record under one
    static partition, the hashed Idempotency-Key as sort key, expiring through the table's TTL.
    Cheap to build (no I/O), so each request builds one with the current client."""
    return DynamoDBPersistenceLayer(
        table_name=get_settings().require("orders_table_name"),
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=IDEMPOTENCY_PK,
        expiry_attr=TTL_ATTRIBUTE,
        in_progress_expiry_attr="inProgressExpiration",
        status_attr="idempotencyStatus",
        data_attr="responseData",
        validation_key_attr="payloadHash",
        boto3_client=aws.dynamodb(),
    )
