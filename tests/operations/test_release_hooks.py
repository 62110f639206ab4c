"""`bbws release` with its operations hooks: prod backs up every table before any traffic moves
and refuses without the backups; start, rollback and completion reach the alarm topic."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery import accounts
from bbws.delivery.accounts import GuardError
from bbws.delivery.deploy import deploy, load_artifacts
from bbws.delivery.release import RolledBack, Schedule, release
from bbws.delivery.store import ArtifactStore, Status
from bbws.operations.backups import BackupRecords, table_names
from bbws.operations.notices import topic_arn
from bbws.operations.release_hooks import ReleaseOperations, new_release_id
from tests.delivery.conftest import TEST_ENVIRONMENTS, Cloud, FakeClock, fake_system_clock, make_dist
from tests.infra.terraform import STACK, locals_of, resources
from tests.operations.conftest import PROD, Reader, slow_session

SCHEDULE = Schedule(bake_seconds=300, step_seconds=60, poll_seconds=30)
GITHUB = {
    "GITHUB_RUN_ID": "4711",
    "GITHUB_RUN_ATTEMPT": "1",
    "GITHUB_REPOSITORY": "agency/bbws",
    "GITHUB_ACTOR": "thandi",
}


@pytest.fixture
def deployed(cloud: Cloud, tables: dict[str, str], tmp_path: Path) -> Cloud:
    """Given prod's tables, and version 2 of every function deployed to prod while `live` still
    serves version 1."""
    make_dist(
        tmp_path,
        {name: {f"bbws/{name}.py": f"NAME = {name!r}\n".encode()} for name in cloud.functions},
        handler="by-name",
    )
    deploy(PROD, load_artifacts(tmp_path), cloud.session)
    cloud.add_alarm("prod", "health")
    return cloud


def _operations(cloud: Cloud, session: Any = None, **options: Any) -> ReleaseOperations:
    return ReleaseOperations(PROD, session or cloud.session, environ=GITHUB, **options)


def _live(cloud: Cloud) -> dict[str, tuple[str, dict[str, float]]]:
    aliases = {f: cloud.alias("prod", f) for f in cloud.functions}
    return {
        f: (a["FunctionVersion"], a.get("RoutingConfig", {}).get("AdditionalVersionWeights", {}))
        for f, a in aliases.items()
    }


def _backup_arns(cloud: Cloud) -> set[str]:
    return {s["BackupArn"] for s in cloud.client("dynamodb", "prod").list_backups()["BackupSummaries"]}


def test_a_prod_release_backs_up_every_table_before_any_traffic_moves(
    deployed: Cloud, alarm_topic: Reader, clock: FakeClock
) -> None:
    # Given a look at the backups and the release records at the first moment traffic has moved
    store = ArtifactStore(PROD, deployed.client("s3", "prod"))
    at_first_shift: dict[str, Any] = {}

    def look(_now: float) -> None:
        if not at_first_shift:
            at_first_shift["backups"] = _backup_arns(deployed)
            at_first_shift["record"] = store.read_record("health")
            at_first_shift["notices"] = [m["Subject"] for m in alarm_topic()]

    clock.on_sleep.append(look)
    # When prod is released
    released = release(PROD, deployed.session, schedule=SCHEDULE, clock=clock,
                       hooks=_operations(deployed).hooks(), release_id="gh-4711-1")  # fmt: skip
    # Then before the first step every table had an AVAILABLE backup named after the release
    backups = BackupRecords(PROD, deployed.client("s3", "prod")).read("gh-4711-1")
    assert backups is not None
    assert backups.complete
    assert {t.table for t in backups.tables} == set(table_names(PROD).values())
    assert all(t.backup_name.endswith("-pre-gh-4711-1") for t in backups.tables)
    assert at_first_shift["backups"] == set(backups.arns)
    # And the release records carried their ARNs from then on, and still do once released
    assert at_first_shift["record"].pre_release_backups == backups.arns
    for record in released:
        assert record.status == Status.RELEASED
        assert record.release_id == "gh-4711-1"
        assert record.pre_release_backups == backups.arns
    # And the team heard of the start (with the backups) before traffic moved, then of the end
    assert at_first_shift["notices"] == ["bbws prod: release started (2 functions) gh-4711-1"]
    [completed] = alarm_topic()
    assert completed["Subject"] == "bbws prod: release completed (2 functions) gh-4711-1"
    document = json.loads(completed["Message"][completed["Message"].index("\n{") :])
    assert document["backups"] == backups.arns
    assert document["actor"]["kind"] == "github-actions"
    assert document["actor"]["run_url"] == "https://github.com/agency/bbws/actions/runs/4711/attempts/1"
    assert {(f["function"], f["from_version"], f["to_version"]) for f in document["functions"]} == {
        ("health", "1", "2"),
        ("orders-api", "1", "2"),
    }
    shas = {f["function"]: f["sha256"] for f in document["functions"]}
    assert shas == {r.function: r.sha256 for r in released}


def test_backups_not_available_in_time_refuse_the_release_with_nothing_moved(
    deployed: Cloud, alarm_topic: Reader, clock: FakeClock
) -> None:
    before = _live(deployed)
    operations = _operations(
        deployed, slow_session(deployed, creating=1000), clock=clock, backup_timeout_seconds=60, backup_poll_seconds=10
    )

    with pytest.raises(GuardError, match="refusing to shift traffic"):
        release(PROD, deployed.session, schedule=SCHEDULE, clock=clock, hooks=operations.hooks(), release_id="r-1")

    assert _live(deployed) == before == {"health": ("1", {}), "orders-api": ("1", {})}
    assert clock.sleeps == [10] * 6  # it waited for the backups, bounded, and never baked a step
    store = ArtifactStore(PROD, deployed.client("s3", "prod"))
    assert [getattr(store.read_record(f), "status", None) for f in deployed.functions] == [Status.DEPLOYED] * 2
    assert alarm_topic() == []  # nothing started, so nothing announced


def test_a_table_that_cannot_be_backed_up_refuses_the_release(
    deployed: Cloud, alarm_topic: Reader, clock: FakeClock, tables: dict[str, str]
) -> None:
    # Given the tenants table is gone (no backup of it can be taken)
    deployed.client("dynamodb", "prod").delete_table(TableName=tables["tenants"])
    before = _live(deployed)

    with pytest.raises(GuardError, match=f"cannot back up {tables['tenants']}"):
        release(PROD, deployed.session, schedule=SCHEDULE, clock=clock, hooks=_operations(deployed).hooks())

    assert _live(deployed) == before
    assert alarm_topic() == []


def test_a_refused_start_is_not_announced_as_a_rollback(deployed: Cloud, alarm_topic: Reader) -> None:
    """A release that calls its rollback hook after before_traffic refused (issue 9's release
    gives back what it may have moved) announces nothing: nothing started."""
    operations = _operations(deployed, slow_session(deployed, creating=1000), clock=FakeClock(),
                             backup_timeout_seconds=0)  # fmt: skip
    plan = SimpleNamespace(release_id="r-3", moves=())

    with pytest.raises(GuardError):
        operations.before_traffic(plan)
    operations.on_event(plan, "rolled back: GuardError refusing to shift traffic")

    assert alarm_topic() == []


def test_prod_refuses_to_release_when_the_team_cannot_hear_of_it(deployed: Cloud, clock: FakeClock) -> None:
    # Given no alarm topic in prod
    before = _live(deployed)

    with pytest.raises(GuardError, match="refusing to start: could not publish the release-started notice"):
        release(PROD, deployed.session, schedule=SCHEDULE, clock=clock, hooks=_operations(deployed).hooks())

    assert _live(deployed) == before


def test_a_rollback_is_announced_with_its_reason(deployed: Cloud, alarm_topic: Reader, clock: FakeClock) -> None:
    # Given health's error alarm fires two minutes into the 10 % bake
    alarm = "bbws-prod-health-errors"
    clock.on_sleep.append(lambda now: deployed.set_alarm("prod", alarm, "ALARM") if now >= 120 else None)

    with pytest.raises(RolledBack):
        release(PROD, deployed.session, schedule=SCHEDULE, clock=clock, hooks=_operations(deployed).hooks(),
                release_id="r-2")  # fmt: skip

    started, rolled = alarm_topic()
    assert started["MessageAttributes"]["event"]["Value"] == "release-started"
    assert rolled["Subject"] == "bbws prod: release ROLLED BACK (2 functions) r-2"
    assert f"{alarm} in ALARM" in rolled["Message"]
    assert "health: v1 -> v2" in rolled["Message"]
    assert "back on the version left of its arrow" in rolled["Message"]
    assert _live(deployed) == {"health": ("1", {}), "orders-api": ("1", {})}


def test_dev_takes_no_backups_and_a_notice_that_cannot_be_sent_only_warns(cloud: Cloud, tmp_path: Path) -> None:
    dev = TEST_ENVIRONMENTS["dev"]
    make_dist(tmp_path, {"health": {"bbws/health.py": b"V = 2\n"}}, handler="by-name")
    deploy(dev, load_artifacts(tmp_path), cloud.session)
    said: list[str] = []

    released = release(dev, cloud.session, schedule=Schedule(0, 0, 1), clock=FakeClock(),
                       hooks=ReleaseOperations(dev, cloud.session, environ={}, report=said.append).hooks())  # fmt: skip

    assert [r.status for r in released] == [Status.RELEASED]
    assert released[0].pre_release_backups == []
    assert cloud.client("dynamodb", "dev").list_backups()["BackupSummaries"] == []
    assert [line.split(" notice")[0] for line in said if line.startswith("warning")] == [
        "warning: could not publish the release-started",
        "warning: could not publish the release-completed",
    ]


def test_bbws_release_and_rollback_announce_themselves(
    deployed: Cloud, alarm_topic: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "ENVIRONMENTS", {**TEST_ENVIRONMENTS, "prod": PROD})
    for name in ("GITHUB_RUN_ID", "GITHUB_REPOSITORY"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    fast = ["--bake-seconds", "0", "--step-seconds", "0", "--poll-seconds", "1"]
    fake_system_clock(monkeypatch)  # prod's steps last what its alarms need: minutes, passed instantly

    released = runner.invoke(app, ["release", "--env", "prod", *fast])
    rolled = runner.invoke(app, ["rollback", "--env", "prod"])

    assert released.exit_code == 0, released.output
    assert rolled.exit_code == 0, rolled.output
    subjects = [m["Subject"] for m in alarm_topic()]
    assert [s.split(" (")[0] for s in subjects] == [
        "bbws prod: release started",
        "bbws prod: release completed",
        "bbws prod: release ROLLED BACK",
    ]
    release_id = subjects[0].rsplit(" ", 1)[1]
    assert subjects[2].endswith(release_id)  # the rollback names the release it undid
    assert _backup_arns(deployed)
    assert _live(deployed) == {"health": ("1", {}), "orders-api": ("1", {})}


def test_a_release_id_names_the_workflow_run_or_the_time() -> None:
    assert new_release_id({"GITHUB_RUN_ID": "99", "GITHUB_RUN_ATTEMPT": "3"}) == "gh-99-3"
    local = new_release_id({}, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert local.startswith("20260102T030405Z-")
    assert new_release_id({}) != new_release_id({})


def test_the_names_are_terraforms() -> None:
    """The tables backed up and the topic notified are the ones the stack creates."""
    tables = json.loads((STACK / "tables.json").read_text())["tables"]
    assert set(table_names(PROD)) == set(tables)
    assert locals_of(STACK)["table_names"] == '${{for key in keys(local.tables) : key => "${local.prefix}-${key}"}}'
    assert locals_of(STACK)["prefix"] == "${var.name_prefix}-${var.environment}"
    assert resources(STACK, "aws_sns_topic")["alarms"]["name"] == "${local.prefix}-alarms"
    assert topic_arn(PROD).endswith(f":{PROD.account_id}:bbws-prod-alarms")
