"""email-events-consumer: SES bounce, complaint and reject events against emulated SES and
DynamoDB, and what they change for the next emails and for the admin's view of the order."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from bbws.local.provision import LOCAL_FROM_EMAIL, Resources
from bbws.local.ses_events import EventKind, ses_event
from bbws.notifications.handlers import email_events
from bbws.notifications.handlers.consumer import lambda_handler as notifications_handler
from bbws.orders.handlers.api import lambda_handler as orders_api
from tests.handlers.notifications.support import REGION, OrderStore, notification, sent_emails
from tests.support.events import LambdaContext, admin_claims, api_event, response_json, sqs_event, tenant_claims

CUSTOMER = "thandi@acme.example"


@pytest.fixture(autouse=True)
def _fresh_recorder() -> Any:
    email_events.feedback_recorder.cache_clear()
    yield
    email_events.feedback_recorder.cache_clear()


def sent_message_id(recipient: str) -> str:
    """The SES id of the last email moto accepted for `recipient`."""
    for message in reversed(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages):
        if recipient in message.raw_data:
            return str(message.id)
    raise AssertionError(f"nothing was sent to {recipient}")


def event(
    kind: EventKind, recipient: str = CUSTOMER, template: str = "customer_confirmation", **tags: str
) -> dict[str, Any]:
    return ses_event(
        kind,
        message_id=sent_message_id(recipient) if tags.get("orderId") != "none" else "ses-unknown",
        sender=LOCAL_FROM_EMAIL,
        recipients=[recipient],
        tags={"orderId": "ord-1001", "template": template, **tags},
    )


def consume(*bodies: Any) -> dict[str, Any]:
    return email_events.lambda_handler(sqs_event(*bodies), LambdaContext())  # type: ignore[no-any-return]


def suppression(address: str) -> str | None:
    try:
        entry = boto3.client("sesv2", region_name=REGION).get_suppressed_destination(EmailAddress=address)
    except ClientError as error:
        if error.response["Error"]["Code"] == "NotFoundException":
            return None
        raise
    return str(entry["SuppressedDestination"]["Reason"])


def admin_view(order_id: str = "ord-1001") -> dict[str, Any]:
    response = orders_api(
        api_event(
            "GET",
            f"/orders/{order_id}",
            resource="/orders/{orderId}",
            path_parameters={"orderId": order_id},
            claims=admin_claims(),
        ),
        LambdaContext(),
    )
    assert response["statusCode"] == 200, response
    return response_json(response)  # type: ignore[no-any-return]


def issues(view: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(i["template"], i["recipient"], i["problem"]) for i in view["emailDeliveryIssues"]]


@pytest.fixture
def confirmed(store_order: OrderStore, aws_resources: Resources) -> None:
    """Given an order whose ORDER_CREATED emails went out."""
    store_order()
    assert notifications_handler(sqs_event(notification("ORDER_CREATED")), LambdaContext()) == {"batchItemFailures": []}


def test_a_hard_bounce_suppresses_the_address_and_no_receipt_follows(confirmed: None) -> None:
    # When the customer's confirmation bounces for good
    assert consume(event(EventKind.BOUNCE)) == {"batchItemFailures": []}
    # Then the address is on the account's suppression list
    assert suppression(CUSTOMER) == "BOUNCE"
    # When the admin marks the order paid
    paid = orders_api(
        api_event(
            "PATCH", "/orders/ord-1001", resource="/orders/{orderId}", path_parameters={"orderId": "ord-1001"},
            body={"status": "PAID"}, claims=admin_claims(),
        ),
        LambdaContext(),
    )  # fmt: skip
    assert paid["statusCode"] == 200, paid
    before = len(sent_emails())
    assert notifications_handler(sqs_event(notification("ORDER_PAID")), LambdaContext()) == {"batchItemFailures": []}
    # Then no receipt is sent to that address
    assert len(sent_emails()) == before
    # And the admin sees why on the order: the bounce, then the receipt not sent
    view = admin_view()
    assert issues(view) == [
        ("customer_confirmation", CUSTOMER, "BOUNCED"),
        ("order_receipt", CUSTOMER, "SUPPRESSED"),
    ]
    assert "550 5.1.1 user unknown" in view["emailDeliveryIssues"][0]["detail"]


def test_a_complaint_suppresses_the_address(confirmed: None) -> None:
    consume(event(EventKind.COMPLAINT))

    assert suppression(CUSTOMER) == "COMPLAINT"
    assert issues(admin_view()) == [("customer_confirmation", CUSTOMER, "COMPLAINED")]


def test_a_soft_bounce_is_noted_but_the_address_stays_mailable(confirmed: None) -> None:
    consume(event(EventKind.SOFT_BOUNCE))

    assert suppression(CUSTOMER) is None
    assert issues(admin_view()) == [("customer_confirmation", CUSTOMER, "SOFT_BOUNCED")]


def test_a_reject_is_noted_against_every_destination(confirmed: None) -> None:
    consume(event(EventKind.REJECT))

    assert suppression(CUSTOMER) is None
    assert issues(admin_view()) == [("customer_confirmation", CUSTOMER, "REJECTED")]


def test_the_same_event_delivered_twice_is_noted_once(confirmed: None) -> None:
    body = event(EventKind.BOUNCE)
    consume(body)
    consume(body, body)

    assert issues(admin_view()) == [("customer_confirmation", CUSTOMER, "BOUNCED")]


def test_an_event_still_in_its_sns_envelope_is_read_too(confirmed: None) -> None:
    """Given a subscription without raw delivery, then the SNS envelope is unwrapped."""
    envelope = {"Type": "Notification", "MessageId": "sns-1", "Message": json.dumps(event(EventKind.COMPLAINT))}

    assert consume(envelope) == {"batchItemFailures": []}
    assert suppression(CUSTOMER) == "COMPLAINT"


def test_an_event_for_no_known_order_still_suppresses(aws_resources: Resources) -> None:
    body = ses_event(
        EventKind.BOUNCE, message_id="x", sender=LOCAL_FROM_EMAIL, recipients=["gone@example.com"], tags={}
    )

    assert consume(body) == {"batchItemFailures": []}
    assert suppression("gone@example.com") == "BOUNCE"


def test_a_malformed_event_fails_alone(confirmed: None) -> None:
    """Given a poison body beside a good event, then only the poison fails (towards the DLQ)."""
    batch = sqs_event("not json", event(EventKind.COMPLAINT))

    response = email_events.lambda_handler(batch, LambdaContext())

    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [batch["Records"][0]["messageId"]]
    assert suppression(CUSTOMER) == "COMPLAINT"


def test_a_tenant_does_not_see_the_email_issues(confirmed: None) -> None:
    consume(event(EventKind.BOUNCE))
    response = orders_api(
        api_event(
            "GET", "/orders/ord-1001", resource="/orders/{orderId}", path_parameters={"orderId": "ord-1001"},
            claims=tenant_claims("ten-acme"),
        ),
        LambdaContext(),
    )  # fmt: skip

    assert response["statusCode"] == 200
    assert "emailDeliveryIssues" not in response_json(response)
    assert admin_view()["emailDeliveryIssues"]
