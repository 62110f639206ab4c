"""State across a stop and a start, as a developer lives it: data, tokens, the outbox, a fresh
start, and Ctrl-C in the middle of a burst of orders (no order answered 202 is ever lost)."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.conftest import (
    STOP_TIMEOUT_SECONDS,
    RunningStack,
    free_port,
    start_stack,
    stop_stack,
)
from tests.support.polling import eventually

pytestmark = pytest.mark.integration

PRODUCT = {
    "productId": "kept-across-restarts",
    "name": "Kept",
    "description": "Survives a restart.",
    "price": "10.00",
    "currency": "ZAR",
    "features": ["Kept"],
    "billingCycle": "once",
}


def _order(stack: RunningStack, email: str) -> requests.Response:
    body = {"customerEmail": email, "currency": "ZAR", "items": [{"productId": "hosting-basic", "quantity": 1}]}
    return requests.post(stack.url("/orders"), json=body, headers={"X-Api-Key": stack.storefront_key}, timeout=30)


def _stored(stack: RunningStack, order_id: str, headers: dict[str, str]) -> bool:
    return requests.get(stack.url(f"/orders/{order_id}"), headers=headers, timeout=10).status_code == 200


def _outbox(stack: RunningStack) -> list[dict[str, Any]]:
    return list(requests.get(stack.api_url + "/_local/outbox.json", timeout=10).json()["messages"])


def test_data_tokens_and_emails_survive_a_stop_and_a_start(tmp_path: Path) -> None:
    # Given a stack on a fixed port with a product, an order processed into two emails, and a token
    port, state = str(free_port()), tmp_path / "state"
    first = start_stack(tmp_path, "--port", port, state_dir=state)
    try:
        admin = first.auth("admin")
        created = requests.post(first.url("/products"), json=PRODUCT, headers=admin, timeout=10)
        assert created.status_code == 201, created.text
        order_id = _order(first, "kept@example.com").json()["orderId"]
        assert eventually(lambda: _stored(first, order_id, admin) and len(_outbox(first)) >= 2, 30)
        emails_before = _outbox(first)
        demo_tenant = first.info["demoTenantId"]
        page = requests.get(first.url("/products"), params={"limit": 1}, timeout=10).json()
        cursor = page["nextCursor"]
        assert cursor, page
    finally:
        assert stop_stack(first) == 0, first.log()
    assert "state saved in" in first.log()
    # When it is started again on the same port with the same state directory
    second = start_stack(tmp_path, "--port", port, state_dir=state)
    try:
        # Then it says what it restored, and the demo data was not seeded again
        log = second.log()
        # (two tenants: the demo tenant and the one the order's customer became)
        assert "State: restored 1 campaign, 1 order, 5 products, 2 tenants, 0 queued messages, 2 emails" in log, log
        assert "(restored)" in log
        assert second.info["demoTenantId"] == demo_tenant
        # And the product, the order and the emails are there, and the old token still works
        assert requests.get(second.url(f"/products/{PRODUCT['productId']}"), timeout=10).status_code == 200
        assert _stored(second, order_id, admin)
        assert [m["id"] for m in _outbox(second)] == [m["id"] for m in emails_before]
        # And a cursor handed out before the restart still pages on (the cursor secret is kept)
        resumed = requests.get(second.url("/products"), params={"limit": 1, "cursor": cursor}, timeout=10)
        assert resumed.status_code == 200, resumed.text
    finally:
        assert stop_stack(second) == 0, second.log()
    # When it is started fresh
    fresh = start_stack(tmp_path, "--fresh", state_dir=state)
    try:
        # Then it is empty but for newly seeded demo data, and the old state is kept aside
        assert requests.get(fresh.url(f"/products/{PRODUCT['productId']}"), timeout=10).status_code == 404
        assert not _stored(fresh, order_id, fresh.auth("admin"))
        assert _outbox(fresh) == []
        assert len(fresh.info["demoProducts"]) == 4
        assert (state / "state.previous.json").exists()
        assert "(seeded into the empty state)" in fresh.log()
        assert "State: fresh start (--fresh): the previous state is kept as" in fresh.log()
    finally:
        assert stop_stack(fresh) == 0, fresh.log()


def _interrupt(stack: RunningStack, how: str) -> None:
    if how == "sigterm-to-the-group":
        # `kill -TERM -PGID` (a service manager, `timeout`, closing a session) reaches the stack
        # and every function worker; `make run` then also relays it to the stack, so it gets two
        # (apart here, so that they are not merged into one): a repeated SIGTERM is no second Ctrl-C
        os.killpg(stack.process.pid, signal.SIGTERM)
        time.sleep(0.2)
        stack.process.send_signal(signal.SIGTERM)
        return
    stack.process.send_signal(signal.SIGINT)
    if how == "twice":
        time.sleep(0.3)
        stack.process.send_signal(signal.SIGINT)


@pytest.mark.parametrize("ctrl_c", ["once", "twice", "sigterm-to-the-group"])
def test_ctrl_c_during_a_burst_loses_no_order_answered_202(tmp_path: Path, ctrl_c: str) -> None:
    # Given a running stack and a burst of 40 orders from 8 concurrent clients
    state = tmp_path / "state"
    stack = start_stack(tmp_path, state_dir=state, new_session=True)
    answers: list[requests.Response | None] = []
    lock, interrupted = threading.Lock(), threading.Event()

    def post(number: int) -> None:
        try:
            response: requests.Response | None = _order(stack, f"burst{number}@example.com")
        except requests.RequestException:  # refused once the stack stops accepting: never a 202
            response = None
        with lock:
            answers.append(response)
            # When Ctrl-C arrives right after the 21st answer, with orders still in flight
            # (twice: the second one skips the drain, so messages stay queued across the restart;
            # a SIGTERM to the whole process group: the workers finish what they hold, the drain runs)
            if len(answers) == 21 and not interrupted.is_set():
                interrupted.set()
                _interrupt(stack, ctrl_c)

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(post, range(40)))
        code = stack.process.wait(STOP_TIMEOUT_SECONDS)  # the drain is bounded (15 s), the stop too
    finally:
        stop_stack(stack)  # only if it is still running (a failure above): kill it
    assert interrupted.is_set()
    assert code == 0, stack.log()
    accepted = [r.json()["orderId"] for r in answers if r is not None and r.status_code == 202]
    refused = [r.status_code for r in answers if r is not None and r.status_code != 202]
    assert len(accepted) >= 21 - len(refused), (len(accepted), refused)
    assert set(refused) <= {503}, refused  # "the local stack is stopping": a clear answer, never a 5xx crash
    summary = next(line for line in stack.log().splitlines() if line.startswith("drained "))
    if ctrl_c != "twice":  # the queues were drained before the stop: nothing left for the next start
        assert " 0 stay queued" in summary, summary
    # Then after a start, every order answered 202 is stored and confirmed by email
    again = start_stack(tmp_path, state_dir=state)
    try:
        admin = again.auth("admin")

        def all_stored() -> bool:
            return all(_stored(again, order_id, admin) for order_id in accepted)

        assert eventually(all_stored, 60), [o for o in accepted if not _stored(again, o, admin)]

        def all_confirmed() -> bool:
            texts = [m["subject"] + m["text"] for m in _outbox(again)]
            return all(any(order_id in text for text in texts) for order_id in accepted)

        assert eventually(all_confirmed, 60)
    finally:
        assert stop_stack(again) == 0, again.log()


def test_a_crash_loses_at_most_the_snapshot_interval(tmp_path: Path) -> None:
    # Given a stack that snapshots its state every second, and a product created in it
    state = tmp_path / "state"
    stack = start_stack(tmp_path, "--snapshot-seconds", "1", state_dir=state)
    try:
        created = requests.post(stack.url("/products"), json=PRODUCT, headers=stack.auth("admin"), timeout=10)
        assert created.status_code == 201, created.text
        # When the process is killed (no clean stop) after the next snapshot
        saved = state / "state.json"
        assert eventually(lambda: saved.exists() and PRODUCT["productId"] in saved.read_text(), 10)
    finally:
        stack.process.kill()
        stack.process.wait(10)
    # Then the next start restores it
    again = start_stack(tmp_path, state_dir=state)
    try:
        assert requests.get(again.url(f"/products/{PRODUCT['productId']}"), timeout=10).status_code == 200
    finally:
        assert stop_stack(again) == 0, again.log()
