"""Sending the orders service's messages: OrderSubmitted and order notifications."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from bbws.core import aws, jsonutil
from bbws.core.settings import get_settings
from bbws.orders.models.messages import OrderNotification, OrderSubmitted


class PublishFailed(Exception):
    """SQS did not accept the message (after boto3's own retries)."""


def _send(queue_setting: str, message: BaseModel) -> None:
    body = jsonutil.dumps(message.model_dump(mode="json", by_alias=True))
    try:
        aws.sqs().send_message(QueueUrl=get_settings().require(queue_setting), MessageBody=body)
    except (ClientError, BotoCoreError) as error:
        raise PublishFailed(str(error)) from error


def send_order_submitted(message: OrderSubmitted) -> None:
    _send("orders_queue_url", message)


def send_notification(message: OrderNotification) -> None:
    _send("notifications_queue_url", message)
