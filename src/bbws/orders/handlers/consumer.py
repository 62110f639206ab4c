"""orders-consumer: stores each OrderSubmitted from the orders queue, with partial batch
responses so one bad record never fails its neighbours."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from bbws.core import jsonutil
from bbws.core.observability import SQS_CORRELATION, instrument
from bbws.orders.dal.repository import OrderRepository
from bbws.orders.logic.intake import record_order
from bbws.orders.models.messages import OrderSubmitted


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


lambda_handler = instrument(_handler, correlation_path=SQS_CORRELATION, function="orders-consumer")
