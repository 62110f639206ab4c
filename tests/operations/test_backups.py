"""Pre-release backups and `bbws restore` against emulated DynamoDB and S3."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery import accounts
from bbws.delivery.accounts import GuardError
from bbws.operations.backups import (
    BackupRecords,
    prune_backups,
    require_backups,
    restore_backups,
    take_backups,
)
from tests.delivery.conftest import TEST_ENVIRONMENTS, Cloud, FakeClock
from tests.operations.conftest import PROD, slow_session

SIT = TEST_ENVIRONMENTS["sit"]


def test_a_release_backs_up_every_table_and_waits_for_them(
    cloud: Cloud, tables: dict[str, str], clock: FakeClock
) -> None:
    # Given backups that stay CREATING for two looks each
    backups = take_backups(PROD, slow_session(cloud, creating=2), "r-2026-01-02", clock=clock, poll_seconds=5)
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
        take_backups(PROD, slow_session(cloud, creating=100), "r-1", clock=clock, timeout_seconds=30, poll_seconds=10)
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
