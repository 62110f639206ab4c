"""notifications-consumer: SQS batches of order events in, the emails of SPEC §5 out.

One bad record never fails its neighbours (partial batch response). Every failure fails its
record, so the message comes back; one that keeps failing (a malformed message, a bad address,
a missing template, SES rejecting the email) reaches the notifications DLQ after five receives,
where the DLQ alarm tells an operator. Nothing here can fail or delay the order: it is stored.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from bbws.core.observability import SQS_CORRELATION, instrument, logger, metrics
from bbws.core.settings import get_settings
from bbws.notifications.dal.ledger import SentEmailLedger
from bbws.notifications.dal.mailer import SesMailer
from bbws.notifications.dal.suppression import SesSuppressionList
from bbws.notifications.dal.templates import S3TemplateLoader
from bbws.notifications.errors import MalformedMessage, NotificationFailure
from bbws.notifications.logic.notify import Delivery, Notifier
from bbws.notifications.logic.rendering import EmailRenderer
from bbws.notifications.models.messages import NotificationMessage
from bbws.orders.email_issues import record_email_issue
from bbws.orders.read import get_order

# A batch whose every record failed is answered like any other (every id listed) instead of
# raising: the queue retries the same records either way, and an invocation error would count
# email trouble (SES throttling, a bad template) as function errors, which the deployment
# alarms read as a broken release.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

# A claim lasts until the claimant's Lambda deadline: past it, the claimant is gone for sure.
DEFAULT_LEASE_MS = 60_000
MAX_LEASE_MS = 900_000  # Lambda's longest timeout


@cache
def suppression_list() -> SesSuppressionList:
    return SesSuppressionList()


@cache
def notifier() -> Notifier:
    """The notifier with its AWS ports, built once per process (the template cache lives here)."""
    settings = get_settings()
    return Notifier(
        read_order=get_order,
        renderer=EmailRenderer(S3TemplateLoader(settings.require("templates_bucket_name"))),
        mailer=SesMailer(),
        ledger=SentEmailLedger(settings.require("orders_table_name")),
        sender=settings.require("from_email"),
        internal_emails=settings.internal_emails,
        suppressions=suppression_list(),
        record_issue=record_email_issue,
    )


def lease_until_ms(lambda_context: LambdaContext | None) -> int:
    remaining = lambda_context.get_remaining_time_in_millis() if lambda_context is not None else DEFAULT_LEASE_MS
    return time.time_ns() // 1_000_000 + max(1_000, min(remaining, MAX_LEASE_MS))


def parse_message(record: SQSRecord) -> NotificationMessage:
    try:
        return NotificationMessage.model_validate_json(record.body)
    except ValidationError as error:
        # It can never succeed; failing it (rather than dropping it) sends it to the DLQ, so
        # a producer bug is seen by the alarm instead of silently losing emails.
        fields = [".".join(str(part) for part in e["loc"]) or "body" for e in error.errors()]
        metrics.add_metric(name="MalformedNotificationMessages", unit=MetricUnit.Count, value=1)
        logger.error("malformed notification message; it will reach the DLQ", extra={"fields": fields})
        raise MalformedMessage(f"not a notification message (fields: {', '.join(fields)})") from None


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    logger.append_keys(message_id=record.message_id)
    try:
        message = parse_message(record)
        logger.append_keys(order_id=message.order_id, notification_type=message.type.value)
        deliveries = notifier().notify(message, lease_until_ms=lease_until_ms(lambda_context))
        sent = sum(1 for delivery in deliveries.values() if delivery is Delivery.SENT)
        suppressed = sum(1 for delivery in deliveries.values() if delivery is Delivery.SUPPRESSED)
        metrics.add_metric(name="EmailsSent", unit=MetricUnit.Count, value=sent)
        metrics.add_metric(name="EmailsSuppressed", unit=MetricUnit.Count, value=suppressed)
        metrics.add_metric(
            name="DuplicateEmailsSkipped", unit=MetricUnit.Count, value=len(deliveries) - sent - suppressed
        )
        logger.info("notification handled", extra={"deliveries": {str(k): str(v) for k, v in deliveries.items()}})
    except MalformedMessage:
        raise  # logged and counted where it was found
    except NotificationFailure as failure:
        if failure.permanent:
            metrics.add_metric(name="NotificationPermanentFailures", unit=MetricUnit.Count, value=1)
            logger.error("notification failed permanently; it will reach the DLQ", extra={"reason": str(failure)})
        else:
            metrics.add_metric(name="NotificationTransientFailures", unit=MetricUnit.Count, value=1)
            logger.warning("notification failed; the queue will retry it", extra={"reason": str(failure)})
        raise
    except Exception:
        # A bug or a misconfiguration (say INTERNAL_EMAILS empty): the record fails and comes
        # back like any other, with the traceback in the log.
        metrics.add_metric(name="NotificationErrors", unit=MetricUnit.Count, value=1)
        logger.exception("notification could not be handled")
        raise
    finally:
        logger.remove_keys(["message_id", "order_id", "notification_type"])


def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    suppression_list().forget()  # each invocation reads the suppression list afresh, once per address
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


lambda_handler = instrument(handler, correlation_path=SQS_CORRELATION, function="notifications-consumer")
