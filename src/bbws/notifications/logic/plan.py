"""Which emails each event sends, and to whom (SPEC §5)."""

from __future__ import annotations

from bbws.core.errors import ConfigurationError
from bbws.notifications.models.emails import EmailTemplate, PlannedEmail
from bbws.notifications.models.messages import NotificationType
from bbws.notifications.models.order import NotifiableOrder

# The templates each event calls for; recipients are resolved per order below.
EMAILS_BY_EVENT: dict[NotificationType, tuple[EmailTemplate, ...]] = {
    NotificationType.ORDER_CREATED: (EmailTemplate.INTERNAL_NOTIFICATION, EmailTemplate.CUSTOMER_CONFIRMATION),
    NotificationType.ORDER_PAID: (EmailTemplate.ORDER_RECEIPT,),
}


def plan_emails(
    event: NotificationType, order: NotifiableOrder, internal_emails: tuple[str, ...]
) -> tuple[PlannedEmail, ...]:
    """The emails `event` sends for `order`: staff get the internal notification, the customer
    the confirmation and the receipt. Addresses are validated when the email is sent."""
    planned = []
    for template in EMAILS_BY_EVENT[event]:
        if template is EmailTemplate.INTERNAL_NOTIFICATION:
            if not internal_emails:
                raise ConfigurationError("INTERNAL_EMAILS is empty: nobody would hear of new orders")
            planned.append(PlannedEmail(template, internal_emails))
        else:
            planned.append(PlannedEmail(template, (order.customer_email,)))
    return tuple(planned)
