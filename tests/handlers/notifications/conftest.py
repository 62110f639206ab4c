"""Fixtures of the notifications handler tests (helpers in `support`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest

from bbws.local.provision import Resources
from tests.handlers.notifications.support import OrderStore, SesFaults, fresh_notifier, install_ses_faults, order_store


@pytest.fixture(autouse=True)
def _fresh_notifier() -> Iterator[None]:
    with fresh_notifier():
        yield


@pytest.fixture
def store_order(aws_resources: Resources) -> OrderStore:
    """Given an order stored by the orders service."""
    return order_store(aws_resources)


@pytest.fixture
def ses_faults(aws_resources: Resources) -> SesFaults:
    """Given SES calls that fail (or stall) as the test plans."""
    return install_ses_faults()


@pytest.fixture
def serialised_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each DynamoDB call atomic, as in AWS: moto's in-process conditional writes are not
    thread-safe, so concurrent claims could both pass its check. The code between calls (where
    races live) still runs concurrently. SES calls stay outside the lock: a test holds one."""
    lock = threading.Lock()
    make_call = botocore.client.BaseClient._make_api_call

    def call(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name != "dynamodb":
            return make_call(self, operation, params)
        with lock:
            return make_call(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
