"""Hot reload as a developer lives it: edit a handler and an email template while the stack runs
and has data in it; the next request and the next email use the edits, nothing is lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import REPO_ROOT, RunningStack, start_stack, stop_stack
from tests.support.polling import eventually

pytestmark = pytest.mark.integration

HEALTH = Path("src/bbws/health/handlers/api.py")
SUBJECT = Path("templates/email/customer_confirmation.subject.txt")


def _order(stack: RunningStack, email: str) -> str:
    body = {"customerEmail": email, "currency": "ZAR", "items": [{"productId": "hosting-basic", "quantity": 1}]}
    answer = requests.post(stack.url("/orders"), json=body, headers={"X-Api-Key": stack.storefront_key}, timeout=30)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["orderId"])


def _subjects(stack: RunningStack, email: str) -> list[str]:
    messages = requests.get(stack.api_url + "/_local/outbox.json", timeout=10).json()["messages"]
    return [m["subject"] for m in messages if email in m["to"]]


def _reloads(stack: RunningStack) -> list[str]:
    return [line for line in stack.log().splitlines() if "bbws.local: reloaded " in line]


def test_an_edited_handler_and_template_take_effect_without_a_restart(tmp_path: Path) -> None:
    # Given a stack running from a copy of the checkout (edited here: never the checkout itself)
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO_ROOT / "src" / "bbws", checkout / "src" / "bbws", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "templates", checkout / "templates")
    stack = start_stack(tmp_path, environ={"PYTHONPATH": str(checkout / "src")})
    try:
        # ... with an order processed into its emails
        first = _order(stack, "before@example.com")
        assert eventually(lambda: _subjects(stack, "before@example.com"))
        assert requests.get(stack.url("/health"), timeout=10).json()["version"] != "edited"
        # When the health handler and the confirmation's subject template are edited
        handler = checkout / HEALTH
        handler.write_text(handler.read_text().replace("version=__version__", 'version="edited"'))
        (checkout / SUBJECT).write_text("Edited subject for {{ order.id }}")
        # Then the terminal says so, one line per reload
        assert eventually(lambda: len(_reloads(stack)) >= 1, 30), stack.log()[-3000:]
        # And the next request runs the edited handler
        assert eventually(lambda: requests.get(stack.url("/health"), timeout=10).json()["version"] == "edited", 30)
        # And the next email uses the edited template (no template cache hides it)
        second = _order(stack, "after@example.com")
        assert eventually(lambda: _subjects(stack, "after@example.com")) == [f"Edited subject for {second}"]
        # And nothing was lost: the earlier order and its emails are still there
        admin = stack.auth("admin")
        assert requests.get(stack.url(f"/orders/{first}"), headers=admin, timeout=10).status_code == 200
        assert _subjects(stack, "before@example.com")
        assert all(len(line.splitlines()) == 1 for line in _reloads(stack))
    finally:
        assert stop_stack(stack) == 0, stack.log()
