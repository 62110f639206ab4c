"""Concurrent callers never see each other's identity: each invocation runs in an execution
environment of its own, as in Lambda (Powertools keeps the current event on a class attribute
that every resolver in one interpreter shares, so in-process concurrency mixed callers up)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.integration.conftest import RunningStack

pytestmark = pytest.mark.integration

THREADS = 8
ROUNDS = 12  # each case this many times, shuffled: 8 cases x 12 = 96 requests


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    headers: dict[str, str]
    status: int
    check: Callable[[Any], bool] = lambda _: True
    body: dict[str, Any] | None = None


def _cases(stack: RunningStack) -> list[Case]:
    demo = str(stack.info["demoTenantId"])
    other = "00000000-0000-4000-8000-000000000000"
    admin, tenant, stranger = stack.auth("admin"), stack.auth("tenant", demo), stack.auth("tenant", other)
    storefront = {"X-Api-Key": stack.storefront_key}
    order = {"customerEmail": "isolation@example.com", "currency": "ZAR",
             "items": [{"productId": "hosting-basic", "quantity": 1}]}  # fmt: skip
    return [
        # products-api: only an admin may list retired products
        Case("admin lists the whole catalog", "GET", "/products?includeInactive=true", admin, 200,
             lambda body: len(body["items"]) >= 4),
        Case("anonymous may not", "GET", "/products?includeInactive=true", {}, 0),
        Case("a tenant may not either", "GET", "/products?includeInactive=true", tenant, 0),
        # tenants-api: a tenant sees its own tenant only
        Case("the demo tenant reads itself", "GET", f"/tenants/{demo}", tenant, 200,
             lambda body: body["tenantId"] == demo),
        Case("another tenant may not", "GET", f"/tenants/{demo}", stranger, 0),
        Case("an admin reads any tenant", "GET", f"/tenants/{demo}", admin, 200, lambda body: body["tenantId"] == demo),
        # orders-api: scoped lists, and the storefront's orders at the same time
        Case("a tenant lists only its orders", "GET", "/orders", stranger, 200, lambda body: all(
            item.get("tenantId") == other for item in body["items"])),
        Case("the storefront places an order", "POST", "/orders", storefront, 202,
             lambda body: bool(body["orderId"]), order),
    ]  # fmt: skip


def _call(stack: RunningStack, session: requests.Session, case: Case) -> tuple[int, Any]:
    response = session.request(case.method, stack.url(case.path), headers=case.headers, json=case.body, timeout=30)
    return response.status_code, response.json()


def test_concurrent_callers_of_different_functions_each_get_their_own_answer(local_stack: RunningStack) -> None:
    # Given eight callers of four functions, and what each gets when asking alone
    cases = _cases(local_stack)
    with requests.Session() as session:
        alone = {case.name: _call(local_stack, session, case)[0] for case in cases}
    for case in cases:
        expected = case.status or alone[case.name]
        assert alone[case.name] == expected, case.name
        assert case.status or expected in (401, 403, 404), (case.name, expected)
    # When all of them ask at once, many times, in a random order
    work = [case for case in cases for _ in range(ROUNDS)]
    random.Random(13).shuffle(work)

    def run(batch: list[Case]) -> list[tuple[Case, int, Any]]:
        with requests.Session() as session:
            return [(case, *_call(local_stack, session, case)) for case in batch]

    with ThreadPoolExecutor(THREADS) as pool:
        answers = [answer for batch in pool.map(run, [work[i::THREADS] for i in range(THREADS)]) for answer in batch]
    # Then every caller got exactly the answer its own identity gets
    wrong = Counter(case.name for case, status, body in answers if status != alone[case.name] or not case.check(body))
    assert not wrong, wrong
    assert len(answers) == len(cases) * ROUNDS
