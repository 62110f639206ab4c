"""Fixtures of the orders handler tests: an emulated AWS with a stocked shop."""

from __future__ import annotations

import threading
from typing import Any

import botocore.client
import pytest

from bbws.local.provision import Resources
from tests.handlers.orders.seed import stock_the_shop


@pytest.fixture
def shop(aws_resources: Resources) -> Resources:
    """Given a shop selling a website (ZAR 1500.00), monthly hosting (ZAR 99.99), a retired plan
    and a USD plan, with campaigns SAVE10 (10 %, everything), HOSTING-HALF (50 %, hosting only),
    EXPIRED and SWITCHED-OFF."""
    stock_the_shop()
    return aws_resources


@pytest.fixture
def serialised_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's in-process mock is not thread-safe: every AWS call goes through one lock, while
    the code between calls (where the races are) runs concurrently."""
    lock = threading.Lock()
    make_call = botocore.client.BaseClient._make_api_call

    def locked(self: Any, operation: str, params: Any) -> Any:
        with lock:
            return make_call(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", locked)
