"""Fixtures of the notifications handler tests (helpers in `support`)."""

from __future__ import annotations

from collections.abc import Iterator

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
