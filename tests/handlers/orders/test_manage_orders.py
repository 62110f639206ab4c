"""GET and PATCH /orders: a tenant sees its own orders, an admin every tenant's, and an order
moves only along its lifecycle, paying for it queueing a receipt exactly when it is paid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bbws.orders.dal import queues
from bbws.orders.dal.repository import OrderRepository
from bbws.orders.handlers.api import lambda_handler
from bbws.orders.models.order import Order, OrderLine, OrderStatus
from tests.handlers.orders.queues import notifications
from tests.support.events import STOREFRONT_KEY, LambdaContext, admin_claims, api_event, response_json, tenant_claims


def call(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    return lambda_handler(api_event(method, path, **kwargs), LambdaContext())


def store(order_id: str, tenant_id: str, created_at: str = "2026-01-02T12:00:00Z", status: str = "CREATED") -> None:
    order = Order(
        order_id=order_id,
        tenant_id=tenant_id,
        customer_email="shopper@example.com",
        customer_id=None,
        status=OrderStatus(status),
        currency="JPY",
        items=(OrderLine("site-basic", "Basic Website", 2, Decimal(1500), Decimal(3000)),),
        subtotal=Decimal(3000),
        discount=Decimal(300),
        campaign_code="SAVE10",
        total_amount=Decimal(2700),
        created_at=created_at,
        updated_at=created_at,
    )
    OrderRepository.from_settings().insert(order)


def patch(order_id: str, status: str, claims: dict[str, str] | None = None) -> dict[str, Any]:
    return call("PATCH", f"/orders/{order_id}", body={"status": status}, claims=claims or admin_claims())


# --- reading ---------------------------------------------------------------------------------


def test_a_tenant_reads_its_order_with_amounts_in_the_currencys_digits(aws_resources) -> None:
    store("ord-1", "tenant-a")
    response = call("GET", "/orders/ord-1", claims=tenant_claims("tenant-a"))
    assert response["statusCode"] == 200
    assert response_json(response) == {
        "orderId": "ord-1",
        "tenantId": "tenant-a",
        "customerId": None,
        "customerEmail": "shopper@example.com",
        "status": "CREATED",
        "currency": "JPY",
        "items": [
            {
                "productId": "site-basic",
                "productName": "Basic Website",
                "quantity": 2,
                "unitPrice": "1500",
                "totalPrice": "3000",
            }
        ],
        "subtotal": "3000",
        "discount": "300",
        "campaignCode": "SAVE10",
        "totalAmount": "2700",
        "createdAt": "2026-01-02T12:00:00Z",
        "updatedAt": "2026-01-02T12:00:00Z",
    }


def test_another_tenants_order_is_a_404_identical_to_a_missing_one(aws_resources) -> None:
    store("ord-1", "tenant-a")
    theirs = call("GET", "/orders/ord-1", claims=tenant_claims("tenant-b"))
    missing = call("GET", "/orders/ord-404", claims=tenant_claims("tenant-b"))
    assert theirs["statusCode"] == missing["statusCode"] == 404
    assert theirs["body"] == missing["body"]


def test_an_admin_reads_any_order(aws_resources) -> None:
    store("ord-1", "tenant-a")
    assert call("GET", "/orders/ord-1", claims=admin_claims())["statusCode"] == 200


def test_an_admin_scoped_to_another_tenant_does_not_see_the_order(aws_resources) -> None:
    store("ord-1", "tenant-a")
    response = call("GET", "/orders/ord-1", claims=admin_claims(), headers={"X-Tenant-Id": "tenant-b"})
    assert response["statusCode"] == 404


def test_reading_orders_needs_a_token(aws_resources) -> None:
    assert call("GET", "/orders/ord-1")["statusCode"] == 401
    assert call("GET", "/orders", api_key=STOREFRONT_KEY)["statusCode"] == 401


def test_a_tenant_naming_another_tenant_is_a_403(aws_resources) -> None:
    response = call("GET", "/orders", claims=tenant_claims("tenant-a"), headers={"X-Tenant-Id": "tenant-b"})
    assert response["statusCode"] == 403


def test_a_tenant_lists_only_its_orders_newest_first(aws_resources) -> None:
    store("ord-old", "tenant-a", "2026-01-01T00:00:00Z")
    store("ord-new", "tenant-a", "2026-01-03T00:00:00Z")
    store("ord-mid", "tenant-a", "2026-01-02T00:00:00Z")
    store("ord-other", "tenant-b", "2026-01-04T00:00:00Z")
    page = response_json(call("GET", "/orders", claims=tenant_claims("tenant-a")))
    assert [o["orderId"] for o in page["items"]] == ["ord-new", "ord-mid", "ord-old"]
    assert page["nextCursor"] is None


def test_an_admin_lists_every_tenant_or_the_one_named(aws_resources) -> None:
    store("ord-a", "tenant-a", "2026-01-01T00:00:00Z")
    store("ord-b", "tenant-b", "2026-01-02T00:00:00Z")
    everyone = response_json(call("GET", "/orders", claims=admin_claims()))
    only_b = response_json(call("GET", "/orders", claims=admin_claims(), headers={"X-Tenant-Id": "tenant-b"}))
    assert [o["orderId"] for o in everyone["items"]] == ["ord-b", "ord-a"]
    assert [o["orderId"] for o in only_b["items"]] == ["ord-b"]


def test_lists_are_paged_with_cursors_bound_to_the_tenant(aws_resources) -> None:
    # Given five orders of tenant A
    for day in range(1, 6):
        store(f"ord-{day}", "tenant-a", f"2026-01-0{day}T00:00:00Z")
    # When A pages through them two at a time
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):  # bounded
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = response_json(call("GET", "/orders", claims=tenant_claims("tenant-a"), query=query))
        seen += [o["orderId"] for o in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    # Then every order is seen once, newest first
    assert seen == ["ord-5", "ord-4", "ord-3", "ord-2", "ord-1"]
    # And A's cursor is no good for tenant B's list
    first = response_json(call("GET", "/orders", claims=tenant_claims("tenant-a"), query={"limit": "2"}))
    replayed = call("GET", "/orders", claims=tenant_claims("tenant-b"), query={"cursor": first["nextCursor"]})
    assert replayed["statusCode"] == 400


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_a_limit_outside_1_to_100_is_a_400(aws_resources, limit: str) -> None:
    assert call("GET", "/orders", claims=admin_claims(), query={"limit": limit})["statusCode"] == 400


# --- status lifecycle ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target"),
    [("CREATED", "PAID"), ("PAID", "FULFILLED"), ("CREATED", "CANCELLED"), ("PAID", "CANCELLED")],
)
def test_allowed_moves_change_the_status(aws_resources, start: str, target: str) -> None:
    store("ord-1", "tenant-a", status=start)
    response = patch("ord-1", target)
    assert response["statusCode"] == 200
    assert response_json(response)["status"] == target
    assert response_json(response)["updatedAt"] != "2026-01-02T12:00:00Z"


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("CREATED", "FULFILLED"),
        ("CREATED", "CREATED"),
        ("PAID", "PAID"),
        ("PAID", "CREATED"),
        ("FULFILLED", "CANCELLED"),
        ("FULFILLED", "PAID"),
        ("CANCELLED", "PAID"),
        ("CANCELLED", "CANCELLED"),
    ],
)
def test_other_moves_are_a_409_and_change_nothing(aws_resources, start: str, target: str) -> None:
    store("ord-1", "tenant-a", status=start)
    response = patch("ord-1", target)
    assert response["statusCode"] == 409
    assert response_json(response)["currentStatus"] == start
    assert response_json(call("GET", "/orders/ord-1", claims=admin_claims()))["status"] == start
    assert notifications() == []


def test_paying_an_order_queues_its_receipt(aws_resources) -> None:
    store("ord-1", "tenant-a")
    patch("ord-1", "PAID")
    assert notifications() == [{"schemaVersion": 1, "type": "ORDER_PAID", "orderId": "ord-1", "tenantId": "tenant-a"}]


def test_other_moves_queue_nothing(aws_resources) -> None:
    store("ord-1", "tenant-a", status="PAID")
    patch("ord-1", "FULFILLED")
    assert notifications() == []


def test_a_receipt_that_could_not_be_queued_is_a_503_and_the_same_request_finishes_it(
    aws_resources, monkeypatch
) -> None:
    # Given the notifications queue is down when an order is paid
    store("ord-1", "tenant-a")
    send = queues.send_notification

    def down(message: Any) -> None:
        raise queues.PublishFailed("down")

    monkeypatch.setattr(queues, "send_notification", down)
    failed = patch("ord-1", "PAID")
    # Then the admin is told to repeat the request; the order is paid and owes its receipt
    assert failed["statusCode"] == 503
    assert response_json(call("GET", "/orders/ord-1", claims=admin_claims()))["status"] == "PAID"
    # When the queue is back and the admin repeats the request
    monkeypatch.setattr(queues, "send_notification", send)
    repeated = patch("ord-1", "PAID")
    # Then it succeeds and the receipt is queued once
    assert repeated["statusCode"] == 200
    assert [n["type"] for n in notifications()] == ["ORDER_PAID"]
    # And once delivered, paying again is the ordinary 409
    assert patch("ord-1", "PAID")["statusCode"] == 409


@pytest.mark.parametrize("next_status", ["FULFILLED", "CANCELLED"])
def test_a_receipt_still_owed_is_queued_by_the_next_move(aws_resources, monkeypatch, next_status: str) -> None:
    # Given an order paid while the notifications queue was down (its receipt is owed)
    store("ord-1", "tenant-a")
    send = queues.send_notification

    def down(message: Any) -> None:
        raise queues.PublishFailed("down")

    monkeypatch.setattr(queues, "send_notification", down)
    assert patch("ord-1", "PAID")["statusCode"] == 503
    monkeypatch.setattr(queues, "send_notification", send)
    # When the admin moves the order on instead of repeating the payment
    moved = patch("ord-1", next_status)
    # Then the move succeeds and the owed receipt is queued, once
    assert moved["statusCode"] == 200
    assert [n["type"] for n in notifications()] == ["ORDER_PAID"]


@pytest.mark.parametrize("target", ["PAID", "CREATED"])
def test_a_missing_order_is_a_404(aws_resources, target: str) -> None:
    assert patch("ord-404", target)["statusCode"] == 404


def test_only_admins_change_statuses(aws_resources) -> None:
    store("ord-1", "tenant-a")
    assert patch("ord-1", "PAID", claims=tenant_claims("tenant-a"))["statusCode"] == 403


@pytest.mark.parametrize("body", [{"status": "PENDING"}, {"status": "PAID", "note": "x"}, {}])
def test_a_bad_status_body_is_a_400(aws_resources, body: dict[str, Any]) -> None:
    store("ord-1", "tenant-a")
    assert call("PATCH", "/orders/ord-1", body=body, claims=admin_claims())["statusCode"] == 400


def test_an_id_that_cannot_exist_is_a_plain_404(aws_resources) -> None:
    long_id = "x" * 3000
    assert call("GET", f"/orders/{long_id}", claims=admin_claims())["statusCode"] == 404
    assert patch(long_id, "PAID")["statusCode"] == 404


def test_an_oversized_tenant_header_is_a_400(aws_resources) -> None:
    response = call("GET", "/orders", claims=admin_claims(), headers={"X-Tenant-Id": "t" * 3000})
    assert response["statusCode"] == 400
