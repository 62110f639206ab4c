"""The cursor secret comes from Secrets Manager, once per environment; a rotation keeps the
previous version's cursors valid, and unknown key ids cannot make every request call AWS."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest

from bbws.core import aws
from bbws.core.cursor_keys import SecretsManagerKeys
from bbws.core.errors import InvalidInput
from bbws.core.pagination import ID, CursorShape, decode_cursor, encode_cursor

SHAPE = CursorShape("tenants:by-type:TENANT", {"pk": re.compile("TENANT#" + ID), "sk": "TENANT"})
KEY = {"pk": "TENANT#t-1", "sk": "TENANT"}


def _count_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    client = aws.secrets_manager()
    real = client.get_secret_value

    def get(**kwargs: Any) -> Any:
        calls.append(kwargs.get("VersionStage", ""))
        return real(**kwargs)

    monkeypatch.setattr(client, "get_secret_value", get)
    return calls


def test_cursors_are_signed_with_the_secret_and_survive_a_rotation(aws_resources, monkeypatch) -> None:
    calls = _count_calls(monkeypatch)
    arn = aws_resources.settings["cursor_secret_arn"]
    keys = SecretsManagerKeys(arn)
    # Given a cursor signed in one execution environment (one read of AWSCURRENT)
    before = encode_cursor(KEY, SHAPE, keys.signing())
    assert decode_cursor(before, SHAPE, keys.signing()) == KEY
    assert calls == ["AWSCURRENT"]
    # When the secret is rotated (a new version: AWSCURRENT moves on, the old one is AWSPREVIOUS)
    boto3.client("secretsmanager").put_secret_value(SecretId=arn, SecretString="r" * 64)
    # Then a new environment signs with the new key and still accepts the old cursor
    fresh = SecretsManagerKeys(arn)
    after = encode_cursor(KEY, SHAPE, fresh.signing())
    assert after != before
    old_key = fresh.verifying(before_key_id(before))
    assert old_key is not None
    # And the old environment, meeting a cursor of the new key, reloads once and accepts it
    assert keys.verifying(before_key_id(after)) is not None
    assert calls.count("AWSPREVIOUS") == 2


def before_key_id(cursor: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))[1:5]


def test_unknown_key_ids_reload_at_most_once_per_interval(aws_resources, monkeypatch) -> None:
    calls = _count_calls(monkeypatch)
    keys = SecretsManagerKeys(aws_resources.settings["cursor_secret_arn"], reload_seconds=3600)
    for attempt in range(20):
        assert keys.verifying(attempt.to_bytes(4, "big")) is None
    # one read of the current version, then one reload of both: not one per forged cursor
    assert calls == ["AWSCURRENT", "AWSCURRENT", "AWSPREVIOUS"]


def test_the_process_key_ring_reads_the_setting(aws_resources) -> None:
    # With the settings pointing at the stack's secret, the module-level ring signs and verifies
    cursor = encode_cursor(KEY, SHAPE)
    assert decode_cursor(cursor, SHAPE) == KEY
    with pytest.raises(InvalidInput):
        decode_cursor(cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:], SHAPE)
