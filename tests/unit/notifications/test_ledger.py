"""The sent-email ledger in the (emulated) orders table: claim, complete, release, lapse."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from bbws.core import aws
from bbws.notifications.dal.ledger import SentEmailLedger, ledger_key
from bbws.notifications.errors import ClaimHeldElsewhere
from bbws.notifications.models.emails import Claim


class Clock:
    def __init__(self) -> None:
        self.now_ms = 1_000_000

    def __call__(self) -> int:
        return self.now_ms


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(orders_table: str, clock: Clock) -> SentEmailLedger:
    return SentEmailLedger(orders_table, clock_ms=clock)


def stored(ledger: SentEmailLedger, template: str = "order_receipt") -> dict[str, Any] | None:
    return aws.table(ledger.table_name).get_item(Key=ledger_key("ord-1", template), ConsistentRead=True).get("Item")


def test_a_first_claim_is_granted_and_visible_as_sending(ledger: SentEmailLedger, clock: Clock) -> None:
    claim = ledger.claim("ord-1", "order_receipt", clock.now_ms + 30_000)
    assert claim is not None
    item = stored(ledger)
    assert item is not None
    assert item["pk"] == "NOTIFICATION#ord-1"
    assert item["sk"] == "EMAIL#order_receipt"
    assert item["status"] == "SENDING"
    # It stays out of the orders table's indexes (no entityType, tenantId or createdKey).
    assert not {"entityType", "tenantId", "createdKey"} & set(item)


def test_a_claim_in_flight_blocks_a_second_claimant(ledger: SentEmailLedger, clock: Clock) -> None:
    ledger.claim("ord-1", "order_receipt", clock.now_ms + 30_000)
    with pytest.raises(ClaimHeldElsewhere):
        ledger.claim("ord-1", "order_receipt", clock.now_ms + 30_000)


def test_claims_are_per_template(ledger: SentEmailLedger, clock: Clock) -> None:
    ledger.claim("ord-1", "internal_notification", clock.now_ms + 30_000)
    assert ledger.claim("ord-1", "customer_confirmation", clock.now_ms + 30_000) is not None


def test_a_sent_email_cannot_be_claimed_again_ever(ledger: SentEmailLedger, clock: Clock) -> None:
    claim = ledger.claim("ord-1", "order_receipt", clock.now_ms + 30_000)
    assert claim is not None
    ledger.mark_sent(claim, "ses-123")
    clock.now_ms += 10**9
    assert ledger.claim("ord-1", "order_receipt", clock.now_ms + 30_000) is None
    item = stored(ledger)
    assert item is not None
    assert (item["status"], item["sesMessageId"]) == ("SENT", "ses-123")
    assert "leaseExpiresAt" not in item


def test_a_released_claim_can_be_claimed_again(ledger: SentEmailLedger, clock: Clock) -> None:
    claim = ledger.claim("ord-1", "order_receipt", clock.now_ms + 30_000)
    assert claim is not None
    ledger.release(claim)
    assert stored(ledger) is None
    assert ledger.claim("ord-1", "order_receipt", clock.now_ms + 30_000) is not None


def test_a_lapsed_claim_of_a_crashed_claimant_can_be_taken_over(ledger: SentEmailLedger, clock: Clock) -> None:
    # Given a claimant that died at its Lambda deadline without releasing
    ledger.claim("ord-1", "order_receipt", clock.now_ms + 30_000)
    # When the lease has passed, Then another delivery may claim the email
    clock.now_ms += 30_001
    assert ledger.claim("ord-1", "order_receipt", clock.now_ms + 30_000) is not None


def test_a_lapsed_claimant_cannot_release_or_complete_the_new_claim(ledger: SentEmailLedger, clock: Clock) -> None:
    old = ledger.claim("ord-1", "order_receipt", clock.now_ms + 1_000)
    assert old is not None
    clock.now_ms += 1_001
    new = ledger.claim("ord-1", "order_receipt", clock.now_ms + 30_000)
    assert new is not None
    # When the old claimant wakes up and gives up (or completes), nothing changes
    ledger.release(old)
    ledger.mark_sent(old, "ses-late")
    item = stored(ledger)
    assert item is not None
    assert (item["status"], item["claimToken"]) == ("SENDING", new.token)


def test_other_dynamodb_errors_are_not_mistaken_for_a_held_claim(emulated_aws: None, clock: Clock) -> None:
    ledger = SentEmailLedger("no-such-table", clock_ms=clock)
    with pytest.raises(ClientError, match="ResourceNotFound"):
        ledger.claim("ord-1", "order_receipt", clock.now_ms + 30_000)


def test_completing_or_releasing_in_a_missing_table_is_an_error_not_a_lapse(emulated_aws: None, clock: Clock) -> None:
    # Only a failed condition means "someone else holds it now"; anything else is reported.
    ledger = SentEmailLedger("no-such-table", clock_ms=clock)
    claim = Claim("ord-1", "order_receipt", "token", clock.now_ms + 30_000)
    with pytest.raises(ClientError, match="ResourceNotFound"):
        ledger.mark_sent(claim, "ses-1")
    with pytest.raises(ClientError, match="ResourceNotFound"):
        ledger.release(claim)
