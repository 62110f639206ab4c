"""Light emulated resources for the notifications unit tests: only the table or bucket a test
touches (the full `aws_resources` account is for handler tests)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from bbws.core import aws
from bbws.local.provision import table_schema

REGION = "eu-west-1"


@pytest.fixture
def emulated_aws() -> Iterator[None]:
    with mock_aws():
        aws.reset()
        yield
        aws.reset()


@pytest.fixture
def orders_table(emulated_aws: None) -> str:
    """Given the orders table (the ledger's home), defined as the orders service defines it."""
    boto3.client("dynamodb", region_name=REGION).create_table(TableName="orders", **table_schema("orders_table_name"))
    return "orders"


@pytest.fixture
def templates_bucket(emulated_aws: None) -> str:
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket="templates", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return "templates"
