"""notifications-consumer with real SQS events against emulated DynamoDB, S3 and SES."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from bbws.core.settings import get_settings
from bbws.local.provision import LOCAL_FROM_EMAIL, LOCAL_INTERNAL_EMAILS, Resources
from bbws.notifications.handlers.consumer import lambda_handler, record_handler
from tests.handlers.notifications.support import OrderStore, SesFaults, notification, sent_emails
from tests.support.events import LambdaContext, sqs_event

INTERNAL = tuple(LOCAL_INTERNAL_EMAILS.split(","))


def failed_ids(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def deliver(*bodies: Any) -> tuple[dict[str, Any], list[str]]:
    event = sqs_event(*bodies)
    return lambda_handler(event, LambdaContext()), [r["messageId"] for r in event["Records"]]


def test_order_created_sends_internal_notification_and_customer_confirmation(store_order: OrderStore) -> None:
    # Given a stored order
    store_order()
    # When its ORDER_CREATED message is consumed
    response, _ = deliver(notification("ORDER_CREATED"))
    # Then the batch succeeds and two emails went out: one to staff, one to the customer
    assert response == {"batchItemFailures": []}
    emails = {email.recipients: email for email in sent_emails()}
    assert set(emails) == {INTERNAL, ("thandi@acme.example",)}
    staff, customer = emails[INTERNAL], emails[("thandi@acme.example",)]
    assert staff.subject == "New order ord-1001: ZAR 12,192.30 from thandi@acme.example"
    assert customer.subject == "We've received your order ord-1001"
    assert {staff.sender, customer.sender} == {LOCAL_FROM_EMAIL}
    # And both parts carry the order: lines, discount and total formatted with the currency
    for part in (customer.html, customer.text):
        assert "Business Website" in part
        assert "ZAR 12,500.00" in part
        assert "ZAR 1,354.70" in part
        assert "ZAR 12,192.30" in part
    assert "<table" in customer.html
    assert "<" not in customer.text


def test_order_paid_sends_the_receipt_to_the_customer_only(store_order: OrderStore) -> None:
    store_order(status="PAID")
    response, _ = deliver(notification("ORDER_PAID"))
    assert response == {"batchItemFailures": []}
    [receipt] = sent_emails()
    assert receipt.recipients == ("thandi@acme.example",)
    assert receipt.subject == "Your receipt for order ord-1001"
    assert "Total paid" in receipt.html


def test_the_same_message_delivered_twice_sends_each_email_once(store_order: OrderStore) -> None:
    # Given an order whose ORDER_CREATED message was handled
    store_order()
    deliver(notification())
    # When the queue delivers it again, and once more within a batch of duplicates
    again, _ = deliver(notification())
    batch, _ = deliver(notification(), notification())
    # Then every delivery succeeds, and still only the first two emails exist
    assert again == batch == {"batchItemFailures": []}
    assert len(sent_emails()) == 2


def test_order_not_stored_yet_fails_the_record_for_a_retry(store_order: OrderStore) -> None:
    # Given a message for an order the orders service has not stored yet
    response, [message_id] = deliver(notification(order_id="ord-later"))
    # Then the record fails (the queue redelivers it) and nothing is sent
    assert failed_ids(response) == [message_id]
    assert sent_emails() == []
    # When the order is stored and the message comes back, Then the emails go out
    store_order(order_id="ord-later")
    retry, _ = deliver(notification(order_id="ord-later"))
    assert retry == {"batchItemFailures": []}
    assert len(sent_emails()) == 2


def test_a_poison_record_fails_alone_and_its_neighbours_are_sent(store_order: OrderStore) -> None:
    # Given two stored orders and a batch with a malformed message between their messages
    store_order(order_id="ord-a")
    store_order(order_id="ord-b")
    event = sqs_event(
        notification(order_id="ord-a"),
        "{not json",
        {"schemaVersion": 1, "type": "ORDER_SHIPPED", "orderId": "ord-a", "tenantId": None},
        notification(order_id="ord-b"),
    )
    # When the batch is consumed
    response = lambda_handler(event, LambdaContext())
    # Then only the two bad records fail, and both good orders got their emails
    records = event["Records"]
    assert failed_ids(response) == [records[1]["messageId"], records[2]["messageId"]]
    assert len(sent_emails()) == 4


def test_ses_throttling_fails_the_record_and_the_retry_sends_once(
    store_order: OrderStore, ses_faults: SesFaults
) -> None:
    # Given SES throttles the first send
    store_order(status="PAID")
    ses_faults.fail_next("TooManyRequestsException", status=429)
    # When the receipt message is consumed
    response, [message_id] = deliver(notification("ORDER_PAID"))
    # Then the record fails and nothing was sent
    assert failed_ids(response) == [message_id]
    assert sent_emails() == []
    # When the queue delivers it again (twice, as at-least-once delivery may)
    deliver(notification("ORDER_PAID"))
    deliver(notification("ORDER_PAID"))
    # Then the receipt went out exactly once
    assert len(sent_emails()) == 1


def test_ses_unavailable_for_one_email_keeps_the_other_and_retries_only_the_failed_one(
    store_order: OrderStore, ses_faults: SesFaults
) -> None:
    # Given SES fails with a 5xx on the first of the two ORDER_CREATED emails
    store_order()
    ses_faults.fail_next("ServiceUnavailable", status=503)
    response, [message_id] = deliver(notification())
    # Then the record fails, but the other email was sent
    assert failed_ids(response) == [message_id]
    assert len(sent_emails()) == 1
    # When retried, Then only the missing email is sent
    retry, _ = deliver(notification())
    assert retry == {"batchItemFailures": []}
    assert len(sent_emails()) == 2
    assert len({email.recipients for email in sent_emails()}) == 2


def test_message_rejected_fails_on_every_receive_and_sends_nothing(
    store_order: OrderStore, ses_faults: SesFaults
) -> None:
    # Given SES rejects the receipt on every attempt
    store_order()
    ses_faults.fail_next("MessageRejected", times=5)
    # When the queue delivers it up to its maxReceiveCount (5)
    outcomes = [deliver(notification("ORDER_PAID")) for _ in range(5)]
    # Then every receive fails (so the message ends in the DLQ), and nothing was sent
    assert all(len(response["batchItemFailures"]) == 1 for response, _ in outcomes)
    assert ses_faults.calls == 5
    assert sent_emails() == []


def test_unverified_sender_is_rejected_by_ses_as_permanent(store_order: OrderStore, aws_resources: Resources) -> None:
    # Given the sending identity is no longer verified in SES (a real MessageRejected)
    store_order()
    boto3.client("ses", region_name="eu-west-1").delete_identity(Identity=LOCAL_FROM_EMAIL)
    # When the receipt message is consumed
    response, [message_id] = deliver(notification("ORDER_PAID"))
    # Then the record fails and nothing was sent
    assert failed_ids(response) == [message_id]
    assert sent_emails() == []


def test_a_missing_template_fails_its_email_and_not_the_others(
    store_order: OrderStore, aws_resources: Resources
) -> None:
    # Given the customer confirmation's HTML template was deleted from the bucket
    store_order()
    bucket = aws_resources.settings["templates_bucket_name"]
    boto3.client("s3", region_name="eu-west-1").delete_object(
        Bucket=bucket, Key="email-templates/customer_confirmation.html"
    )
    # When ORDER_CREATED is consumed, twice
    first, [first_id] = deliver(notification())
    second, [second_id] = deliver(notification())
    # Then it fails each time, and only the internal notification went out, once
    assert failed_ids(first) == [first_id]
    assert failed_ids(second) == [second_id]
    assert [email.recipients for email in sent_emails()] == [INTERNAL]


def test_an_invalid_customer_address_is_a_permanent_failure(store_order: OrderStore) -> None:
    store_order(customer_email="thandi@acme.example\r\nBcc: victim@example.com")
    response, [message_id] = deliver(notification("ORDER_PAID"))
    assert failed_ids(response) == [message_id]
    assert sent_emails() == []


def test_a_message_for_another_tenant_is_refused(store_order: OrderStore) -> None:
    store_order()
    response, [message_id] = deliver(notification(tenant_id="ten-other"))
    assert failed_ids(response) == [message_id]
    assert sent_emails() == []


def test_concurrent_deliveries_of_the_same_message_send_each_email_once(
    store_order: OrderStore, ses_faults: SesFaults, serialised_dynamodb: None
) -> None:
    # Given an order, and SES slow on the first send (one delivery holds its claim in flight)
    store_order()
    release = ses_faults.hold_first_send()
    body = notification()

    def run_elsewhere() -> dict[str, Any]:
        # Another Lambda instance: its own batch processor, the same code.
        return process_partial_response(
            event=sqs_event(body),
            record_handler=record_handler,
            processor=BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False),
            context=LambdaContext(),
        )

    with ThreadPoolExecutor(max_workers=5) as pool:
        first = pool.submit(run_elsewhere)
        assert ses_faults.entered.wait(timeout=10)
        # When four more deliveries of the same message run while the first is sending
        others = [pool.submit(run_elsewhere) for _ in range(4)]
        other_results = [future.result(timeout=20) for future in others]
        release.set()
        first_result = first.result(timeout=20)
    # Then the deliveries that met the claim in flight fail (to be retried) ...
    assert first_result == {"batchItemFailures": []}
    assert all(len(result["batchItemFailures"]) == 1 for result in other_results)
    # ... their retries find both emails sent, and each email went out exactly once
    retries = [run_elsewhere() for _ in range(4)]
    assert all(result == {"batchItemFailures": []} for result in retries)
    assert sorted(email.recipients for email in sent_emails()) == sorted([INTERNAL, ("thandi@acme.example",)])


def test_a_misconfigured_function_fails_the_record_instead_of_dropping_it(
    store_order: OrderStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a deployment that forgot INTERNAL_EMAILS
    monkeypatch.setenv("INTERNAL_EMAILS", "")
    get_settings.cache_clear()
    store_order()
    # When ORDER_CREATED is consumed, Then the record fails (to be retried once fixed)
    response, [message_id] = deliver(notification())
    assert failed_ids(response) == [message_id]
    assert sent_emails() == []


def test_a_batch_reads_the_suppression_list_once_per_address_and_the_next_batch_afresh(
    store_order: OrderStore,
) -> None:
    # Given two stored orders of one customer, and the SESv2 reads counted
    from bbws.core import aws

    reads: list[str] = []
    aws.ses().meta.events.register(
        "before-parameter-build.sesv2.GetSuppressedDestination",
        lambda params, **_: reads.append(params["EmailAddress"]),
    )
    store_order()
    store_order(order_id="ord-1002")
    # When both ORDER_CREATED messages arrive in one batch
    response, _ = deliver(notification("ORDER_CREATED"), notification("ORDER_CREATED", order_id="ord-1002"))
    # Then four emails went out, and each recipient was looked up once, not once per email
    assert response == {"batchItemFailures": []}
    assert len(sent_emails()) == 4
    assert sorted(reads) == sorted([*INTERNAL, "thandi@acme.example"])
    # When the customer is suppressed and the next batch (a receipt) arrives
    aws.ses().put_suppressed_destination(EmailAddress="thandi@acme.example", Reason="BOUNCE")
    store_order(order_id="ord-1003", status="PAID")
    response, _ = deliver(notification("ORDER_PAID", order_id="ord-1003"))
    # Then that batch read the list afresh and sent nothing to the suppressed address
    assert response == {"batchItemFailures": []}
    assert reads.count("thandi@acme.example") == 2
    assert len(sent_emails()) == 4
