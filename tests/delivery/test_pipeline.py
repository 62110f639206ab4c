"""The delivery pipeline through the command line, as the workflows run it (moto + stub API)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery import accounts
from bbws.delivery.release import SystemClock
from bbws.delivery.store import ArtifactStore, Status

from .conftest import TEST_ENVIRONMENTS, Cloud, StubApi, make_dist


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    make_dist(
        tmp_path,
        {"health": {"bbws/health.py": b"v = 2\n"}, "orders-api": {"bbws/orders.py": b"v = 2\n"}},
        handler="by-name",
    )
    return tmp_path


def _status(cloud: Cloud, env: str, function: str) -> Status | None:
    record = ArtifactStore(TEST_ENVIRONMENTS[env], cloud.client("s3", env)).read_record(function)
    return None if record is None else record.status


def test_dev_then_sit_with_release_smoke_and_rollback(
    cloud: Cloud, dist: Path, api: tuple[str, StubApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "ENVIRONMENTS", TEST_ENVIRONMENTS)
    url, _ = api
    runner = CliRunner()
    # a rehearsal's short steps: only the given seconds, not what the alarms need (dev and sit only)
    fast = ["--bake-seconds", "0", "--step-seconds", "0", "--final-bake-seconds", "0", "--no-alarm-floor"]

    def bbws(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    # Given the artifacts deployed, released and smoke-tested in dev
    bbws("deploy", "--env", "dev", "--dist", str(dist))
    assert "released in dev" in bbws("release", "--env", "dev", *fast)
    assert "recorded 2 function(s) as passed in dev" in bbws("smoke", "--base-url", url, "--env", "dev", "--record")
    assert _status(cloud, "dev", "health") == Status.PASSED
    # When they are promoted to sit and released there
    bbws("promote", "--from", "dev", "--to", "sit", "--dist", str(dist))
    bbws("release", "--env", "sit", "--function", "health", *fast)
    # Then sit serves the new version, and a rollback puts the previous one back
    assert cloud.alias("sit", "health")["FunctionVersion"] == "2"
    bbws("rollback", "--env", "sit", "--function", "health")
    assert cloud.alias("sit", "health")["FunctionVersion"] == "1"
    assert _status(cloud, "sit", "health") == Status.ROLLED_BACK


def test_a_release_that_rolls_back_exits_with_its_own_status(
    cloud: Cloud, dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "ENVIRONMENTS", TEST_ENVIRONMENTS)
    runner = CliRunner()
    assert runner.invoke(app, ["deploy", "--env", "dev", "--dist", str(dist)]).exit_code == 0
    alarm = cloud.add_alarm("dev", "health")
    # the alarm fires during the first wait of the bake (and no real time passes)
    monkeypatch.setattr(SystemClock, "sleep", lambda _self, _seconds: cloud.set_alarm("dev", alarm, "ALARM"))
    result = runner.invoke(app, ["release", "--env", "dev", "--bake-seconds", "60", "--poll-seconds", "15"])
    assert result.exit_code == 3
    assert "rolled back" in result.output
    assert cloud.alias("dev", "health")["FunctionVersion"] == "1"


def test_recording_a_pass_needs_an_environment(api: tuple[str, StubApi]) -> None:
    url, _ = api
    result = CliRunner().invoke(app, ["smoke", "--base-url", url, "--record"])
    assert result.exit_code == 1
    assert "--record needs --env" in result.output


def test_an_interrupted_release_gives_the_traffic_back_and_exits_130(
    cloud: Cloud, dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "ENVIRONMENTS", TEST_ENVIRONMENTS)
    runner = CliRunner()
    assert runner.invoke(app, ["deploy", "--env", "dev", "--dist", str(dist)]).exit_code == 0

    def interrupted(_self: object, _seconds: float) -> None:
        raise KeyboardInterrupt  # what Python raises on SIGINT (a cancelled workflow's first signal)

    monkeypatch.setattr(SystemClock, "sleep", interrupted)
    result = runner.invoke(app, ["release", "--env", "dev", "--release-id", "gh-1-1"])
    assert result.exit_code == 130, result.output
    assert "rolling back release gh-1-1: KeyboardInterrupt" in result.output
    assert (cloud.alias("dev", "health")["FunctionVersion"], _status(cloud, "dev", "health")) == (
        "1",
        Status.ROLLED_BACK,
    )
    # and the workflow's cleanup afterwards finds nothing of that release left to do
    cleanup = runner.invoke(app, ["rollback", "--env", "dev", "--release-id", "gh-1-1"])
    assert cleanup.exit_code == 0, cleanup.output
    assert "rolled back 0 function(s) in dev" in cleanup.output


def test_prod_refuses_short_steps(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "ENVIRONMENTS", TEST_ENVIRONMENTS)
    result = CliRunner().invoke(app, ["release", "--env", "prod", "--no-alarm-floor"])
    assert result.exit_code == 1
    assert "prod is protected" in result.output
