"""email-events-consumer: SES's bounce, complaint and reject events in, suppression and a note
on the order out.

SES publishes each event of the configuration set to the email-events SNS topic, which delivers
it (raw) to the email-events queue this function consumes. Hard bounces and complaints go on the
account's suppression list, so the notifier never mails those addresses again; every event is
noted on its order (`emailDeliveryIssues` in the admin's view). A record that keeps failing
reaches the email-events DLQ, whose alarm tells an operator.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from bbws.core.observability import SQS_CORRELATION, instrument, logger, metrics
from bbws.core.priming import ValidMessage, add_valid_message
from bbws.notifications.dal.suppression import SesSuppressionList
from bbws.notifications.errors import MalformedMessage
from bbws.notifications.logic.feedback import FeedbackRecorder
from bbws.notifications.models.events import SesEvent
from bbws.orders.email_issues import record_email_issue

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@cache
def feedback_recorder() -> FeedbackRecorder:
    return FeedbackRecorder(suppressions=SesSuppressionList(), record_issue=record_email_issue)


def parse_event(body: str) -> SesEvent:
    """The SES event of a queue body: raw (the subscription's raw delivery) or still wrapped in
    SNS's envelope (a subscription without raw delivery)."""
    try:
        document: Any = json.loads(body)
        if isinstance(document, dict) and document.get("Type") == "Notification" and "Message" in document:
            document = json.loads(document["Message"])
        return SesEvent.model_validate(document)
    except (ValueError, ValidationError) as error:
        # It can never succeed; failing it sends it to the DLQ, where the alarm sees it.
        metrics.add_metric(name="MalformedEmailEvents", unit=MetricUnit.Count, value=1)
        logger.error("malformed SES event; it will reach the DLQ", extra={"error": str(error)[:500]})
        raise MalformedMessage("not an SES event") from None


def record_handler(record: SQSRecord) -> None:
    logger.append_keys(message_id=record.message_id)
    try:
        event = parse_event(record.body)
        logger.append_keys(ses_message_id=event.mail.message_id, email_event=event.event_type)
        outcome = feedback_recorder().handle(event)
        if outcome.suppressed:
            metrics.add_metric(name="AddressesSuppressed", unit=MetricUnit.Count, value=len(outcome.suppressed))
        if event.event_type.capitalize() in {"Bounce", "Complaint", "Reject"}:
            metrics.add_metric(name=f"Email{event.event_type.capitalize()}Events", unit=MetricUnit.Count, value=1)
        logger.info(
            "email event handled",
            extra={"order_id": outcome.order_id, "suppressed": list(outcome.suppressed), "recorded": outcome.recorded},
        )
    except MalformedMessage:
        raise
    except Exception:
        metrics.add_metric(name="EmailEventErrors", unit=MetricUnit.Count, value=1)
        logger.exception("email event could not be handled; the queue will retry it")
        raise
    finally:
        logger.remove_keys(["message_id", "ses_message_id", "email_event"])


def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


# SnapStart priming rehearses a hard bounce too (the event this function exists for): the
# address is suppressed and the bounce noted on its order, both answered inside botocore. The
# address, message and order ids are ones no real event names.
_PRIMING_TIME = "2026-01-01T00:00:00.000Z"
HARD_BOUNCE = ValidMessage(
    description="a hard bounce",
    body={
        "eventType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": "priming@example.com", "action": "failed", "status": "5.1.1"}],
            "timestamp": _PRIMING_TIME,
            "feedbackId": "bbws-priming",
        },
        "mail": {
            "timestamp": _PRIMING_TIME,
            "source": "orders@example.com",
            "messageId": "bbws-priming",
            "destination": ["priming@example.com"],
            "tags": {"orderId": ["bbws-priming-order"], "template": ["customer_confirmation"]},
        },
    },
    items=list,  # it reads nothing
    writes=frozenset({"PutSuppressedDestination", "UpdateItem"}),
)
add_valid_message("email-events-consumer", HARD_BOUNCE)
lambda_handler = instrument(handler, correlation_path=SQS_CORRELATION, function="email-events-consumer")
