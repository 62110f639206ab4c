"""Creates every AWS resource the platform uses in an emulator (moto) and names them.

The key schemas come from each service's `dal/schema.py`, the same definitions the Terraform
checks compare against, so the emulator's tables are the deployed tables.
"""

from __future__ import annotations

import importlib
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from bbws.core.aws import new_session
from bbws.core.settings import ENV_NAMES
from bbws.local.defaults import PROJECT_ROOT
from bbws.notifications.dal.templates import (
    TEMPLATE_PREFIX,
)  # the code reads them there; Terraform is checked against it

# settings field -> module whose TABLE is that table's definition (create_table keyword
# arguments without TableName).
TABLE_SCHEMAS: dict[str, str] = {
    "products_table_name": "bbws.products.dal.schema",
    "campaigns_table_name": "bbws.campaigns.dal.schema",
    "orders_table_name": "bbws.orders.dal.schema",
    "tenants_table_name": "bbws.tenants.dal.schema",
}

# settings field of the queue URL -> logical queue name (each has a dead-letter queue).
QUEUES: dict[str, str] = {
    "orders_queue_url": "orders",
    "notifications_queue_url": "notifications",
}

# logical queue -> the SNS topic feeding it (raw delivery). No function reads these queues' URLs
# (only their consumer polls them), so they have no setting. Terraform: stack/data.tf.
TOPIC_QUEUES: dict[str, str] = {
    "email-events": "email-events",  # SES's bounces, complaints and rejects (the configuration set)
}

MAX_RECEIVE_COUNT = 5
DEFAULT_TEMPLATES = PROJECT_ROOT / "templates" / "email"
LOCAL_FROM_EMAIL = "orders@bbws.local"
LOCAL_INTERNAL_EMAILS = "sales@bbws.local,ops@bbws.local"


@dataclass
class Resources:
    """Names and URLs of what `provision` created, keyed by the settings model's fields."""

    settings: dict[str, str] = field(default_factory=dict)
    dead_letter_queues: dict[str, str] = field(default_factory=dict)  # logical name -> DLQ URL
    topic_queues: dict[str, str] = field(default_factory=dict)  # logical name -> URL (TOPIC_QUEUES)
    topics: dict[str, str] = field(default_factory=dict)  # logical name -> SNS topic ARN

    def environ(self) -> dict[str, str]:
        return {ENV_NAMES[name]: value for name, value in self.settings.items()}

    def queue_url(self, logical: str) -> str:
        """The URL of a work queue by its logical name (a function's `queue`)."""
        for settings_field, name in QUEUES.items():
            if name == logical:
                return self.settings[settings_field]
        return self.topic_queues[logical]


def table_schema(settings_field: str) -> dict[str, Any]:
    module = importlib.import_module(TABLE_SCHEMAS[settings_field])
    return dict(module.TABLE)


def _create_tables(prefix: str, region: str, resources: Resources) -> None:
    dynamodb = new_session(region).client("dynamodb", region_name=region)
    for settings_field in TABLE_SCHEMAS:
        schema = table_schema(settings_field)
        name = f"{prefix}-{settings_field.removesuffix('_table_name').replace('_', '-')}"
        try:
            dynamodb.create_table(TableName=name, **schema)
        except ClientError as error:  # an external emulator that kept it from an earlier run: reused
            if _code(error) != "ResourceInUseException":
                raise
        resources.settings[settings_field] = name


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _ensure_queue(sqs: Any, name: str, attributes: dict[str, str]) -> str:
    """CreateQueue is idempotent for the same attributes; a queue kept by an external emulator
    with other attributes (an earlier visibility timeout) is reused and given these."""
    try:
        url: str = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    except ClientError as error:
        if _code(error) not in {"QueueAlreadyExists", "QueueNameExists", "AWS.SimpleQueueService.QueueNameExists"}:
            raise
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def _create_queue(sqs: Any, prefix: str, logical: str, visibility_timeout: int, resources: Resources) -> str:
    """A work queue with its DLQ (redrive after MAX_RECEIVE_COUNT receives); its URL."""
    dlq_url = _ensure_queue(sqs, f"{prefix}-{logical}-dlq", {})
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = _ensure_queue(
        sqs,
        f"{prefix}-{logical}",
        {
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}),
        },
    )
    resources.dead_letter_queues[logical] = dlq_url
    return url


def _create_topic_queues(prefix: str, region: str, visibility_timeout: int, resources: Resources) -> None:
    """Each topic-fed queue, its topic and the raw-delivery subscription between them."""
    session = new_session(region)
    sqs, sns = session.client("sqs", region_name=region), session.client("sns", region_name=region)
    for logical, topic in TOPIC_QUEUES.items():
        url = _create_queue(sqs, prefix, logical, visibility_timeout, resources)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        topic_arn = sns.create_topic(Name=f"{prefix}-{topic}")["TopicArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        resources.topic_queues[logical] = url
        resources.topics[topic] = topic_arn


def _create_queues(prefix: str, region: str, visibility_timeout: int, resources: Resources) -> None:
    sqs = new_session(region).client("sqs", region_name=region)
    for settings_field, logical in QUEUES.items():
        resources.settings[settings_field] = _create_queue(sqs, prefix, logical, visibility_timeout, resources)
    _create_topic_queues(prefix, region, visibility_timeout, resources)


def upload_templates(bucket: str, region: str, source: Path = DEFAULT_TEMPLATES) -> list[str]:
    """Upload the default email templates to `email-templates/` (as Terraform does in AWS)."""
    s3 = new_session(region).client("s3", region_name=region)
    keys = []
    for path in sorted(source.glob("*")) if source.is_dir() else []:
        if path.is_file():
            key = TEMPLATE_PREFIX + path.name
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
            keys.append(key)
    return keys


def create_cursor_secret(prefix: str, region: str, value: str | None = None) -> str:
    """The cursor secret (as Terraform creates it in AWS): `value`, or new random bytes; its ARN."""
    client = new_session(region).client("secretsmanager", region_name=region)
    secret = value or secrets.token_urlsafe(48)
    name = f"{prefix}-cursor-secret"
    try:
        return str(client.create_secret(Name=name, SecretString=secret)["ARN"])
    except client.exceptions.ResourceExistsException:  # an external emulator kept it: reused
        return str(client.describe_secret(SecretId=name)["ARN"])


def provision(
    prefix: str = "bbws-local",
    region: str = "eu-west-1",
    visibility_timeout: int = 30,
    cursor_secret: str | None = None,
) -> Resources:
    """Create every table, queue (with DLQ), the templates bucket, the SES identity and the
    cursor secret (`cursor_secret`: its value, to keep cursors valid across restarts); those that
    exist already (an external emulator such as LocalStack keeps them between runs) are reused."""
    resources = Resources()
    resources.settings["cursor_secret_arn"] = create_cursor_secret(prefix, region, cursor_secret)
    _create_tables(prefix, region, resources)
    _create_queues(prefix, region, visibility_timeout, resources)

    bucket = f"{prefix}-templates"
    s3 = new_session(region).client("s3", region_name=region)
    try:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})  # type: ignore[typeddict-item]
    except ClientError as error:  # kept by an external emulator from an earlier run: reused
        if _code(error) != "BucketAlreadyOwnedByYou":
            raise
    upload_templates(bucket, region)
    resources.settings["templates_bucket_name"] = bucket

    new_session(region).client("ses", region_name=region).verify_email_identity(EmailAddress=LOCAL_FROM_EMAIL)
    resources.settings["from_email"] = LOCAL_FROM_EMAIL
    resources.settings["internal_emails"] = LOCAL_INTERNAL_EMAILS
    return resources
