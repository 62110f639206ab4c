"""Why an email could not be sent, split by what a retry can do about it.

Every failure fails its queue record, so the message comes back; the split decides the log
level and metric. A transient failure (throttling, an order not readable yet, another delivery
holding the claim) is expected to succeed on a later receive. A permanent one (a bad address,
a missing or broken template, SES rejecting the message) fails every receive and ends in the
notifications DLQ, whose alarm tells an operator, who can fix the cause and redrive it.
"""

from __future__ import annotations

from bbws.core.errors import BbwsError


class NotificationFailure(BbwsError):
    permanent: bool = False


class TransientFailure(NotificationFailure):
    permanent = False


class PermanentFailure(NotificationFailure):
    permanent = True


class OrderNotFoundYet(TransientFailure):
    """The order is not readable (yet): reads after the orders consumer's write may lag."""


class ClaimHeldElsewhere(TransientFailure):
    """Another delivery of the same message is sending this email right now."""


class EmailServiceUnavailable(TransientFailure):
    """SES throttled, timed out or failed on its side; the same request may succeed later."""


class TemplateStoreUnavailable(TransientFailure):
    """S3 could not be read for a reason other than the template being absent."""


class InvalidHeader(PermanentFailure):
    """A subject or address that cannot go into a mail header (CR/LF, malformed address)."""


class TemplateMissing(PermanentFailure):
    """A template file is not in the templates bucket."""


class TemplateBroken(PermanentFailure):
    """A template does not parse, or uses a variable the context does not have."""


class EmailRejected(PermanentFailure):
    """SES refused the message itself (content, unverified sender, invalid recipient)."""


class InvalidNotification(PermanentFailure):
    """A queue message that is not a notification this service knows, or contradicts the order."""


class MalformedMessage(InvalidNotification):
    """A queue body that is not a notification message at all (not JSON, unknown type...)."""


class EmailsFailed(NotificationFailure):
    """One or more emails of a message failed; the others were sent (or already had been)."""

    def __init__(self, failures: dict[str, NotificationFailure]) -> None:
        self.failures = failures
        self.permanent = all(failure.permanent for failure in failures.values())
        detail = "; ".join(f"{name}: {type(exc).__name__}: {exc}" for name, exc in failures.items())
        super().__init__(detail)
