"""An order through the whole local stack: gateway, orders queue, consumers, outbox, and a poison message."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import requests

from tests.integration.conftest import RunningStack
from tests.support.polling import eventually

pytestmark = pytest.mark.integration


def test_posted_order_is_stored_and_announced_by_email(local_stack: RunningStack) -> None:
    # Given a shopper's order with the demo campaign
    order = {
        "customerEmail": "flow@example.com",
        "currency": "ZAR",
        "campaignCode": "LAUNCH10",
        "items": [{"productId": "hosting-basic", "quantity": 2}],
    }
    # When the storefront posts it
    accepted = requests.post(
        local_stack.url("/orders"), json=order, headers={"X-Api-Key": local_stack.storefront_key}, timeout=10
    )
    assert accepted.status_code == 202, accepted.text
    order_id = accepted.json()["orderId"]
    admin = local_stack.auth("admin")

    def stored() -> dict[str, Any] | None:
        response = requests.get(local_stack.url(f"/orders/{order_id}"), headers=admin, timeout=10)
        return response.json() if response.status_code == 200 else None

    def emails() -> list[dict[str, Any]]:
        messages = requests.get(local_stack.api_url + "/_local/outbox.json", timeout=10).json()["messages"]
        found = [m for m in messages if order_id in m["subject"] or order_id in m["text"]]
        return found if len(found) >= 2 else []

    # Then the consumer stores it, priced with the discount, for a tenant
    stored_order = eventually(stored, 30)
    assert stored_order, "the order was never stored"
    assert stored_order["totalAmount"] == "268.20"
    assert stored_order["tenantId"]
    # And the internal notification and the customer confirmation are sent, each with both parts
    sent = eventually(emails, 30)
    assert sorted(recipient for m in sent for recipient in m["to"] if "example.com" in recipient) == [
        "flow@example.com"
    ]
    assert all(m["html"] and m["text"] and m["sentAt"] for m in sent)


def test_poison_message_reaches_the_dead_letter_queue(local_stack: RunningStack) -> None:
    # Given a message no consumer can process, put straight on the orders queue
    sqs = boto3.client(
        "sqs",
        region_name=local_stack.info["region"],
        endpoint_url=local_stack.info["awsEndpoint"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    sqs.send_message(QueueUrl=local_stack.info["resources"]["orders_queue_url"], MessageBody="this is not an order")

    def dead_lettered() -> bool:
        queues = requests.get(local_stack.api_url + "/_local/queues.json", timeout=10).json()["queues"]
        depth = {q["name"]: q["visible"] + q["inFlight"] for q in queues}
        return depth["bbws-local-orders-dlq"] >= 1 and depth["bbws-local-orders"] == 0

    # When the poller keeps failing it (5 receives, 5 s visibility timeout)
    # Then it ends in the orders DLQ within about a minute
    assert eventually(dead_lettered, 75)
