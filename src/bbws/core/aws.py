"""boto3 clients and tables, created on first use and reused for the life of the process.

They are lazy so a cold start pays only for what a request needs. The endpoint is boto3's own
standard setting (`AWS_ENDPOINT_URL`), which is how the local stack points them at its emulator.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config

from bbws.core.botocore_fixes import cache_user_agent

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_sesv2.client import SESV2Client
    from mypy_boto3_sqs.client import SQSClient

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
_CREATED: list[Any] = []  # every low-level client made here (a Table's too): close_connections()


@cache
def _loader() -> botocore.loaders.Loader:
    # Service models are immutable JSON; parsing them once per process (not once per session)
    # keeps `reset()` cheap for tests and the local stack.
    return botocore.loaders.create_loader()


def new_session(region: str | None = None) -> boto3.session.Session:
    """A boto3 session sharing this process's parsed service models."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _loader())
    return boto3.session.Session(botocore_session=core, region_name=region)


@cache
def _session() -> boto3.session.Session:
    return new_session()


def session() -> boto3.session.Session:
    """The session every client here is made from (SnapStart priming hooks into its events)."""
    return _session()


@cache
def client(service: str) -> Any:
    made = _session().client(service, config=_CONFIG)  # type: ignore[call-overload]
    cache_user_agent(made)
    _CREATED.append(made)
    return made


@cache
def _dynamodb_resource() -> Any:
    # One resource, so every table of a function shares one client (one model, one endpoint
    # resolver, one connection pool) instead of one client per table.
    resource = _session().resource("dynamodb", config=_CONFIG)
    cache_user_agent(resource.meta.client)
    _CREATED.append(resource.meta.client)
    return resource


@cache
def table(name: str) -> Table:
    return _dynamodb_resource().Table(name)  # type: ignore[no-any-return]


def close_connections() -> None:
    """Close the pooled HTTP connections of every client made here; each opens new ones on its
    next call (after a SnapStart restore no connection from before the snapshot is reused)."""
    for made in _CREATED:
        made.close()


def dynamodb() -> DynamoDBClient:
    return client("dynamodb")  # type: ignore[no-any-return]


def sqs() -> SQSClient:
    return client("sqs")  # type: ignore[no-any-return]


def s3() -> S3Client:
    return client("s3")  # type: ignore[no-any-return]


def ses() -> SESV2Client:
    return client("sesv2")  # type: ignore[no-any-return]


def secrets_manager() -> Any:
    return client("secretsmanager")


def reset() -> None:
    """Forget every client (tests that swap the emulator between cases call this)."""
    client.cache_clear()
    table.cache_clear()
    _dynamodb_resource.cache_clear()
    _session.cache_clear()
    _CREATED.clear()
