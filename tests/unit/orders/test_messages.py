"""OrderSubmitted: what the API sends is what the consumer reads; the earlier shape still reads."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from bbws.core import jsonutil
from bbws.orders.logic.intake import order_from_message
from bbws.orders.logic.pricing import price_order
from bbws.orders.logic.submission import submitted_message
from bbws.orders.models.api import OrderRequest
from bbws.orders.models.messages import OrderSubmitted
from bbws.orders.models.order import OrderStatus
from bbws.products.read import CatalogProduct

EARLIER = (
    '{"orderId":"test-001","customerEmail":"test@example.com","totalAmount":"100.00","currency":"ZAR",'
    '"items":[{"productId":"p1","productName":"Test","quantity":1,"unitPrice":"100.00","totalPrice":"100.00"}],'
    '"createdAt":"2026-01-02T21:00:00Z"}'
)


def test_the_message_the_api_sends_reads_back_identically_in_the_consumer() -> None:
    # Given an accepted order priced from the catalog
    request = OrderRequest.model_validate(
        {"customerEmail": "a@b.example", "currency": "ZAR", "items": [{"productId": "host", "quantity": 3}]}
    )
    catalog = {"host": CatalogProduct("host", "Hosting", Decimal("99.99"), "ZAR", True, "monthly")}
    priced = price_order(request, catalog, None, datetime(2026, 1, 2, tzinfo=UTC))
    sent = submitted_message("ord-1", request, priced, "2026-01-02T00:00:00Z")
    # When it travels as JSON through the queue
    body = jsonutil.dumps(sent.model_dump(mode="json", by_alias=True))
    received = OrderSubmitted.model_validate(jsonutil.loads(body))
    # Then the consumer reads the same order, amounts as exact strings on the wire
    assert received == sent
    assert '"totalAmount":"299.97"' in body
    assert '"schemaVersion":1' in body
    assert '"tenantId":null' in body


def test_the_earlier_shape_reads_with_a_derived_subtotal_and_no_discount() -> None:
    message = OrderSubmitted.model_validate(jsonutil.loads(EARLIER))
    assert (message.subtotal, message.discount, message.total_amount) == (Decimal("100.00"), 0, Decimal("100.00"))
    order = order_from_message(message, "tenant-1", "2026-01-03T00:00:00Z")
    assert order.status is OrderStatus.CREATED
    assert order.created_at == "2026-01-02T21:00:00Z"


def test_the_earlier_shape_with_a_lower_total_reads_the_difference_as_discount() -> None:
    body = jsonutil.loads(EARLIER)
    body["totalAmount"] = 90
    assert OrderSubmitted.model_validate(body).discount == Decimal(10)


def test_unknown_fields_are_ignored_so_producers_can_add_them_first() -> None:
    body = {**jsonutil.loads(EARLIER), "channel": "web"}
    assert OrderSubmitted.model_validate(body).order_id == "test-001"


@pytest.mark.parametrize(
    "change",
    [
        {"totalAmount": "110.00"},
        {"subtotal": "90.00"},
        {"schemaVersion": 2},
        {"totalAmount": Decimal("99.995")},
        {"currency": "ZZZ"},
        {"items": []},
    ],
    ids=["negative-discount", "subtotal-not-lines", "future-version", "digits", "currency", "no-items"],
)
def test_an_inconsistent_message_is_refused(change: dict[str, Any]) -> None:
    body = {**jsonutil.loads(EARLIER), **change}
    with pytest.raises(ValidationError):
        OrderSubmitted.model_validate(body)
