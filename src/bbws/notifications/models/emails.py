"""The emails of SPEC §5: their template names, a planned email and a rendered one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EmailTemplate(StrEnum):
    INTERNAL_NOTIFICATION = "internal_notification"
    CUSTOMER_CONFIRMATION = "customer_confirmation"
    ORDER_RECEIPT = "order_receipt"


@dataclass(frozen=True)
class PlannedEmail:
    """One email an event calls for: which template, to whom."""

    template: EmailTemplate
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class RenderedEmail:
    """The three rendered parts of an email; the subject is already a valid header value."""

    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class OutgoingEmail:
    """A rendered email with its validated sender and recipients, ready for SES."""

    sender: str
    recipients: tuple[str, ...]
    content: RenderedEmail
    sender_name: str = "BBWS"


@dataclass(frozen=True)
class Claim:
    """The right, held until `lease_until_ms`, to send one (order, template) email."""

    order_id: str
    template: str
    token: str
    lease_until_ms: int


# Message tags every email carries (SESv2 EmailTags). SES copies them into each event it
# publishes about the email (`mail.tags`), which is how a bounce finds its order and template.
ORDER_TAG = "orderId"
TEMPLATE_TAG = "template"


@dataclass(frozen=True)
class Suppression:
    """An address on the account's suppression list: SES will not deliver to it."""

    address: str
    reason: str  # BOUNCE or COMPLAINT
    since: str  # ISO 8601 UTC
