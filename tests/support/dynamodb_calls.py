"""Counting the DynamoDB operations code makes, through botocore's own event hooks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bbws.core import aws


@contextmanager
def dynamodb_calls(*table_names: str) -> Iterator[Counter[str]]:
    """Count operations ("GetItem", "Query", "Scan", ...) sent through the platform's cached
    table resources for these tables while the block runs."""
    calls: Counter[str] = Counter()

    def record(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    emitters = {id(em): em for em in (aws.table(name).meta.client.meta.events for name in table_names)}
    for emitter in emitters.values():
        emitter.register("before-call.dynamodb", record, unique_id="tests-dynamodb-calls")
    try:
        yield calls
    finally:
        for emitter in emitters.values():
            emitter.unregister("before-call.dynamodb", unique_id="tests-dynamodb-calls")
