"""SES errors split into permanent (to the DLQ) and transient (retried), and what SES is sent."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import Stubber

from bbws.core import aws
from bbws.notifications.dal.mailer import SesMailer, is_permanent
from bbws.notifications.errors import EmailRejected, EmailServiceUnavailable

TAGS = {"orderId": "ord-1", "template": "order_receipt"}


def client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "X")


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("MessageRejected", 400),
        ("MailFromDomainNotVerifiedException", 400),
        ("BadRequestException", 400),
        ("AccountSuspendedException", 400),
        ("SomethingNewAndInvalid", 400),
    ],
)
def test_errors_no_retry_can_fix_are_permanent(code: str, status: int) -> None:
    assert is_permanent(client_error(code, status))


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("Throttling", 400),
        ("ThrottlingException", 400),
        ("TooManyRequestsException", 429),
        ("LimitExceededException", 400),
        ("ServiceUnavailable", 503),
        ("InternalFailure", 500),
    ],
)
def test_throttling_and_server_errors_are_transient(code: str, status: int) -> None:
    assert not is_permanent(client_error(code, status))


@pytest.fixture
def stubbed_ses() -> Any:
    with Stubber(aws.ses()) as stubber:
        yield stubber


def test_the_raw_message_goes_to_ses_from_the_sender(stubbed_ses: Stubber) -> None:
    stubbed_ses.add_response(
        "send_email",
        {"MessageId": "ses-1"},
        {
            "FromEmailAddress": "orders@bbws.example",
            "Content": {"Raw": {"Data": b"MIME"}},
            "EmailTags": [{"Name": "orderId", "Value": "ord-1"}, {"Name": "template", "Value": "order_receipt"}],
        },
    )
    assert SesMailer().send(b"MIME", "orders@bbws.example", TAGS) == "ses-1"


def test_a_rejected_message_is_a_permanent_failure(stubbed_ses: Stubber) -> None:
    stubbed_ses.add_client_error("send_email", service_error_code="MessageRejected", http_status_code=400)
    with pytest.raises(EmailRejected):
        SesMailer().send(b"MIME", "orders@bbws.example", TAGS)


def test_a_server_error_is_a_transient_failure(stubbed_ses: Stubber) -> None:
    stubbed_ses.add_client_error("send_email", service_error_code="InternalFailure", http_status_code=500)
    with pytest.raises(EmailServiceUnavailable):
        SesMailer().send(b"MIME", "orders@bbws.example", TAGS)


def test_an_unreachable_ses_is_a_transient_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    class Unreachable:
        def send_email(self, **_: Any) -> None:
            raise EndpointConnectionError(endpoint_url="https://email.eu-west-1.amazonaws.com")

    monkeypatch.setattr(aws, "ses", Unreachable)
    with pytest.raises(EmailServiceUnavailable):
        SesMailer().send(b"MIME", "orders@bbws.example", TAGS)
