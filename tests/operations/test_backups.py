"""Pre-release backups and `bbws restore` against emulated DynamoDB and S3."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery import accounts
from bbws.delivery.accounts import GuardError, ReleaseBackups
from bbws.local.provision import table_schema
from bbws.operations.backups import (
    BackupRecords,
    prune_backups,
    require_backups,
    restore_backups,
    table_names,
    take_backups,
)
from tests.delivery.conftest import TEST_ENVIRONMENTS, Cloud, FakeClock

PROD = replace(TEST_ENVIRONMENTS["prod"], release_backups=ReleaseBackups(before_release=True, retention_days=35))
SIT = TEST_ENVIRONMENTS["sit"]


@pytest.fixture
def tables(cloud: Cloud) -> dict[str, str]:
    """Given prod's four tables, the orders table holding one order."""
    dynamodb = cloud.client("dynamodb", "prod")
    names = table_names(PROD)
    for service, name in names.items():
        dynamodb.create_table(TableName=name, **table_schema(f"{service}_table_name"))
    dynamodb.put_item(TableName=names["orders"], Item={"pk": {"S": "ORDER#o-1"}, "sk": {"S": "ORDER"}})
    return names


class SlowBackups:
    """The DynamoDB client, except that each backup is CREATING when requested and for its first
    `creating` looks after (moto makes them AVAILABLE at once)."""

    def __init__(self, client: Any, creating: int) -> None:
        self._client = client
        self._looks: dict[str, int] = {}
        self.creating = creating

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def create_backup(self, **request: Any) -> Any:
        answer = self._client.create_backup(**request)
        answer["BackupDetails"]["BackupStatus"] = "CREATING"  # as AWS answers
        return answer

    def describe_backup(self, BackupArn: str) -> Any:
        answer = self._client.describe_backup(BackupArn=BackupArn)
        self._looks[BackupArn] = self._looks.get(BackupArn, 0) + 1
        if self._looks[BackupArn] <= self.creating:
            answer["BackupDescription"]["BackupDetails"]["BackupStatus"] = "CREATING"
        return answer


def _slow_session(cloud: Cloud, creating: int) -> Any:
    class Session:
        def client(self, service: str, region_name: str) -> Any:
            client = cloud.session.client(service, region_name=region_name)
            return SlowBackups(client, creating) if service == "dynamodb" else client

    return Session()


def test_a_release_backs_up_every_table_and_waits_for_them(
    cloud: Cloud, tables: dict[str, str], clock: FakeClock
) -> None:
    # Given backups that stay CREATING for two looks each
    backups = take_backups(PROD, _slow_session(cloud, creating=2), "r-2026-01-02", clock=clock, poll_seconds=5)
    # Then every table was backed up, the set waited until all were AVAILABLE and is on record
    assert {t.table for t in backups.tables} == set(tables.values())
    assert all(t.status == "AVAILABLE" for t in backups.tables)
    assert clock.sleeps == [5, 5]
    recorded = BackupRecords(PROD, cloud.client("s3", "prod")).read("r-2026-01-02")
    assert recorded is not None
    assert recorded.complete
    assert recorded.arns == backups.arns
    assert recorded.taken_by.startswith("arn:aws:")
    assert require_backups(PROD, cloud.session, "r-2026-01-02") == recorded


def test_backups_not_available_in_time_refuse_the_shift(cloud: Cloud, tables: dict[str, str], clock: FakeClock) -> None:
    with pytest.raises(GuardError, match="refusing to shift traffic"):
        take_backups(PROD, _slow_session(cloud, creating=100), "r-1", clock=clock, timeout_seconds=30, poll_seconds=10)
    # And the set is on record but incomplete, so the release may not shift
    with pytest.raises(GuardError, match="not all AVAILABLE"):
        require_backups(PROD, cloud.session, "r-1")


def test_a_release_without_backups_may_not_shift_in_prod_but_may_elsewhere(
    cloud: Cloud, tables: dict[str, str]
) -> None:
    with pytest.raises(GuardError, match="none recorded"):
        require_backups(PROD, cloud.session, "r-9")
    assert require_backups(SIT, cloud.session, "r-9") is None


