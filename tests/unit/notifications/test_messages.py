"""The notifications queue message of SPEC §4."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bbws.notifications.models.messages import NotificationMessage, NotificationType


def test_the_published_shape_is_read() -> None:
    message = NotificationMessage.model_validate_json(
        '{"schemaVersion":1,"type":"ORDER_PAID","orderId":"ord-1","tenantId":"ten-1"}'
    )
    assert (message.type, message.order_id, message.tenant_id) == (NotificationType.ORDER_PAID, "ord-1", "ten-1")


def test_fields_a_producer_adds_later_are_ignored() -> None:
    message = NotificationMessage.model_validate_json(
        '{"schemaVersion":1,"type":"ORDER_CREATED","orderId":"ord-1","tenantId":null,"traceId":"abc"}'
    )
    assert message.tenant_id is None


@pytest.mark.parametrize(
    "body",
    [
        '{"schemaVersion":1,"type":"ORDER_SHIPPED","orderId":"ord-1"}',
        '{"schemaVersion":2,"type":"ORDER_PAID","orderId":"ord-1"}',
        '{"type":"ORDER_PAID","orderId":"ord-1"}',
        '{"schemaVersion":1,"type":"ORDER_PAID","orderId":""}',
        '{"schemaVersion":1,"type":"ORDER_PAID"}',
        "[]",
        "not json",
    ],
)
def test_unknown_or_malformed_messages_are_refused(body: str) -> None:
    with pytest.raises(ValidationError):
        NotificationMessage.model_validate_json(body)
