"""`bbws status --env E` against the emulated account: functions, canary weights, sha256s,
release records, alarms in ALARM, queue and DLQ depths."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery import accounts
from bbws.delivery.accounts import ALIAS, Environment
from bbws.delivery.deploy import deploy, load_artifacts
from bbws.operations.status import environment_status
from tests.delivery.conftest import MOTO_ACCOUNT, TEST_ENVIRONMENTS, Cloud, make_dist

DEV = TEST_ENVIRONMENTS["dev"]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(accounts, "ENVIRONMENTS", TEST_ENVIRONMENTS)
    return CliRunner()


@pytest.fixture
def canary(cloud: Cloud, tmp_path: Path) -> dict[str, str]:
    """Given version 2 of health deployed and taking 10 % of its traffic."""
    manifest = make_dist(tmp_path, {"health": {"bbws/health.py": b"v = 2\n"}}, handler="by-name")
    deploy(DEV, load_artifacts(tmp_path), cloud.session)
    cloud.client("lambda").update_alias(
        FunctionName=DEV.function_name("health"), Name=ALIAS, FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}},
    )  # fmt: skip
    return {"health": manifest.functions["health"].sha256}


def _queues(cloud: Cloud) -> None:
    sqs = cloud.client("sqs")
    for name in ("bbws-dev-orders", "bbws-dev-orders-dlq", "bbws-dev-notifications", "bbws-dev-notifications-dlq"):
        sqs.create_queue(QueueName=name)
    dlq = sqs.get_queue_url(QueueName="bbws-dev-notifications-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody="poison")
    orders = sqs.get_queue_url(QueueName="bbws-dev-orders")["QueueUrl"]
    for _ in range(3):
        sqs.send_message(QueueUrl=orders, MessageBody="{}")


def test_status_shows_what_each_function_serves_and_its_record(cloud: Cloud, canary: dict[str, str]) -> None:
    status = environment_status(DEV, cloud.session)
    health = next(f for f in status.functions if f.function == "health")
    orders = next(f for f in status.functions if f.function == "orders-api")
    absent = next(f for f in status.functions if f.function == "orders-consumer")

    # Then health serves version 1 to 90 % and the canary, version 2 (the deployed artifact), to 10 %
    assert [(s.version, s.weight) for s in health.served] == [("1", 0.9), ("2", 0.1)]
    assert health.served[1].sha256 == canary["health"]
    assert (health.record_status, health.record_version, health.record_sha256) == ("deployed", "2", canary["health"])
    # And a function released before any record serves version 1 only; one never created is absent
    assert [(s.version, s.weight) for s in orders.served] == [("1", 1.0)]
    assert orders.record_status is None
    assert absent.exists is False


def test_status_lists_alarms_in_alarm_and_queue_depths(cloud: Cloud) -> None:
    alarm = cloud.add_alarm("dev", "orders-api")
    cloud.add_alarm("dev", "health")  # stays OK
    cloud.set_alarm("dev", alarm, "ALARM")
    _queues(cloud)

    status = environment_status(DEV, cloud.session)

    assert [a.name for a in status.alarms] == [alarm]
    by_queue = {q.queue: q for q in status.queues}
    assert (by_queue["orders"].visible, by_queue["orders"].dead_letter_visible) == (3, 0)
    assert by_queue["notifications"].dead_letter_visible == 1
    assert by_queue["email-events"].visible is None  # not created in this account
    assert status.healthy is False


def test_the_command_prints_tables_and_json(cloud: Cloud, canary: dict[str, str], cli: CliRunner) -> None:
    _queues(cloud)

    table = cli.invoke(app, ["status", "--env", "dev"])
    as_json = cli.invoke(app, ["status", "--env", "dev", "--json"])

    assert table.exit_code == 0, table.output
    assert "v1 90%, v2 10%" in table.output
    assert canary["health"][:12] in table.output
    assert "no alarm in ALARM" in table.output
    assert "bbws-dev-notifications" in table.output
    document = json.loads(as_json.stdout)
    assert document["environment"] == "dev"
    assert document["healthy"] is False  # the poison message in the notifications DLQ
    assert {f["function"] for f in document["functions"]} >= {"health", "orders-api", "email-events-consumer"}


def test_status_refuses_another_accounts_credentials(
    cloud: Cloud, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = Environment("dev", "999999999999", "eu-west-1", previous=None)
    monkeypatch.setattr(accounts, "ENVIRONMENTS", {**TEST_ENVIRONMENTS, "dev": elsewhere})

    result = CliRunner().invoke(app, ["status", "--env", "dev"])

    assert result.exit_code == 1
    assert "refusing to act on dev" in result.output


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The local emulator (moto's server on 127.0.0.1), reached through AWS_ENDPOINT_URL."""
    from bbws.local.emulator import Emulator

    server = Emulator()
    url = server.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    try:
        yield url
    finally:
        server.stop()


def test_status_answers_against_the_local_emulator(emulator: str, cli: CliRunner) -> None:
    """Given the emulator holding one function behind `live` and a queue with a dead letter,
    when `bbws status` runs against it over HTTP, then it reports both."""
    session = boto3.session.Session(region_name=DEV.region)
    role = session.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam: Any = session.client("lambda")
    from tests.delivery.conftest import tiny_zip

    lam.create_function(
        FunctionName=DEV.function_name("health"), Runtime="python3.12", Role=role,
        Handler="handler.lambda_handler", Code={"ZipFile": tiny_zip()},
    )  # fmt: skip
    version = lam.publish_version(FunctionName=DEV.function_name("health"))["Version"]
    lam.create_alias(FunctionName=DEV.function_name("health"), Name=ALIAS, FunctionVersion=version)
    sqs = session.client("sqs")
    sqs.create_queue(QueueName="bbws-dev-orders")
    dlq = sqs.create_queue(QueueName="bbws-dev-orders-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody="poison")

    result = cli.invoke(app, ["status", "--env", "dev", "--json"])

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["account_id"] == MOTO_ACCOUNT
    health = next(f for f in document["functions"] if f["function"] == "health")
    assert health["served"][0]["version"] == version
    assert len(health["served"][0]["sha256"]) == 64
    assert next(q for q in document["queues"] if q["queue"] == "orders")["dead_letter_visible"] == 1
