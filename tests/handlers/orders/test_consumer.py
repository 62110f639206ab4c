"""orders-consumer: each OrderSubmitted becomes one stored order and one ORDER_CREATED, however
often and however concurrently it is delivered; one bad record never fails its neighbours."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D
from typing import Any

import pytest
from botocore.exceptions import ClientError

from bbws.core import aws
from bbws.core.settings import get_settings
from bbws.orders.dal import queues
from bbws.orders.dal.repository import OrderRepository
from bbws.orders.handlers.consumer import lambda_handler
from bbws.orders.read import get_order
from bbws.tenants.directory import resolve_tenant
from tests.handlers.orders.queues import notifications
from tests.support.events import LambdaContext, sqs_event

LEGACY = {
    "orderId": "test-001",
    "customerEmail": "test@example.com",
    "totalAmount": "100.00",
    "currency": "ZAR",
    "items": [{"productId": "p1", "productName": "Test", "quantity": 1, "unitPrice": "100.00", "totalPrice": "100.00"}],
    "createdAt": "2026-01-02T21:00:00Z",
}


def submitted(order_id: str = "ord-1", email: str = "shopper@example.com", **overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "schemaVersion": 1,
        "orderId": order_id,
        "tenantId": None,
        "customerId": "cust-1",
        "customerEmail": email,
        "currency": "ZAR",
        "items": [
            {
                "productId": "hosting-monthly",
                "productName": "Monthly Hosting",
                "quantity": 3,
                "unitPrice": "99.99",
                "totalPrice": "299.97",
            }
        ],
        "subtotal": "299.97",
        "discount": "29.99",
        "campaignCode": "SAVE10",
        "totalAmount": "269.98",
        "createdAt": "2026-01-02T12:00:00Z",
    }
    message.update(overrides)
    return message


def consume(*bodies: Any) -> dict[str, Any]:
    return lambda_handler(sqs_event(*bodies), LambdaContext())


def stored_orders() -> list[dict[str, Any]]:
    table = aws.table(get_settings().require("orders_table_name"))
    return [item for item in table.scan()["Items"] if item.get("entityType") == "ORDER"]


def test_a_submitted_order_is_stored_as_created_for_a_new_tenant_and_announced(aws_resources) -> None:
    # When the consumer receives an order from a new customer
    assert consume(submitted()) == {"batchItemFailures": []}
    # Then the order is stored as CREATED, with the figures it was accepted with
    order = get_order("ord-1")
    assert order is not None
    assert order.status == "CREATED"
    assert (order.subtotal, order.discount, order.total_amount) == (D("299.97"), D("29.99"), D("269.98"))
    assert order.campaign_code == "SAVE10"
    assert order.customer_id == "cust-1"
    assert order.created_at == "2026-01-02T12:00:00Z"
    # And it belongs to the tenant created for the customer's email, and is announced once stored
    assert order.tenant_id == resolve_tenant("SHOPPER@example.com")
    assert notifications() == [
        {"schemaVersion": 1, "type": "ORDER_CREATED", "orderId": "ord-1", "tenantId": order.tenant_id}
    ]


def test_an_order_from_a_known_email_in_another_case_joins_its_tenant(aws_resources) -> None:
    tenant_id = resolve_tenant("owner@acme.example")
    consume(submitted(email="Owner@ACME.example"))
    order = get_order("ord-1")
    assert order is not None
    assert order.tenant_id == tenant_id


@pytest.mark.parametrize(
    "body",
    [LEGACY, {**LEGACY, "totalAmount": 100, "items": [{**LEGACY["items"][0], "unitPrice": 100, "totalPrice": 100.0}]}],
    ids=["amounts-as-strings", "amounts-as-numbers"],
)
def test_the_earlier_message_shape_is_accepted(aws_resources, body: dict[str, Any]) -> None:
    # When a message of the earlier shape arrives (no schemaVersion, subtotal or discount)
    result = lambda_handler(sqs_event(body), LambdaContext())
    # Then it is stored with the subtotal of its lines and no discount
    assert result == {"batchItemFailures": []}
    order = get_order("test-001")
    assert order is not None
    assert (order.subtotal, order.discount, order.total_amount) == (D("100.00"), D(0), D("100.00"))
    assert order.customer_id is None
    assert order.campaign_code is None


def test_the_same_message_five_times_in_a_batch_is_one_order(aws_resources) -> None:
    result = consume(*[submitted()] * 5)
    assert result == {"batchItemFailures": []}
    assert len(stored_orders()) == 1
    # Every delivery announces the stored order: the notifier de-duplicates them.
    assert {n["orderId"] for n in notifications()} == {"ord-1"}


def test_a_poison_record_fails_alone(aws_resources) -> None:
    # Given a batch with a good order, a malformed body, an inconsistent order and another good one
    event = sqs_event(
        submitted("ord-good-1", email="a@example.com"),
        "{not json",
        submitted("ord-bad", totalAmount="1.00"),
        submitted("ord-good-2", email="b@example.com"),
    )
    # When the consumer processes it
    result = lambda_handler(event, LambdaContext())
    # Then only the two bad records are reported failed, and both good orders are stored
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    assert failed == {event["Records"][1]["messageId"], event["Records"][2]["messageId"]}
    assert get_order("ord-good-1") is not None
    assert get_order("ord-good-2") is not None
    assert get_order("ord-bad") is None


def test_a_batch_that_fails_entirely_lists_every_record(aws_resources) -> None:
    event = sqs_event("[]", "{}")
    result = lambda_handler(event, LambdaContext())
    assert {f["itemIdentifier"] for f in result["batchItemFailures"]} == {r["messageId"] for r in event["Records"]}


@pytest.mark.parametrize(
    "overrides",
    [{"currency": "XXX"}, {"discount": "-1.00", "totalAmount": "300.97"}],
    ids=["currency", "negative-discount"],  # every refusal rule: tests/unit/orders/test_messages.py
)
def test_an_invalid_message_fails_its_record(aws_resources, overrides: dict[str, Any]) -> None:
    result = consume(submitted(**overrides))
    assert len(result["batchItemFailures"]) == 1
    assert stored_orders() == []


def test_a_failed_announcement_is_retried_and_the_order_is_not_stored_twice(aws_resources, monkeypatch) -> None:
    # Given the notifications queue is down when the order is first stored
    send = queues.send_notification

    def down(message: Any) -> None:
        raise queues.PublishFailed("down")

    monkeypatch.setattr(queues, "send_notification", down)
    event = sqs_event(submitted())
    # When the consumer stores the order, its record fails (so SQS will deliver it again)
    assert len(lambda_handler(event, LambdaContext())["batchItemFailures"]) == 1
    assert get_order("ord-1") is not None
    assert notifications() == []
    # And when the queue is back and the message is redelivered
    monkeypatch.setattr(queues, "send_notification", send)
    assert lambda_handler(event, LambdaContext()) == {"batchItemFailures": []}
    # Then the order is announced, and still stored once
    assert [n["type"] for n in notifications()] == ["ORDER_CREATED"]
    assert len(stored_orders()) == 1


def test_losing_the_conditional_write_announces_the_winners_order(aws_resources, monkeypatch) -> None:
    # Given another delivery stored the order after this one looked and before it wrote
    consume(submitted(email="first@example.com"))
    notifications()
    winner = get_order("ord-1")
    assert winner is not None
    monkeypatch.setattr(OrderRepository, "get", lambda *_: None)
    # When this delivery's conditional write fails
    assert consume(submitted(email="first@example.com")) == {"batchItemFailures": []}
    # Then the stored order is left as it was and announced with its own tenant
    assert len(stored_orders()) == 1
    assert notifications() == [
        {"schemaVersion": 1, "type": "ORDER_CREATED", "orderId": "ord-1", "tenantId": winner.tenant_id}
    ]


def test_a_table_failure_fails_the_record_and_announces_nothing(aws_resources, monkeypatch) -> None:
    def down(self: OrderRepository, order: Any) -> Any:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}, "PutItem")

    monkeypatch.setattr(OrderRepository, "insert", down)
    assert len(consume(submitted())["batchItemFailures"]) == 1
    assert notifications() == []


def test_five_concurrent_deliveries_of_one_message_store_one_order(aws_resources, serialised_moto, monkeypatch) -> None:
    # Given five deliveries that all look for the order before any of them writes (the worst
    # interleaving), with moto's calls serialised because its in-process mock is not thread-safe
    deliveries = 5
    everyone_looked = threading.Barrier(deliveries, timeout=10)
    get = OrderRepository.get

    def racing_get(self: OrderRepository, order_id: str) -> Any:
        found = get(self, order_id)
        everyone_looked.wait()
        return found

    monkeypatch.setattr(OrderRepository, "get", racing_get)
    # When the five are processed at the same time, as five Lambda invocations
    with ThreadPoolExecutor(max_workers=deliveries) as pool:
        results = list(pool.map(lambda _: consume(submitted()), range(deliveries)))
    # Then every delivery succeeds, exactly one order and one tenant exist, and every
    # announcement names that order and tenant
    assert all(r == {"batchItemFailures": []} for r in results)
    (order,) = stored_orders()
    tenants = aws.table(get_settings().require("tenants_table_name")).scan()["Items"]
    assert len([t for t in tenants if t.get("entityType") == "TENANT"]) == 1
    announced = notifications()
    assert len(announced) == deliveries
    assert {(n["orderId"], n["tenantId"]) for n in announced} == {("ord-1", order["tenantId"])}