def test_a_resumed_release_takes_no_second_set(cloud: Cloud, tables: dict[str, str], clock: FakeClock) -> None:
    first = take_backups(PROD, cloud.session, "r-3", clock=clock)
    again = take_backups(PROD, cloud.session, "r-3", clock=clock)
    summaries = cloud.client("dynamodb", "prod").list_backups(TableName=tables["orders"])["BackupSummaries"]

    assert again.arns == first.arns
    assert len(summaries) == 1


def test_old_backups_go_but_the_newest_of_each_table_stays(
    cloud: Cloud, tables: dict[str, str], clock: FakeClock
) -> None:
    take_backups(PROD, cloud.session, "r-old", clock=clock)
    newest = take_backups(PROD, cloud.session, "r-new", clock=clock)
    dynamodb = cloud.client("dynamodb", "prod")
    later = datetime.now(UTC) + timedelta(days=40)

    deleted = prune_backups(PROD, dynamodb, 35, keep=set(), now=later)

    assert sorted(deleted) == sorted(f"{table}-pre-r-old" for table in tables.values())
    remaining = {s["BackupArn"] for s in dynamodb.list_backups()["BackupSummaries"] if s["BackupStatus"] == "AVAILABLE"}
    assert remaining == set(newest.arns)


def test_restore_needs_the_release_named_in_prod(cloud: Cloud, tables: dict[str, str], clock: FakeClock) -> None:
    take_backups(PROD, cloud.session, "r-4", clock=clock)

    with pytest.raises(GuardError, match="--confirm-release r-4"):
        restore_backups(PROD, cloud.session, "r-4")
    with pytest.raises(GuardError, match="--confirm-release r-4"):
        restore_backups(PROD, cloud.session, "r-4", confirm_release="r-5")


def test_restore_creates_new_tables_and_leaves_the_live_ones_alone(
    cloud: Cloud, tables: dict[str, str], clock: FakeClock
) -> None:
    take_backups(PROD, cloud.session, "r-5", clock=clock)
    dynamodb = cloud.client("dynamodb", "prod")
    # Given an order written after the backup
    dynamodb.put_item(TableName=tables["orders"], Item={"pk": {"S": "ORDER#o-2"}, "sk": {"S": "ORDER"}})

    restored = restore_backups(PROD, cloud.session, "r-5", confirm_release="r-5")

    assert restored[tables["orders"]] == f"{tables['orders']}-restored-r-5"
    assert len(dynamodb.scan(TableName=tables["orders"])["Items"]) == 2  # the live table untouched
    assert len(dynamodb.scan(TableName=restored[tables["orders"]])["Items"]) == 1  # as it was at the backup
    # And a second restore of the same release refuses to overwrite what the first created
    with pytest.raises(GuardError, match="refusing to overwrite"):
        restore_backups(PROD, cloud.session, "r-5", confirm_release="r-5")


def test_the_commands(cloud: Cloud, tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "ENVIRONMENTS", {**TEST_ENVIRONMENTS, "prod": PROD})
    runner = CliRunner()

    taken = runner.invoke(app, ["backup", "--env", "prod", "--release", "r-6"])
    refused = runner.invoke(app, ["restore", "--env", "prod", "--release", "r-6"])
    restored = runner.invoke(app, ["restore", "--env", "prod", "--release", "r-6", "--confirm-release", "r-6"])

    assert taken.exit_code == 0, taken.output
    assert "arn:aws:dynamodb" in taken.output
    assert refused.exit_code == 1
    assert "--confirm-release r-6" in refused.output
    assert restored.exit_code == 0, restored.output
    assert "live tables are untouched" in restored.output


def test_a_release_id_is_a_plain_name() -> None:
    with pytest.raises(GuardError, match="release id"):
        take_backups(PROD, None, "../../etc")  # type: ignore[arg-type]
