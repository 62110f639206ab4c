"""Sending a MIME message with SES (v2 API, raw content) and telling its failures apart."""

from __future__ import annotations

from collections.abc import Mapping

from botocore.exceptions import BotoCoreError, ClientError

from bbws.core import aws
from bbws.notifications.errors import EmailRejected, EmailServiceUnavailable

# SES error codes that no retry of the same request can fix: the message, the sender identity
# or the account must change first. Everything else (throttling, 5xx, timeouts, unknown codes)
# is treated as transient: a retry is cheap, and a wrongly retried error still ends in the DLQ.
PERMANENT_SES_ERRORS = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "MailFromDomainNotVerified",
        "BadRequestException",
        "InvalidParameterValue",
        "NotFoundException",
        "AccountSuspendedException",
        "SendingPausedException",
        "ConfigurationSetDoesNotExist",
    }
)


_THROTTLING_MARKERS = ("Throttl", "TooManyRequests", "LimitExceeded")


def is_permanent(error: ClientError) -> bool:
    """True for errors no retry of the same request can fix."""
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code in PERMANENT_SES_ERRORS:
        return True
    if any(marker in code for marker in _THROTTLING_MARKERS):
        return False
    # Any other 4xx is a request SES will never accept either; 5xx and the rest may pass later.
    return 400 <= status < 500 and status != 429


class SesMailer:
    """Sends raw MIME through SES; the MIME carries the From, To and Subject headers."""

    def send(self, raw_message: bytes, sender: str, tags: Mapping[str, str]) -> str:
        """The SES message id of the sent email. `tags` come back in every SES event about it."""
        try:
            answer = aws.ses().send_email(
                FromEmailAddress=sender,
                Content={"Raw": {"Data": raw_message}},
                EmailTags=[{"Name": name, "Value": value} for name, value in tags.items()],
            )
        except ClientError as error:
            if is_permanent(error):
                raise EmailRejected(f"SES refused the email: {error}") from error
            raise EmailServiceUnavailable(f"SES could not send the email now: {error}") from error
        except BotoCoreError as error:  # timeouts and connection failures after boto3's own retries
            raise EmailServiceUnavailable(f"SES could not be reached: {error}") from error
        return str(answer["MessageId"])
