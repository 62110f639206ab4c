"""orders-consumer: stores each OrderSubmitted from the orders queue, with partial batch
responses so one bad record never fails its neighbours."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from bbws.core import jsonutil
from bbws.core.observability import SQS_CORRELATION, instrument
from bbws.core.priming import ValidMessage, add_valid_message
from bbws.orders.dal.repository import OrderRepository
from bbws.orders.logic.intake import record_order
from bbws.orders.models.messages import OrderSubmitted
from bbws.tenants.dal.repository import priming_items


def handle_record(record: SQSRecord) -> None:
    """Any exception marks just this record failed: SQS delivers it again, and after five
    receives moves it to the DLQ (a malformed message gets there the same way)."""
    message = OrderSubmitted.model_validate(jsonutil.loads(record.body))
    record_order(message, OrderRepository.from_settings())


def _handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    # One processor per invocation: it holds the batch's state, and the local stack may invoke
    # the handler from several threads at once. A batch whose every record failed is answered
    # like any other (all ids listed), not raised: the queue redelivers exactly those records.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)


# SnapStart priming rehearses a returning customer's order too (the steady state): the email's
# tenant claim is found, the order's conditional PutItem and the ORDER_CREATED SendMessage are
# answered inside botocore. Ids and the mailbox are ones no real message names.
_LINE = {"productName": "Priming", "quantity": 1, "unitPrice": "100.00", "totalPrice": "100.00"}
VALID_SUBMISSION = ValidMessage(
    description="an order from a returning customer",
    body={
        "schemaVersion": 1,
        "orderId": "bbws-priming-order",
        "customerEmail": "priming@example.com",
        "currency": "ZAR",
        "items": [{"productId": "bbws-priming", **_LINE}, {"productId": "bbws-priming-two", **_LINE}],
        "subtotal": "200.00",
        "discount": "20.00",
        "campaignCode": "BBWS-PRIMING",
        "totalAmount": "180.00",
        "createdAt": "2026-01-01T00:00:00Z",
    },
    items=lambda: priming_items("bbws-priming", "priming@example.com")[1:],  # the email's claim
    writes=frozenset({"PutItem"}),
)
add_valid_message("orders-consumer", VALID_SUBMISSION)
lambda_handler = instrument(_handler, correlation_path=SQS_CORRELATION, function="orders-consumer")
