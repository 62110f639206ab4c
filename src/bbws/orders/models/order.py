"""The order as the service holds it: lines, amounts and status, money as Decimal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

# Server ids are UUIDs; earlier producers used short ids such as "test-001".
ORDER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$"
ORDER_ID = re.compile(ORDER_ID_PATTERN)


class OrderStatus(StrEnum):
    """Stored statuses. PENDING is not one of them: it only describes an accepted order that
    the consumer has not stored yet (the 202 answer)."""

    CREATED = "CREATED"
    PAID = "PAID"
    FULFILLED = "FULFILLED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class OrderLine:
    product_id: str
    product_name: str
    quantity: int
    unit_price: Decimal
    total_price: Decimal


class EmailProblem(StrEnum):
    """Why an email of the order did not reach, or will no longer reach, a recipient."""

    BOUNCED = "BOUNCED"  # a hard bounce: the address does not exist or refuses mail for good
    SOFT_BOUNCED = "SOFT_BOUNCED"  # SES gave up after retrying (mailbox full, server down)
    COMPLAINED = "COMPLAINED"  # delivered, and the recipient marked it as spam
    REJECTED = "REJECTED"  # SES refused to send it (for example a virus in the content)
    SUPPRESSED = "SUPPRESSED"  # not sent: the address is on the account's suppression list


@dataclass(frozen=True)
class EmailIssue:
    """One recipient of one of the order's emails that the email did not (or will not) reach."""

    template: str
    recipient: str
    problem: EmailProblem
    detail: str
    at: str
    ses_message_id: str | None = None

    @property
    def key(self) -> str:
        """The same SES event delivered twice is one issue."""
        return f"{self.ses_message_id or '-'}:{self.template}:{self.recipient.lower()}:{self.problem}"


@dataclass(frozen=True)
class Order:
    """A stored order."""

    order_id: str
    tenant_id: str
    customer_email: str
    customer_id: str | None
    status: OrderStatus
    currency: str
    items: tuple[OrderLine, ...]
    subtotal: Decimal
    discount: Decimal
    campaign_code: str | None
    total_amount: Decimal
    created_at: str
    updated_at: str
    email_issues: tuple[EmailIssue, ...] = ()  # recorded by the notifications service
