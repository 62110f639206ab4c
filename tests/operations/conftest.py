"""The operations tests share the delivery tests' emulated account (functions behind `live`,
artifacts buckets) and their stub API; prod takes pre-release backups as its definition says."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from bbws.delivery.accounts import ReleaseBackups
from bbws.local.provision import table_schema
from bbws.operations.backups import table_names
from tests.delivery import conftest as delivery
from tests.delivery.conftest import TEST_ENVIRONMENTS, Cloud

api, clock, cloud = delivery.api, delivery.clock, delivery.cloud  # the delivery tests' fixtures

Reader = Callable[[], list[dict[str, Any]]]  # what a subscriber of a topic has received so far
PROD = replace(TEST_ENVIRONMENTS["prod"], release_backups=ReleaseBackups(before_release=True, retention_days=35))


@pytest.fixture
def tables(cloud: Cloud) -> dict[str, str]:
    """Given prod's four tables, the orders table holding one order."""
    dynamodb = cloud.client("dynamodb", "prod")
    names = table_names(PROD)
    for service, name in names.items():
        dynamodb.create_table(TableName=name, **table_schema(f"{service}_table_name"))
    dynamodb.put_item(TableName=names["orders"], Item={"pk": {"S": "ORDER#o-1"}, "sk": {"S": "ORDER"}})
    return names


class SlowBackups:
    """The DynamoDB client, except that each backup is CREATING when requested and for its first
    `creating` looks after (moto makes them AVAILABLE at once)."""

    def __init__(self, client: Any, creating: int) -> None:
        self._client = client
        self._looks: dict[str, int] = {}
        self.creating = creating

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def create_backup(self, **request: Any) -> Any:
        answer = self._client.create_backup(**request)
        answer["BackupDetails"]["BackupStatus"] = "CREATING"  # as AWS answers
        return answer

    def describe_backup(self, BackupArn: str) -> Any:
        answer = self._client.describe_backup(BackupArn=BackupArn)
        self._looks[BackupArn] = self._looks.get(BackupArn, 0) + 1
        if self._looks[BackupArn] <= self.creating:
            answer["BackupDescription"]["BackupDetails"]["BackupStatus"] = "CREATING"
        return answer


def slow_session(cloud: Cloud, creating: int) -> Any:
    """The emulated account, its backups CREATING for `creating` looks each."""

    class Session:
        def client(self, service: str, region_name: str) -> Any:
            client = cloud.session.client(service, region_name=region_name)
            return SlowBackups(client, creating) if service == "dynamodb" else client

    return Session()


@pytest.fixture
def alarm_topic(cloud: Cloud) -> Reader:
    """Given prod's alarm topic, with a queue subscribed to read what it publishes (raw SNS
    envelopes, oldest first)."""
    sns, sqs = cloud.client("sns", "prod"), cloud.client("sqs", "prod")
    arn = sns.create_topic(Name="bbws-prod-alarms")["TopicArn"]
    url = sqs.create_queue(QueueName="reader")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)

    def read() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            found += [json.loads(m["Body"]) for m in batch]
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
            )
        return found

    return read
