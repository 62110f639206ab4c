"""A bounce and a complaint driven through the local stack: outbox -> SES event -> SNS topic ->
email-events queue -> consumer -> suppression list, no further email, a reason on the order."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
import requests

from tests.integration.conftest import RunningStack
from tests.support.polling import eventually

pytestmark = pytest.mark.integration


def _order(stack: RunningStack, email: str) -> str:
    accepted = requests.post(
        stack.url("/orders"),
        json={"customerEmail": email, "currency": "ZAR", "items": [{"productId": "hosting-basic", "quantity": 1}]},
        headers={"X-Api-Key": stack.storefront_key},
        timeout=10,
    )
    assert accepted.status_code == 202, accepted.text
    return str(accepted.json()["orderId"])


def _messages_to(stack: RunningStack, email: str) -> list[dict[str, Any]]:
    messages = requests.get(stack.api_url + "/_local/outbox.json", timeout=10).json()["messages"]
    return [m for m in messages if email in m["to"]]


def _issues(stack: RunningStack, order_id: str) -> list[tuple[str, str]]:
    response = requests.get(stack.url(f"/orders/{order_id}"), headers=stack.auth("admin"), timeout=10)
    if response.status_code != 200:
        return []
    return [(i["template"], i["problem"]) for i in response.json()["emailDeliveryIssues"]]


def _suppressed(stack: RunningStack, email: str) -> str | None:
    ses = boto3.client(
        "sesv2", endpoint_url=stack.info["awsEndpoint"], region_name=stack.info["region"],
        aws_access_key_id="local", aws_secret_access_key="local",
    )  # fmt: skip
    entries = ses.list_suppressed_destinations()["SuppressedDestinationSummaries"]
    return next((e["Reason"] for e in entries if e["EmailAddress"] == email), None)


@pytest.mark.parametrize(
    ("event", "reason", "problem"), [("bounce", "BOUNCE", "BOUNCED"), ("complaint", "COMPLAINT", "COMPLAINED")]
)
def test_a_marked_email_ends_in_suppression_and_no_receipt(
    local_stack: RunningStack, event: str, reason: str, problem: str
) -> None:
    # Given an order whose confirmation reached the outbox
    email = f"{event}-{time.monotonic_ns()}@example.com"
    order_id = _order(local_stack, email)
    [confirmation] = eventually(lambda: _messages_to(local_stack, email), 30)
    # When the outbox marks it bounced (or complained), as SES would report it
    marked = requests.post(
        local_stack.api_url + "/_local/outbox/events", json={"id": confirmation["id"], "event": event}, timeout=10
    )
    assert marked.status_code == 202, marked.text
    # Then the address ends on the account's suppression list, and the order says why
    assert eventually(lambda: _suppressed(local_stack, email), 30) == reason
    assert eventually(lambda: _issues(local_stack, order_id), 30) == [("customer_confirmation", problem)]
    # When the order is paid
    paid = requests.patch(
        local_stack.url(f"/orders/{order_id}"), json={"status": "PAID"}, headers=local_stack.auth("admin"), timeout=10
    )
    assert paid.status_code == 200, paid.text
    # Then no receipt goes to that address, and the order records why
    expected = [("customer_confirmation", problem), ("order_receipt", "SUPPRESSED")]
    assert eventually(lambda: _issues(local_stack, order_id) == expected, 30), _issues(local_stack, order_id)
    assert len(_messages_to(local_stack, email)) == 1


def test_marking_an_unknown_message_is_a_404_and_a_bad_event_a_400(local_stack: RunningStack) -> None:
    url = local_stack.api_url + "/_local/outbox/events"

    assert requests.post(url, json={"id": "no-such-message", "event": "bounce"}, timeout=10).status_code == 404
    assert requests.post(url, json={"id": "x", "event": "explode"}, timeout=10).status_code == 400
