"""POST /orders with an Idempotency-Key: one order per key and body, replayed answers, 24 h."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from bbws.core import aws
from bbws.core.settings import get_settings
from bbws.orders.dal import queues
from bbws.orders.dal.schema import IDEMPOTENCY_PK, TTL_ATTRIBUTE
from bbws.orders.handlers.api import lambda_handler
from tests.handlers.orders.queues import submitted_orders
from tests.support.events import STOREFRONT_KEY, LambdaContext, api_event, header, response_json

ORDER = {
    "customerEmail": "shopper@example.com",
    "currency": "ZAR",
    "items": [{"productId": "site-basic", "quantity": 1}],
}


def post(body: Any = ORDER, key: str | None = "key-1") -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key is not None else None
    event = api_event("POST", "/orders", body=body, headers=headers, api_key=STOREFRONT_KEY)
    return lambda_handler(event, LambdaContext())


def test_the_same_key_and_body_replays_the_first_answer_and_queues_one_order(shop) -> None:
    # Given an order accepted with an Idempotency-Key
    first = post()
    # When the storefront retries it with the same key and body
    again = post()
    # Then the first answer is replayed, marked as such, and only one order was queued
    assert first["statusCode"] == again["statusCode"] == 202
    assert response_json(again) == response_json(first)
    assert header(again, "Location") == header(first, "Location")
    assert header(again, "Idempotent-Replayed") == "true"
    assert header(first, "Idempotent-Replayed") is None
    assert len(submitted_orders()) == 1


def test_the_same_key_with_another_body_is_a_422(shop) -> None:
    post()
    response = post({**ORDER, "items": [{"productId": "site-basic", "quantity": 2}]})
    assert response["statusCode"] == 422
    assert "Idempotency-Key" in response_json(response)["detail"]
    assert len(submitted_orders()) == 1


def test_without_a_key_every_post_is_a_new_order(shop) -> None:
    first, second = post(key=None), post(key=None)
    assert response_json(first)["orderId"] != response_json(second)["orderId"]
    assert len(submitted_orders()) == 2


def test_different_keys_are_different_orders(shop) -> None:
    assert response_json(post(key="a"))["orderId"] != response_json(post(key="b"))["orderId"]


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_a_key_outside_1_to_255_characters_is_a_400(shop, key: str) -> None:
    assert post(key=key)["statusCode"] == 400


def test_a_key_of_255_characters_is_accepted(shop) -> None:
    assert post(key="k" * 255)["statusCode"] == 202


def test_the_answer_is_kept_24_hours_in_the_orders_table(shop) -> None:
    # When an order is accepted with a key
    before = int(time.time())
    post()
    # Then its idempotency record lives in the orders table and expires (TTL) after 24 h
    table = aws.table(get_settings().require("orders_table_name"))
    (record,) = table.query(KeyConditionExpression=Key("pk").eq(IDEMPOTENCY_PK))["Items"]
    assert record["idempotencyStatus"] == "COMPLETED"
    assert before + 86_400 <= int(record[TTL_ATTRIBUTE]) <= int(time.time()) + 86_400


def test_a_retry_after_a_queue_failure_accepts_the_order_afresh(shop, monkeypatch) -> None:
    # Given the queue fails the first attempt
    send = queues.send_order_submitted
    calls = {"n": 0}

    def flaky(message: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise queues.PublishFailed("down")
        send(message)

    monkeypatch.setattr(queues, "send_order_submitted", flaky)
    # When the storefront retries with the same key
    failed, retried = post(), post()
    # Then the retry is processed (not a replay of the failure) and one order is queued
    assert failed["statusCode"] == 503
    assert retried["statusCode"] == 202
    assert header(retried, "Idempotent-Replayed") is None
    assert len(submitted_orders()) == 1


def test_an_unavailable_idempotency_store_is_a_503(shop, monkeypatch) -> None:
    def down(*_: Any, **__: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "PutItem")

    monkeypatch.setattr(aws.dynamodb(), "put_item", down)
    assert post()["statusCode"] == 503
    assert submitted_orders() == []


def test_the_same_key_while_the_first_is_in_flight_is_a_409(shop, serialised_moto, monkeypatch) -> None:
    # Given a first request held inside its send to the queue
    in_flight, release = threading.Event(), threading.Event()
    send = queues.send_order_submitted

    def held(message: Any) -> None:
        in_flight.set()
        release.wait(timeout=10)
        send(message)

    monkeypatch.setattr(queues, "send_order_submitted", held)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(post)
        assert in_flight.wait(timeout=10)
        # When the same key arrives meanwhile
        meanwhile = post()
        release.set()
        finished = first.result(timeout=10)
    # Then the duplicate is a 409, the first completes, and a later retry is a replay
    assert meanwhile["statusCode"] == 409
    assert finished["statusCode"] == 202
    later = post()
    assert header(later, "Idempotent-Replayed") == "true"
    assert len(submitted_orders()) == 1


def test_parallel_duplicates_of_one_key_queue_exactly_one_order(shop, serialised_moto) -> None:
    # When eight copies of one request (same key) arrive at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: post(key="burst"), range(8)))
    # Then each is either the acceptance, its replay or a 409 (still in flight); one order exists
    statuses = sorted(a["statusCode"] for a in answers)
    assert set(statuses) <= {202, 409}
    accepted_ids = {response_json(a)["orderId"] for a in answers if a["statusCode"] == 202}
    assert len(accepted_ids) == 1
    assert len(submitted_orders()) == 1


def test_a_retry_after_a_crash_between_queueing_and_answering_queues_the_same_order(shop, monkeypatch) -> None:
    # Given a first attempt that queued its order but died before recording its answer
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    save_success = DynamoDBPersistenceLayer.save_success

    def crash(*_: Any, **__: Any) -> None:
        raise OSError("the function died")

    monkeypatch.setattr(DynamoDBPersistenceLayer, "save_success", crash)
    assert post()["statusCode"] == 503
    monkeypatch.setattr(DynamoDBPersistenceLayer, "save_success", save_success)
    # ... and whose in-progress record has since expired (the invocation's deadline passed)
    table = aws.table(get_settings().require("orders_table_name"))
    for record in table.query(KeyConditionExpression=Key("pk").eq(IDEMPOTENCY_PK))["Items"]:
        table.delete_item(Key={"pk": record["pk"], "sk": record["sk"]})
    # When the storefront retries with the same key
    retried = post()
    # Then the retry queues the same order id again, which the consumer stores once
    first, second = submitted_orders()
    assert first["orderId"] == second["orderId"] == response_json(retried)["orderId"]


def test_the_header_name_is_case_insensitive(shop) -> None:
    first = lambda_handler(
        api_event("POST", "/orders", body=ORDER, headers={"idempotency-key": "k"}, api_key=STOREFRONT_KEY),
        LambdaContext(),
    )
    again = lambda_handler(
        api_event("POST", "/orders", body=ORDER, headers={"IDEMPOTENCY-KEY": "k"}, api_key=STOREFRONT_KEY),
        LambdaContext(),
    )
    assert response_json(again)["orderId"] == response_json(first)["orderId"]
    assert header(again, "Idempotent-Replayed") == "true"
