"""The local state survives a stop and a start: captured from moto, written atomically, restored."""

from __future__ import annotations

import base64
import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from bbws.local.emulator import Emulator
from bbws.local.issuer import DevelopmentIssuer
from bbws.local.outbox import read_outbox
from bbws.local.state import (
    PREVIOUS_FILE,
    STATE_FILE,
    Layout,
    NamedValues,
    SavedState,
    StateError,
    StateStore,
    capture,
    load_private_key,
    private_key_pem,
    restore,
)

REGION = "eu-west-1"
SENDER = "orders@bbws.local"
LAYOUT = Layout(
    tables={"orders_table_name": "t-orders"},
    buckets={"templates_bucket_name": "t-templates"},
    queues={"orders": "t-orders", "orders-dlq": "t-orders-dlq"},
)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emulator = Emulator(region=REGION)
    emulator.start()
    yield emulator
    emulator.stop()


def _client(emulator: Emulator, service: str) -> Any:
    return boto3.client(
        service, region_name=REGION, endpoint_url=emulator.url, aws_access_key_id="x", aws_secret_access_key="x"
    )


def _provision(emulator: Emulator) -> dict[str, str]:
    """The layout's resources, empty, as the stack provisions them at every start."""
    dynamodb, s3, sqs = (_client(emulator, name) for name in ("dynamodb", "s3", "sqs"))
    dynamodb.create_table(
        TableName="t-orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    s3.create_bucket(Bucket="t-templates", CreateBucketConfiguration={"LocationConstraint": REGION})
    dlq = sqs.create_queue(QueueName="t-orders-dlq")["QueueUrl"]
    queue = sqs.create_queue(QueueName="t-orders", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    _client(emulator, "ses").verify_email_identity(EmailAddress=SENDER)
    return {"queue": queue, "dlq": dlq}


ORDER = {
    "pk": {"S": "ORDER#1"},
    "sk": {"S": "ORDER"},
    "entityType": {"S": "ORDER"},
    "total": {"N": "268.20"},
    "items": {"L": [{"M": {"productId": {"S": "hosting-basic"}, "quantity": {"N": "2"}}}]},
    "tags": {"SS": ["a", "b"]},
    "blob": {"B": b"\x00\x01\xff"},
}


def _fill(emulator: Emulator, urls: dict[str, str]) -> str:
    """Data of every kind the state keeps; returns the id of the email sent."""
    _client(emulator, "dynamodb").put_item(TableName="t-orders", Item=ORDER)
    s3 = _client(emulator, "s3")
    s3.put_object(
        Bucket="t-templates", Key="email-templates/x.html", Body=b"<p>{{ name }}</p>", ContentType="text/html"
    )
    sqs = _client(emulator, "sqs")
    attributes = {"kind": {"DataType": "String", "StringValue": "order"}}
    sqs.send_message(QueueUrl=urls["queue"], MessageBody='{"orderId": "2"}', MessageAttributes=attributes)
    sqs.send_message(QueueUrl=urls["queue"], MessageBody='{"orderId": "3"}')
    sqs.receive_message(QueueUrl=urls["queue"], MaxNumberOfMessages=1)  # received once, not deleted
    sqs.send_message(QueueUrl=urls["dlq"], MessageBody="poison")
    sent = _client(emulator, "sesv2").send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": ["ann@example.com"]},
        Content={
            "Simple": {"Subject": {"Data": "Order 1"}, "Body": {"Html": {"Data": "<p>hi</p>"}, "Text": {"Data": "hi"}}}
        },
        EmailTags=[{"Name": "orderId", "Value": "1"}],
    )
    _client(emulator, "sesv2").put_suppressed_destination(EmailAddress="bounced@example.com", Reason="BOUNCE")
    return str(sent["MessageId"])


def _messages(emulator: Emulator, url: str) -> list[dict[str, Any]]:
    return (
        _client(emulator, "sqs")
        .receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"])
        .get("Messages", [])
    )


def test_a_saved_state_restored_into_a_new_emulator_is_the_same_data(emulator: Emulator, tmp_path: Path) -> None:
    # Given an emulator holding items, objects, queued and dead-lettered messages, an email and a
    # suppressed address, saved to disk
    urls = _provision(emulator)
    email_id = _fill(emulator, urls)
    store = StateStore(tmp_path)
    assert store.save(SavedState(**capture(emulator.app, LAYOUT)))
    # When the emulator is replaced by a new, empty one and the state is restored into it
    emulator.stop()
    emulator.start()
    urls = _provision(emulator)
    assert _client(emulator, "dynamodb").scan(TableName="t-orders")["Count"] == 0
    saved = StateStore(tmp_path).load()
    assert saved is not None
    restore(emulator.app, LAYOUT, saved)
    # Then the item is back, every attribute type intact (numbers exact, bytes as bytes)
    item = _client(emulator, "dynamodb").get_item(TableName="t-orders", Key={"pk": ORDER["pk"], "sk": ORDER["sk"]})
    assert item["Item"] == ORDER
    # And the object with its content type
    template = _client(emulator, "s3").get_object(Bucket="t-templates", Key="email-templates/x.html")
    assert (template["Body"].read(), template["ContentType"]) == (b"<p>{{ name }}</p>", "text/html")
    # And both queued messages (the one in flight too), attributes and receive counts kept
    queued = sorted(_messages(emulator, urls["queue"]), key=lambda m: m["Body"])
    assert [m["Body"] for m in queued] == ['{"orderId": "2"}', '{"orderId": "3"}']
    assert queued[0]["MessageAttributes"] == {"kind": {"DataType": "String", "StringValue": "order"}}
    assert sorted(int(m["Attributes"]["ApproximateReceiveCount"]) for m in queued) == [1, 2]
    assert [m["Body"] for m in _messages(emulator, urls["dlq"])] == ["poison"]
    # And the outbox, with both parts, its send time and its tags (bounce events need them)
    (email,) = read_outbox(emulator.app)
    assert (email.id, email.to, email.subject, email.html, email.text) == (
        email_id, ["ann@example.com"], "Order 1", "<p>hi</p>", "hi",
    )  # fmt: skip
    assert email.sentAt
    assert emulator.app.email_tags[email_id] == {"orderId": "1"}
    # And the suppression list
    suppressed = _client(emulator, "sesv2").get_suppressed_destination(EmailAddress="bounced@example.com")
    assert suppressed["SuppressedDestination"]["Reason"] == "BOUNCE"
    # And saving the restored state again writes the same content (nothing lost or doubled)
    again = SavedState(**capture(emulator.app, LAYOUT))
    assert {k: len(v) for k, v in again.queues.items()} == {"orders": 2, "orders-dlq": 1}
    assert again.tables == saved.tables
    assert [m["id"] for m in again.outbox] == [email_id]


def test_the_summary_counts_entities_messages_and_emails() -> None:
    state = SavedState(
        tables={
            "products_table_name": [{"entityType": {"S": "PRODUCT"}}] * 4,
            "orders_table_name": [{"entityType": {"S": "ORDER"}}] * 40 + [{"pk": {"S": "IDEMPOTENCY#x"}}],
            "tenants_table_name": [{"entityType": {"S": "TENANT"}}, {"pk": {"S": "EMAIL#x"}}],
        },
        queues={"orders": [{"body": "x"}] * 3, "orders-dlq": [{"body": "y"}], "notifications": []},
        outbox=[{"id": "1"}, {"id": "2"}],
    )
    assert state.summary() == "40 orders, 4 products, 1 tenant, 3 queued messages, 1 dead-lettered, 2 emails"
    assert state.has_data
    assert not SavedState(tables={"orders_table_name": []}).has_data


def test_the_file_is_replaced_atomically_and_only_when_the_state_changed(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "local")
    first = SavedState(values={"a": "1"})
    # Given a saved state (only its owner may read it: it holds the issuer's private key)
    assert store.save(first)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    before = store.path.read_bytes()
    # When the same state is saved again, nothing is written
    assert store.save(SavedState(values={"a": "1"})) is False
    # When a write fails half-way (the disk fills up, the process is killed)
    real_fsync = os.fsync

    def failing_fsync(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    os.fsync = failing_fsync
    try:
        with pytest.raises(OSError, match="No space"):
            store.save(SavedState(values={"a": "2"}))
    finally:
        os.fsync = real_fsync
    # Then the previous file is whole and no partial file is left behind
    assert store.path.read_bytes() == before
    assert [p.name for p in store.directory.iterdir()] == ["state.json"]
    loaded = StateStore(store.directory).load()
    assert loaded is not None
    assert loaded.values == {"a": "1"}


def test_a_partial_file_left_by_a_kill_during_a_write_is_removed_at_the_next_start(tmp_path: Path) -> None:
    # Given a saved state and the partial file of a write that a kill -9 cut off a while ago
    store = StateStore(tmp_path)
    assert store.save(SavedState(values={"a": "1"}))
    stale = tmp_path / f".{STATE_FILE}.99999.partial"
    stale.write_bytes(b'{"format": 1, "tab')
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    # And one that another writer is writing right now
    fresh = tmp_path / f".{STATE_FILE}.99998.partial"
    fresh.write_bytes(b"{")
    # When the next start reads the state
    loaded = StateStore(tmp_path).load()
    # Then the state is the last whole one, the stale partial file is gone, the fresh one kept
    assert loaded is not None
    assert loaded.values == {"a": "1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [fresh.name, STATE_FILE]


def test_an_unreadable_state_stops_the_start_and_says_how_to_start_empty(tmp_path: Path) -> None:
    # Given a state file that is not a saved state (hand-edited, truncated, another format)
    for content in ("{not json", json.dumps({"format": 99}), json.dumps([1, 2])):
        (tmp_path / "state.json").write_text(content)
        # When it is loaded, then the error names the file and the fresh start, and keeps the file
        with pytest.raises(StateError, match=r"state\.json .*make run FRESH=1"):
            StateStore(tmp_path).load()
        assert (tmp_path / "state.json").read_text() == content


def test_a_fresh_start_sets_the_saved_state_aside(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    assert store.set_aside() is None  # nothing saved: nothing to set aside
    store.save(SavedState(values={"a": "1"}))
    previous = store.set_aside()
    assert previous == tmp_path / PREVIOUS_FILE
    assert store.load() is None
    assert json.loads(previous.read_text())["values"] == {"a": "1"}


def test_named_values_and_secrets_survive_a_save_and_a_load(tmp_path: Path) -> None:
    # Given a secret made on first use and a value set by name
    values = NamedValues()
    secret = values.secret("cursor-signing-secret")
    values.set("greeting", "hello")
    assert values.secret("cursor-signing-secret") == secret  # made once, then kept
    assert len(base64.urlsafe_b64decode(secret + "==")) == 32
    StateStore(tmp_path).save(SavedState(values=values.snapshot()))
    # When they are read back after a restart
    saved = StateStore(tmp_path).load()
    assert saved is not None
    restored = NamedValues(saved.values)
    # Then they are the same
    assert restored.secret("cursor-signing-secret") == secret
    assert restored.get("greeting") == "hello"
    assert restored.get("missing") is None
    # And what is not a small named string is refused
    for name, value in (("", "x"), ("x" * 101, "x"), ("big", "x" * (64 * 1024 + 1))):
        with pytest.raises(ValueError, match="a value"):
            restored.set(name, value)


def test_tokens_signed_before_a_restart_verify_after_it() -> None:
    # Given a token of an issuer whose key is saved as PEM
    before = DevelopmentIssuer(issuer="http://127.0.0.1:3000/_local")
    token = before.mint("admin")
    # When a new issuer is made from the saved key
    after = DevelopmentIssuer(
        issuer=before.issuer, key=load_private_key(private_key_pem(before.key)), key_id=before.key_id
    )
    # Then it accepts the token
    assert after.verify(token)["cognito:groups"] == ["admin"]
