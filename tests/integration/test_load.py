"""A bounded load test: 200 orders from 10 concurrent clients, every one stored and confirmed once."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.integration.conftest import RunningStack

pytestmark = pytest.mark.integration

CLIENTS = 10
ORDERS_PER_CLIENT = 20
PROCESSING_LIMIT_SECONDS = 240


def _all_pages(stack: RunningStack, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(1000):  # bounded
        params: dict[str, Any] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = requests.get(stack.url(path), params=params, headers=headers, timeout=30).json()
        items += page["items"]
        cursor = page.get("nextCursor")
        if not cursor:
            break
    return items


def test_concurrent_orders_are_each_stored_and_confirmed_once(local_stack: RunningStack) -> None:
    # Given ten shoppers, new to the shop, each placing twenty orders at the same time as the others
    run = uuid.uuid4().hex[:8]
    customers = [f"load-{run}-{n}@example.com" for n in range(CLIENTS)]

    def shop(customer: str) -> list[tuple[int, str | None]]:
        results = []
        with requests.Session() as session:
            for _ in range(ORDERS_PER_CLIENT):
                order = {"customerEmail": customer, "currency": "ZAR",
                         "items": [{"productId": "hosting-pro", "quantity": 1}]}  # fmt: skip
                response = session.post(
                    local_stack.url("/orders"),
                    json=order,
                    headers={"X-Api-Key": local_stack.storefront_key},
                    timeout=60,
                )
                results.append((response.status_code, response.json().get("orderId")))
        return results

    # When they submit
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = [result for batch in pool.map(shop, customers) for result in batch]
    submitted = time.monotonic() - started
    statuses = Counter(status for status, _ in results)
    accepted = {order_id for status, order_id in results if status == 202 and order_id}
    admin = local_stack.auth("admin")

    def confirmations() -> Counter[str]:
        messages = requests.get(local_stack.api_url + "/_local/outbox.json", timeout=30).json()["messages"]
        return Counter(
            order_id
            for message in messages
            if set(message["to"]) & set(customers)
            for order_id in accepted
            if order_id in message["subject"]
        )

    deadline = time.monotonic() + PROCESSING_LIMIT_SECONDS
    while len(confirmations()) < len(accepted) and time.monotonic() < deadline:
        time.sleep(1)
    processed = time.monotonic() - started
    stored = {o["orderId"] for o in _all_pages(local_stack, "/orders", admin) if o["orderId"] in accepted}
    confirmed = confirmations()
    tenants = Counter(
        t["contactEmail"] for t in _all_pages(local_stack, "/tenants", admin) if t["contactEmail"] in customers
    )

    print(  # the figures, for the report (pytest -s)
        f"\n{len(accepted)} orders accepted in {submitted:.1f}s ({len(accepted) / submitted:.1f}/s), "
        f"fully processed in {processed:.1f}s ({len(accepted) / processed:.1f}/s)"
    )
    # Then none failed, every accepted order is stored and confirmed exactly once,
    # and each new customer became exactly one tenant
    assert not [status for status in statuses if status >= 500], statuses
    assert statuses[202] == CLIENTS * ORDERS_PER_CLIENT
    assert stored == accepted
    assert set(confirmed) == accepted
    assert set(confirmed.values()) == {1}
    assert tenants == dict.fromkeys(customers, 1)
