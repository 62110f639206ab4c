"""The SES account-level suppression list (SESv2): addresses SES will not deliver to.

The list is the one source of truth for "do not email this address": the email-events consumer
adds hard bounces and complaints to it, the notifier reads it before every send, and an operator
takes an address off it (`aws sesv2 delete-suppressed-destination`) once the mailbox works again.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bbws.core import aws
from bbws.core.clock import iso
from bbws.notifications.errors import EmailServiceUnavailable
from bbws.notifications.models.emails import Suppression

SUPPRESSION_REASONS = frozenset({"BOUNCE", "COMPLAINT"})


class SesSuppressionList:
    """Reads are remembered until `forget()`, which the consumer calls at the start of every
    invocation: a batch's orders share recipients (the internal addresses, repeat customers), so
    each address costs one read per batch instead of one per email, and a change to the list is
    seen by the next batch. An address suppressed while a batch runs can still be sent to by
    that batch; SES itself drops it then (the configuration set's `suppression_options`)."""

    def __init__(self) -> None:
        self._read: dict[str, Suppression | None] = {}

    def forget(self) -> None:
        """Read the list afresh from now on."""
        self._read.clear()

    def suppression_of(self, address: str) -> Suppression | None:
        """The address's entry on the list, or None when SES may deliver to it."""
        if address not in self._read:
            self._read[address] = self._look_up(address)
        return self._read[address]

    def _look_up(self, address: str) -> Suppression | None:
        try:
            answer: Any = aws.ses().get_suppressed_destination(EmailAddress=address)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NotFoundException":
                return None
            raise EmailServiceUnavailable(f"the suppression list could not be read: {error}") from error
        except BotoCoreError as error:
            raise EmailServiceUnavailable(f"SES could not be reached: {error}") from error
        entry = answer["SuppressedDestination"]
        since = entry.get("LastUpdateTime")
        return Suppression(
            address=str(entry.get("EmailAddress", address)),
            reason=str(entry.get("Reason", "")),
            since=iso(since) if hasattr(since, "astimezone") else str(since or ""),
        )

    def suppress(self, address: str, reason: str) -> None:
        """Put the address on the list (idempotent: SES updates an existing entry)."""
        if reason not in SUPPRESSION_REASONS:
            raise ValueError(f"not a suppression reason: {reason}")
        try:
            aws.ses().put_suppressed_destination(EmailAddress=address, Reason=reason)  # type: ignore[arg-type]
        except (ClientError, BotoCoreError) as error:
            raise EmailServiceUnavailable(f"{address} could not be suppressed: {error}") from error
        self._read.pop(address, None)
