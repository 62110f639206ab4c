"""Fixtures of the orders handler tests: an emulated AWS with a stocked shop."""

from __future__ import annotations

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
