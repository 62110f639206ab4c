"""A bounded burst of concurrent requests: no 5xx and the same answers as one at a time."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.integration.conftest import RunningStack

pytestmark = pytest.mark.integration

THREADS = 10
REQUESTS_PER_THREAD = 20


def test_concurrent_reads_and_writes_stay_correct(local_stack: RunningStack) -> None:
    # Given the catalog as one caller sees it, and an admin token
    expected = requests.get(local_stack.url("/products"), params={"limit": 100}, timeout=10).json()["items"]
    expected_ids = sorted(item["productId"] for item in expected)
    admin = local_stack.auth("admin")

    def client(number: int) -> list[tuple[int, object]]:
        results: list[tuple[int, object]] = []
        with requests.Session() as session:
            for i in range(REQUESTS_PER_THREAD):
                if i % 4 == 0:
                    response = session.get(local_stack.url("/products"), params={"limit": 100}, timeout=30)
                    ids = sorted(
                        p["productId"] for p in response.json()["items"] if not p["productId"].startswith("burst-")
                    )
                    results.append((response.status_code, ids))
                elif i % 4 == 1:
                    response = session.get(local_stack.url("/health"), timeout=30)
                    results.append((response.status_code, response.json()["status"]))
                elif i % 4 == 2:
                    response = session.get(local_stack.url("/products/website-starter"), timeout=30)
                    results.append((response.status_code, response.json()["price"]))
                else:
                    # Every thread creates its own product once; duplicates would be 409s.
                    product = {"productId": f"burst-{number}-{i}", "name": "Burst", "price": "1.00",
                               "currency": "ZAR", "features": ["x"]}  # fmt: skip
                    response = session.post(local_stack.url("/products"), json=product, headers=admin, timeout=30)
                    results.append((response.status_code, None))
        return results

    # When ten clients send twenty requests each at the same time
    with ThreadPoolExecutor(THREADS) as pool:
        results = [result for batch in pool.map(client, range(THREADS)) for result in batch]

    # Then nothing failed on the server side, every write succeeded once, and reads agree
    statuses = Counter(status for status, _ in results)
    assert not [s for s in statuses if s >= 500], statuses
    assert len(results) == THREADS * REQUESTS_PER_THREAD
    assert statuses[201] == THREADS * REQUESTS_PER_THREAD // 4
    lists = [value for status, value in results if isinstance(value, list)]
    assert all(value == expected_ids for value in lists)
    assert {value for status, value in results if isinstance(value, str) and value != "ok"} == {"4999.00"}
    created = requests.get(local_stack.url("/products"), params={"limit": 100}, timeout=10).json()["items"]
    assert sum(1 for item in created if item["productId"].startswith("burst-")) == THREADS * REQUESTS_PER_THREAD // 4
