"""The bench's AWS call hooks: counting through botocore events, recording and replaying."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from bench.calls import AwsCallHooks, Call, CallLog, Replay, UnexpectedCall, dynamodb_tables, merge_counts
from moto import mock_aws

REGION = "eu-west-1"


def _session() -> boto3.session.Session:
    return boto3.session.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def emulated_table() -> Iterator[None]:
    with mock_aws():
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName="things",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        boto3.resource("dynamodb", region_name=REGION).Table("things").put_item(Item={"pk": "a", "name": "Anvil"})
        yield


@pytest.mark.usefixtures("emulated_table")
def test_every_call_of_every_client_of_the_session_is_counted_by_operation() -> None:
    # Given hooks on a session, and a client and a table resource created from it afterwards
    session = _session()
    hooks = AwsCallHooks(session.events)
    client, table = session.client("dynamodb"), session.resource("dynamodb").Table("things")
    # When both make calls while a log is attached
    with hooks.logging(CallLog()) as log:
        table.get_item(Key={"pk": "a"})
        table.get_item(Key={"pk": "missing"})
        client.query(TableName="things", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}})
    # Then each call is counted under its service and operation, with the table it touched
    assert log.counts() == {"dynamodb": {"GetItem": 2, "Query": 1}}
    assert {call.tables for call in log.calls} == {("things",)}


@pytest.mark.usefixtures("emulated_table")
def test_calls_outside_a_log_are_not_counted() -> None:
    # Given hooks on a session but no log attached
    session = _session()
    hooks = AwsCallHooks(session.events)
    table = session.resource("dynamodb").Table("things")
    table.get_item(Key={"pk": "a"})
    # When a log is attached afterwards
    with hooks.logging(CallLog()) as log:
        pass
    # Then it holds nothing
    assert log.calls == []


@pytest.mark.usefixtures("emulated_table")
def test_a_recorded_response_is_replayed_without_reaching_any_endpoint() -> None:
    # Given a GetItem recorded against the emulator
    recording_session = _session()
    hooks = AwsCallHooks(recording_session.events)
    with hooks.logging(CallLog()) as log:
        recording_session.resource("dynamodb").Table("things").get_item(Key={"pk": "a"})
    # When a session with no emulator at all (an unreachable endpoint) replays it
    offline = boto3.session.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    replaying = AwsCallHooks(offline.events)
    table = offline.resource("dynamodb", endpoint_url="http://127.0.0.1:9").Table("things")
    with replaying.replaying(Replay.prepare(log.calls, invocations=2)) as replay:
        first = table.get_item(Key={"pk": "a"})["Item"]
        second = table.get_item(Key={"pk": "a"})["Item"]
    # Then both calls get the recorded item, deserialised by boto3's resource layer as usual
    assert first == second == {"pk": "a", "name": "Anvil"}
    assert replay.remaining() == 0


def test_a_call_the_replay_has_no_response_for_is_an_error() -> None:
    # Given a replay holding only a GetItem response
    session = boto3.session.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    hooks = AwsCallHooks(session.events)
    replay = Replay.prepare([Call("dynamodb", "GetItem", {"Item": {"pk": {"S": "a"}}})], invocations=1)
    client = session.client("dynamodb", endpoint_url="http://127.0.0.1:9")
    # When the code makes a Query instead
    # Then the replay refuses it
    with hooks.replaying(replay), pytest.raises(UnexpectedCall, match=r"dynamodb\.Query"):
        client.query(TableName="things", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}})


def test_a_call_without_a_recorded_response_cannot_be_prepared_for_replay() -> None:
    with pytest.raises(UnexpectedCall, match="no recorded response"):
        Replay.prepare([Call("s3", "GetObject")], invocations=1)


def test_tables_are_read_from_single_batch_and_transactional_requests() -> None:
    single = {"body": b'{"TableName": "orders", "Key": {}}'}
    batch = {"body": b'{"RequestItems": {"products": {}, "campaigns": {}}}'}
    transact = {
        "body": b'{"TransactItems": [{"Put": {"TableName": "tenants"}}, {"ConditionCheck": {"TableName": "orders"}}]}'
    }
    assert dynamodb_tables(single) == ("orders",)
    assert dynamodb_tables(batch) == ("campaigns", "products")
    assert dynamodb_tables(transact) == ("orders", "tenants")
    assert dynamodb_tables({"body": b"not json"}) == ()


def test_counts_of_several_functions_add_up() -> None:
    first = {"dynamodb": {"GetItem": 1}, "sqs": {"SendMessage": 1}}
    second = {"dynamodb": {"GetItem": 2, "PutItem": 1}}
    assert merge_counts(first, second) == {"dynamodb": {"GetItem": 3, "PutItem": 1}, "sqs": {"SendMessage": 1}}


@pytest.mark.usefixtures("emulated_table")
def test_a_4xx_answer_is_recorded_and_replayed_as_the_same_client_error() -> None:
    # Given a call the emulator answered with a 4xx the code handles (a table that does not exist)
    session = _session()
    hooks = AwsCallHooks(session.events)
    client = session.client("dynamodb")
    with hooks.logging(CallLog()) as log, pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_table(TableName="absent")
    (call,) = log.calls
    assert call.response is not None
    # When it is replayed, then the code gets the same error, from the replay
    replay = Replay.prepare(log.calls, 1)
    with hooks.replaying(replay), pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_table(TableName="absent")
    assert replay.remaining() == 0
