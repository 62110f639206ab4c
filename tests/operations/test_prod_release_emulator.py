"""A prod release against the local emulator over HTTP, with prod's own definition (account,
region, `release_backups`): refused while a table cannot be backed up, then backups first, the
notices on the alarm topic, `bbws status` and `bbws logs` answering, and the way back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.core.functions import BY_NAME
from bbws.delivery import accounts
from bbws.delivery.accounts import ALIAS
from bbws.delivery.store import ArtifactStore
from bbws.local.provision import provision, table_schema
from bbws.operations.backups import table_names
from tests.delivery.conftest import fake_system_clock, make_dist, tiny_zip

PROD = accounts.ENVIRONMENTS["prod"]
FUNCTIONS = ("health", "orders-api")


@pytest.fixture
def emulated_prod(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.session.Session]:
    """Given the emulator serving prod's account and region, holding what Terraform would have
    created there (tables, queues, the artifacts bucket, the alarm topic, two functions serving
    version 1 through `live` with an errors alarm each), and SES out of the sandbox."""
    from bbws.local.emulator import Emulator

    server = Emulator(region=PROD.region, account_id=PROD.account_id)
    url = server.start()
    for name, value in {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("MOTO_ACCOUNT_ID", "GITHUB_RUN_ID", "GITHUB_REPOSITORY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    try:
        session = boto3.session.Session(region_name=PROD.region)
        provision(prefix="bbws-prod", region=PROD.region)
        s3: Any = session.client("s3")
        s3.create_bucket(Bucket=PROD.artifacts_bucket, CreateBucketConfiguration={"LocationConstraint": PROD.region})
        session.client("sns").create_topic(Name="bbws-prod-alarms")
        session.client("sesv2").put_account_details(
            MailType="TRANSACTIONAL", WebsiteURL="https://shop.example", UseCaseDescription="order emails",
            ProductionAccessEnabled=True,
        )  # fmt: skip
        role = session.client("iam").create_role(RoleName="bbws-prod-lambda", AssumeRolePolicyDocument="{}")
        lam, cloudwatch = session.client("lambda"), session.client("cloudwatch")
        for function in FUNCTIONS:
            name = PROD.function_name(function)
            lam.create_function(
                FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"],
                Handler=BY_NAME[function].lambda_handler, Code={"ZipFile": tiny_zip()},
            )  # fmt: skip
            lam.create_alias(
                FunctionName=name, Name=ALIAS, FunctionVersion=lam.publish_version(FunctionName=name)["Version"]
            )
            cloudwatch.put_metric_alarm(
                AlarmName=f"{name}-errors", MetricName="Errors", Namespace="AWS/Lambda", Statistic="Sum", Period=60,
                EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                Dimensions=[{"Name": "FunctionName", "Value": name}],
            )  # fmt: skip
        yield session
    finally:
        server.stop()


def _subscribe(session: boto3.session.Session) -> Any:
    """A queue on prod's alarm topic; returns a reader of the notices' subjects."""
    sns, sqs = session.client("sns"), session.client("sqs")
    url = sqs.create_queue(QueueName="on-call")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=f"arn:aws:sns:{PROD.region}:{PROD.account_id}:bbws-prod-alarms", Protocol="sqs", Endpoint=arn
    )

    def read() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            found += [json.loads(m["Body"]) for m in batch]
            for message in batch:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return found

    return read


def _serving(session: boto3.session.Session) -> dict[str, str]:
    lam = session.client("lambda")
    return {f: lam.get_alias(FunctionName=PROD.function_name(f), Name=ALIAS)["FunctionVersion"] for f in FUNCTIONS}


def _status_and_logs_answer(session: boto3.session.Session, cli: CliRunner) -> None:
    """`bbws status` shows what prod serves and its release record; `bbws logs` prints a line."""
    status = cli.invoke(app, ["status", "--env", "prod", "--json"])
    assert status.exit_code == 0, status.output
    orders_api = next(f for f in json.loads(status.stdout)["functions"] if f["function"] == "orders-api")
    assert [s["version"] for s in orders_api["served"]] == ["2"]
    assert orders_api["record_release_id"] == "e2e-1"
    assert len(orders_api["record_backups"]) == 4
    logs = session.client("logs")
    group = f"/aws/lambda/{PROD.function_name('orders-api')}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    line = {"level": "INFO", "message": "order accepted", "order_id": "o-42", "timestamp": "2026-01-02T03:04:05Z"}
    logs.put_log_events(logGroupName=group, logStreamName="s",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": json.dumps(line)}])  # fmt: skip
    printed = cli.invoke(app, ["logs", "--env", "prod", "orders-api", "--since", "5m"])
    assert printed.exit_code == 0, printed.output
    assert "o-42" in printed.stdout
    assert "order accepted" in printed.stdout


def test_a_prod_release_against_the_emulator(
    emulated_prod: boto3.session.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, cli = emulated_prod, CliRunner()
    fake_system_clock(monkeypatch)  # prod's steps last what its alarms need: minutes, passed instantly
    notices = _subscribe(session)
    dynamodb = session.client("dynamodb")
    tenants = table_names(PROD)["tenants"]
    make_dist(tmp_path, {f: {f"bbws/{f}.py": f"V = {f!r}\n".encode()} for f in FUNCTIONS}, handler="by-name")
    fast = ["--bake-seconds", "0", "--step-seconds", "0", "--poll-seconds", "1"]
    deployed = cli.invoke(app, ["deploy", "--env", "prod", "--dist", str(tmp_path)])
    assert deployed.exit_code == 0, deployed.output

    # When prod is released while one of its tables cannot be backed up (it is gone)
    dynamodb.delete_table(TableName=tenants)
    refused = cli.invoke(app, ["release", "--env", "prod", "--release-id", "e2e-refused", *fast])
    # Then the release is refused with nothing moved and nothing announced
    assert refused.exit_code == 1, refused.output
    assert f"cannot back up {tenants}" in refused.output
    assert _serving(session) == {"health": "1", "orders-api": "1"}
    assert notices() == []

    # When the table is back and prod is released again
    dynamodb.create_table(TableName=tenants, **table_schema("tenants_table_name"))
    released = cli.invoke(app, ["release", "--env", "prod", "--release-id", "e2e-1", *fast])
    # Then every table has its backup, recorded in the release records, and traffic moved after
    assert released.exit_code == 0, released.output
    assert released.output.index("backups of 4 tables AVAILABLE") < released.output.index("10 % of traffic")
    arns = sorted(
        summary["BackupArn"]
        for table in table_names(PROD).values()
        for summary in dynamodb.list_backups(TableName=table)["BackupSummaries"]
        if summary["BackupName"] == f"{table}-pre-e2e-1" and summary["BackupStatus"] == "AVAILABLE"
    )
    assert len(arns) == 4
    record = ArtifactStore(PROD, session.client("s3")).read_record("orders-api")
    assert record is not None
    assert sorted(record.pre_release_backups) == arns
    assert _serving(session) == {"health": "2", "orders-api": "2"}
    # And the on-call team heard of its start and its completion, with versions, sha256s and who
    started, completed = notices()
    assert started["Subject"] == "bbws prod: release started (2 functions) e2e-1"
    assert completed["Subject"] == "bbws prod: release completed (2 functions) e2e-1"
    assert f"orders-api: v1 -> v2  sha256 {record.sha256}" in completed["Message"]
    assert (
        f"by arn:aws:sts::{PROD.account_id}:" in completed["Message"]
        or f"by arn:aws:iam::{PROD.account_id}:" in (completed["Message"])
    )

    # And `bbws status` and `bbws logs` answer about prod
    _status_and_logs_answer(session, cli)

    # And the way back: refused in prod without naming the release, then into new tables only
    assert cli.invoke(app, ["restore", "--env", "prod", "--release", "e2e-1"]).exit_code == 1
    restored = cli.invoke(app, ["restore", "--env", "prod", "--release", "e2e-1", "--confirm-release", "e2e-1"])
    assert restored.exit_code == 0, restored.output
    tables = set(dynamodb.list_tables()["TableNames"])
    assert {f"{table}-restored-e2e-1" for table in table_names(PROD).values()} <= tables

    # And a rollback by hand is announced too
    rolled = cli.invoke(app, ["rollback", "--env", "prod"])
    assert rolled.exit_code == 0, rolled.output
    [rollback] = notices()
    assert rollback["Subject"] == "bbws prod: release ROLLED BACK (2 functions) e2e-1"
    assert _serving(session) == {"health": "1", "orders-api": "1"}
