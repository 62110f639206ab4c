"""The DynamoDB targets of SPEC §9 as the bench applies them to counted calls."""

from __future__ import annotations

import pytest
from bench.dynamodb import check
from bench.scenario import Kind


@pytest.mark.parametrize(
    ("kind", "calls", "passes"),
    [
        (Kind.ITEM_READ, {"GetItem": 1}, True),
        (Kind.ITEM_READ, {"Query": 1}, False),
        (Kind.ITEM_READ, {"GetItem": 2}, False),
        (Kind.LIST_PAGE, {"Query": 1}, True),
        (Kind.LIST_PAGE, {"Query": 1, "GetItem": 1}, False),
        (Kind.LIST_PAGE, {"Scan": 1}, False),
        (Kind.WRITE, {"UpdateItem": 2}, True),
        (Kind.WRITE, {"UpdateItem": 1, "Scan": 1}, False),
        (Kind.NOTIFY, {"GetItem": 1, "PutItem": 2}, True),
    ],
)
def test_reads_and_writes_are_held_to_their_kind(kind: Kind, calls: dict[str, int], passes: bool) -> None:
    assert check(kind, calls, sum(calls.values())) is passes


def test_a_function_that_should_make_no_aws_call_fails_when_it_makes_any() -> None:
    assert check(Kind.NO_AWS, {}, all_calls=0) is True
    assert check(Kind.NO_AWS, {}, all_calls=1) is False


@pytest.mark.parametrize(
    ("order_writes", "passes"),
    [
        (("PutItem",), True),
        (("TransactWriteItems",), True),
        (("PutItem", "UpdateItem"), False),
        ((), False),
        (("UpdateItem",), False),
    ],
)
def test_an_order_is_stored_by_exactly_one_atomic_write(order_writes: tuple[str, ...], passes: bool) -> None:
    calls = {op: order_writes.count(op) for op in order_writes} | {"GetItem": 1}
    assert check(Kind.ORDER_CREATE, calls, sum(calls.values()), order_writes) is passes
