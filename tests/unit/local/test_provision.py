"""Provisioning into an emulator that already has the resources (LocalStack keeps them between runs)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from bbws.core import aws
from bbws.local.provision import provision


@pytest.fixture
def moto_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    aws.reset()


@pytest.mark.usefixtures("moto_only")
@mock_aws
def test_a_second_provisioning_reuses_every_resource() -> None:
    # Given an emulator provisioned once, with a shorter visibility timeout
    first = provision(prefix="kept", visibility_timeout=5)
    # When the stack provisions into it again (as a restart against LocalStack does)
    second = provision(prefix="kept", visibility_timeout=30)
    # Then every table, queue, topic and the bucket are the same ones, and nothing failed
    assert second.settings == first.settings
    assert second.dead_letter_queues == first.dead_letter_queues
    assert second.topic_queues == first.topic_queues
    assert second.topics == first.topics
    # And the queues have this run's attributes
    sqs = boto3.client("sqs", region_name="eu-west-1")
    url = second.settings["orders_queue_url"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] == {
        "VisibilityTimeout": "30"
    }
