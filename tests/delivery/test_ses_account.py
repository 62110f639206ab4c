"""SES sandbox detection in `bbws deploy`, `bbws promote` and `bbws smoke` (moto with the
emulator's GetAccount): a warning for dev and sit, a failure for prod, with the way out."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery import accounts
from bbws.delivery.ses_account import Level, SesAccount, judge
from bbws.delivery.store import ArtifactStore

from .conftest import TEST_ENVIRONMENTS, Cloud, StubApi, make_dist

SANDBOX = SesAccount(False, True, 200, 1, 3, "HEALTHY")
PRODUCTION = SesAccount(True, True, 50_000, 14, 3, "HEALTHY")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(accounts, "ENVIRONMENTS", TEST_ENVIRONMENTS)
    return CliRunner()


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    make_dist(tmp_path, {"health": {"bbws/health.py": b"v = 2\n"}}, handler="by-name")
    return tmp_path


@pytest.mark.parametrize(("env", "level"), [("dev", Level.WARNING), ("sit", Level.WARNING), ("prod", Level.FAILURE)])
def test_a_sandboxed_account_warns_outside_prod_and_fails_prod(env: str, level: Level) -> None:
    verdict = judge(TEST_ENVIRONMENTS[env], SANDBOX)

    assert verdict.level is level
    assert "sandbox" in verdict.message
    assert "200 emails a day" in verdict.message
    assert "Request production access" in verdict.message
    assert f"--region {TEST_ENVIRONMENTS[env].region}" in verdict.message


def test_production_access_is_ok_and_paused_sending_is_not() -> None:
    prod = TEST_ENVIRONMENTS["prod"]

    assert judge(prod, PRODUCTION).level is Level.OK
    paused = judge(prod, SesAccount(True, False, 50_000, 14, 0, "SHUTDOWN"))
    assert paused.level is Level.FAILURE
    assert "paused" in paused.message
    assert judge(prod, SesAccount(True, True, 50_000, 14, 0, "PROBATION")).level is Level.WARNING


def test_deploy_to_a_sandboxed_dev_warns_and_deploys(cloud: Cloud, cli: CliRunner, dist: Path) -> None:
    result = cli.invoke(app, ["deploy", "--env", "dev", "--dist", str(dist)])

    assert result.exit_code == 0, result.output
    assert "WARN SES account" in result.output
    assert "sandbox" in result.output
    assert ArtifactStore(TEST_ENVIRONMENTS["dev"], cloud.client("s3", "dev")).read_record("health") is not None


def test_deploy_to_a_sandboxed_prod_is_refused_before_any_change(cloud: Cloud, cli: CliRunner, dist: Path) -> None:
    result = cli.invoke(app, ["deploy", "--env", "prod", "--dist", str(dist)])

    assert result.exit_code == 1
    assert "Request production access" in result.output
    assert ArtifactStore(TEST_ENVIRONMENTS["prod"], cloud.client("s3", "prod")).read_record("health") is None


def test_promote_to_a_sandboxed_prod_is_refused(cloud: Cloud, cli: CliRunner, dist: Path) -> None:
    result = cli.invoke(app, ["promote", "--from", "sit", "--to", "prod", "--dist", str(dist)])

    assert result.exit_code == 1
    assert "sandbox" in result.output


def test_deploy_to_prod_with_production_access_says_so(cloud: Cloud, cli: CliRunner, dist: Path) -> None:
    cloud.grant_ses_production_access("prod")

    result = cli.invoke(app, ["deploy", "--env", "prod", "--dist", str(dist)])

    assert result.exit_code == 0, result.output
    assert "has production access" in result.output


def test_smoke_of_a_sandboxed_prod_fails_after_its_http_checks(
    cloud: Cloud, cli: CliRunner, api: tuple[str, StubApi]
) -> None:
    url, _ = api

    result = cli.invoke(app, ["smoke", "--base-url", url, "--env", "prod"])

    assert result.exit_code == 1
    assert "ok   GET /health" in result.output
    assert "FAIL SES account" in result.output


def test_smoke_of_a_sandboxed_sit_passes_with_a_warning(cloud: Cloud, cli: CliRunner, api: tuple[str, StubApi]) -> None:
    url, _ = api

    result = cli.invoke(app, ["smoke", "--base-url", url, "--env", "sit"])

    assert result.exit_code == 0, result.output
    assert "WARN SES account" in result.output
