"""Step definitions for notifications.feature: order announcements reach the notifications
consumer as SQS events; what people receive is read back from the emulated SES."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from bbws.local.provision import LOCAL_INTERNAL_EMAILS, Resources
from bbws.notifications.handlers.consumer import lambda_handler
from bbws.orders.models.order import OrderLine, OrderStatus
from tests.handlers.notifications.support import (
    OrderStore,
    SentEmail,
    fresh_notifier,
    install_ses_faults,
    notification,
    order_store,
    sent_emails,
)
from tests.support.events import LambdaContext, sqs_event

scenarios("notifications.feature")


class Announcements:
    """The order (as the orders service stored it) and what announcing it has produced."""

    def __init__(self, resources: Resources) -> None:
        self.resources = resources
        self.store: OrderStore = order_store(resources)
        self.order_changes: dict[str, Any] = {}
        self.responses: list[dict[str, Any]] = []

    def announce(self, kind: str, times: int = 1) -> None:
        for _ in range(times):
            self.responses.append(lambda_handler(sqs_event(notification(kind)), LambdaContext()))

    def received_by(self, *recipients: str) -> list[SentEmail]:
        return [email for email in sent_emails() if email.recipients == recipients]


@pytest.fixture
def shop(aws_resources: Resources) -> Any:
    with fresh_notifier():
        yield Announcements(aws_resources)


TEAM = tuple(LOCAL_INTERNAL_EMAILS.split(","))


@given(parsers.parse('my team reads new orders at "{first}" and "{second}"'))
def team_addresses(first: str, second: str) -> None:
    # The local stack's INTERNAL_EMAILS setting: the addresses the scenarios expect.
    assert (first, second) == TEAM


@given(parsers.parse('"{customer}" has ordered {quantity:d} "{product}" at "{price}" ZAR each'))
def has_ordered(shop: Announcements, customer: str, quantity: int, product: str, price: str) -> None:
    unit = Decimal(price)
    line = OrderLine("plan-1", product, quantity, unit, unit * quantity)
    changes: dict[str, Any] = {
        "customer_email": customer,
        "items": (line,),
        "subtotal": line.total_price,
        "discount": Decimal("0.00"),
        "campaign_code": None,
        "total_amount": line.total_price,
    }
    shop.order_changes = changes
    shop.store(**changes)


@given("the order has been paid")
def order_paid(shop: Announcements) -> None:
    shop.store(**shop.order_changes, status=OrderStatus.PAID)


@given("the email service is too busy to take the next email")
def ses_busy() -> None:
    install_ses_faults().fail_next("TooManyRequestsException", status=429)


@given("someone deleted the customer confirmation template")
def template_deleted(shop: Announcements) -> None:
    boto3.client("s3", region_name="eu-west-1").delete_object(
        Bucket=shop.resources.settings["templates_bucket_name"], Key="email-templates/customer_confirmation.html"
    )


@when("the new order is announced")
def announce_new(shop: Announcements) -> None:
    shop.announce("ORDER_CREATED")


@when(parsers.parse("the new order is announced {times:d} times"))
def announce_new_repeatedly(shop: Announcements, times: int) -> None:
    shop.announce("ORDER_CREATED", times)


@when("the payment is announced")
@when("the payment is announced again")
def announce_payment(shop: Announcements) -> None:
    shop.announce("ORDER_PAID")


@then(parsers.parse('my team receives one email titled "{subject}"'))
def team_receives(shop: Announcements, subject: str) -> None:
    assert [email.subject for email in shop.received_by(*TEAM)] == [subject]


@then("my team receives no email")
def team_receives_nothing(shop: Announcements) -> None:
    assert shop.received_by(*TEAM) == []


@then(parsers.parse('"{customer}" receives one email titled "{subject}"'))
def customer_receives(shop: Announcements, customer: str, subject: str) -> None:
    assert [email.subject for email in shop.received_by(customer)] == [subject]


@then(parsers.parse('"{customer}" has received no email yet'))
def customer_received_nothing(shop: Announcements, customer: str) -> None:
    assert shop.received_by(customer) == []


@then(parsers.parse('that email lists {quantity:d} "{product}" at "{unit}" for a total of "{total}"'))
def email_lists(shop: Announcements, quantity: int, product: str, unit: str, total: str) -> None:
    [email] = shop.received_by(shop.order_changes["customer_email"])
    for part in (email.html, email.text):
        assert product in part
        assert unit in part
        assert total in part
    assert f"{quantity} x {unit}" in email.text


@then("the customer's email shows the product name as plain text")
def product_name_is_text(shop: Announcements) -> None:
    [email] = shop.received_by(shop.order_changes["customer_email"])
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt;" in email.html
    assert "<script>alert('hi')</script>" in email.text


@then("every attempt is reported as failed, so the announcement is set aside for my team")
def every_attempt_failed(shop: Announcements) -> None:
    # Five failed receives is the queue's maxReceiveCount: the message moves to the DLQ.
    assert len(shop.responses) == 5
    assert all(len(response["batchItemFailures"]) == 1 for response in shop.responses)
