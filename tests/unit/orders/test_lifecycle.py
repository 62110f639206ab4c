"""The status lifecycle: CREATED -> PAID -> FULFILLED, CREATED|PAID -> CANCELLED, nothing else."""

from __future__ import annotations

import itertools

from bbws.orders.logic.lifecycle import can_move, notification_for
from bbws.orders.models.order import OrderStatus as S

ALLOWED = {(S.CREATED, S.PAID), (S.PAID, S.FULFILLED), (S.CREATED, S.CANCELLED), (S.PAID, S.CANCELLED)}


def test_exactly_the_four_lifecycle_moves_are_allowed() -> None:
    allowed = {(a, b) for a, b in itertools.product(S, S) if can_move(a, b)}
    assert allowed == ALLOWED


def test_fulfilled_and_cancelled_are_final() -> None:
    assert not any(can_move(final, target) for final in (S.FULFILLED, S.CANCELLED) for target in S)


def test_only_paying_announces_something_the_receipt() -> None:
    assert {target: notification_for(target) for target in S} == {
        S.CREATED: None,
        S.PAID: "ORDER_PAID",
        S.FULFILLED: None,
        S.CANCELLED: None,
    }
