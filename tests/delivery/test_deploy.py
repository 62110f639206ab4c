"""Deploy, rollback and destroy against an emulated AWS account (moto); promotion: test_promote.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery import accounts
from bbws.delivery.accounts import Environment, GuardError
from bbws.delivery.deploy import deploy, destroy, load_artifacts, mark_passed
from bbws.delivery.release import rollback
from bbws.delivery.store import ArtifactStore, Status, b64_sha256

from .conftest import TEST_ENVIRONMENTS, Cloud, make_dist

DEV, SIT, PROD = TEST_ENVIRONMENTS["dev"], TEST_ENVIRONMENTS["sit"], TEST_ENVIRONMENTS["prod"]
HANDLER = b"def lambda_handler(event, context):\n    return 'v2'\n"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    make_dist(
        tmp_path,
        {"health": {"bbws/health/handlers/api.py": HANDLER}, "orders-api": {"bbws/orders/handlers/api.py": HANDLER}},
        handler="by-name",
    )
    return tmp_path


def _store(cloud: Cloud, env: Environment) -> ArtifactStore:
    return ArtifactStore(env, cloud.client("s3", env.name))


def _versions(cloud: Cloud, env: Environment, function: str) -> list[str]:
    response = cloud.client("lambda", env.name).list_versions_by_function(FunctionName=env.function_name(function))
    return [v["Version"] for v in response["Versions"]]


def _pass_in(cloud: Cloud, env: Environment, dist: Path) -> None:
    """Deploy, release (alias to the new version) and mark as passed, as the pipeline does."""
    for record in deploy(env, load_artifacts(dist), cloud.session):
        cloud.client("lambda", env.name).update_alias(
            FunctionName=env.function_name(record.function), Name=accounts.ALIAS, FunctionVersion=record.version
        )
        _store(cloud, env).write_record(record.moved_to(Status.RELEASED))
    mark_passed(env, cloud.session)


def test_a_deploy_publishes_the_artifact_as_a_new_version_and_records_it(cloud: Cloud, dist: Path) -> None:
    # When the artifacts are deployed to dev
    records = deploy(DEV, load_artifacts(dist), cloud.session)
    # Then each function has a new version whose code is the artifact's sha256
    health = next(r for r in records if r.function == "health")
    lam = cloud.client("lambda")
    published = lam.get_function_configuration(FunctionName=DEV.function_name("health"), Qualifier=health.version)
    assert published["CodeSha256"] == b64_sha256(health.sha256)
    # And the artifact is stored under its sha256, the alias still serves the previous version
    assert cloud.client("s3").head_object(Bucket=DEV.artifacts_bucket, Key=f"artifacts/{health.sha256}.zip")
    assert cloud.alias("dev", "health")["FunctionVersion"] == "1"
    stored = _store(cloud, DEV).read_record("health")
    assert stored is not None
    assert (stored.status, stored.version, stored.previous_version) == (Status.DEPLOYED, health.version, "1")


def test_an_account_mismatch_stops_a_deploy_before_anything_changes(cloud: Cloud, dist: Path) -> None:
    # Given credentials for moto's account but an environment that lives in another account
    elsewhere = Environment("dev", "111122223333", "eu-west-1", previous=None)
    # When a deploy is attempted
    with pytest.raises(GuardError, match="belong to account 123456789012, but dev is account 111122223333"):
        deploy(elsewhere, load_artifacts(dist), cloud.session)
    # Then no version was published and nothing was uploaded
    assert _versions(cloud, DEV, "health") == ["$LATEST", "1"]
    assert "Contents" not in cloud.client("s3").list_objects_v2(Bucket=DEV.artifacts_bucket)


def test_an_artifact_that_differs_from_its_manifest_is_not_deployed(dist: Path) -> None:
    (dist / "health.zip").write_bytes(b"not the built zip")
    with pytest.raises(GuardError, match=r"health\.zip: sha256 .* is not the manifest's"):
        load_artifacts(dist)


def test_a_function_configured_for_another_runtime_is_refused(cloud: Cloud, dist: Path) -> None:
    cloud.client("lambda").update_function_configuration(FunctionName=DEV.function_name("health"), Runtime="python3.11")
    with pytest.raises(GuardError, match=r"Runtime is python3\.11, but the artifact health\.zip needs python3\.12"):
        deploy(DEV, load_artifacts(dist, ["health"]), cloud.session)


def test_only_a_released_version_can_pass(cloud: Cloud, dist: Path) -> None:
    deploy(DEV, load_artifacts(dist), cloud.session)
    with pytest.raises(GuardError, match="health: deployed recorded in dev; only a released version can pass"):
        mark_passed(DEV, cloud.session, ["health"])


def test_rollback_returns_the_alias_to_the_previous_version(cloud: Cloud, dist: Path) -> None:
    # Given a release that moved the alias to the new version
    _pass_in(cloud, DEV, dist)
    assert cloud.alias("dev", "health")["FunctionVersion"] == "2"
    # When it is rolled back
    rollback(DEV, cloud.session, ["health"])
    # Then the alias serves the previous version with no weighted routing left
    alias = cloud.alias("dev", "health")
    assert alias["FunctionVersion"] == "1"
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {}
    record = _store(cloud, DEV).read_record("health")
    assert record is not None
    assert record.status == Status.ROLLED_BACK


def test_rollback_with_nothing_recorded_is_refused(cloud: Cloud) -> None:
    with pytest.raises(GuardError, match="health: no previous version recorded in dev"):
        rollback(DEV, cloud.session, ["health"])


@pytest.mark.parametrize("spelling", ["prod", "PROD", " prod "])
def test_destroying_prod_is_refused_in_every_spelling(spelling: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no AWS at all: the refusal comes before any call
    ran: list[list[str]] = []
    with pytest.raises(GuardError, match="refusing to destroy prod"):
        destroy(accounts.environment(spelling), None, Path("."), runner=lambda c: ran.append(c) or 0)  # type: ignore[arg-type]
    assert ran == []


def test_destroying_anything_with_prod_credentials_is_refused(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given credentials of the prod account (moto now answers STS as prod's account)
    prod_account = accounts.ENVIRONMENTS["prod"].account_id
    monkeypatch.setenv("MOTO_ACCOUNT_ID", prod_account)
    assert cloud.client("sts").get_caller_identity()["Account"] == prod_account
    ran: list[list[str]] = []
    # When dev is named for destruction
    with pytest.raises(GuardError, match=f"refusing to destroy anything with credentials of .* {prod_account}"):
        destroy(DEV, cloud.session, Path("."), runner=lambda c: ran.append(c) or 0)
    # Then terraform never ran
    assert ran == []


def test_destroying_dev_runs_terraform_after_the_account_check(cloud: Cloud, tmp_path: Path) -> None:
    (tmp_path / "infra" / "terraform" / "environments" / "dev").mkdir(parents=True)
    ran: list[list[str]] = []
    status = destroy(DEV, cloud.session, tmp_path, runner=lambda c: ran.append(c) or 0)
    assert status == 0
    assert ran == [["terraform", f"-chdir={tmp_path}/infra/terraform/environments/dev", "destroy"]]


def test_the_destroy_command_refuses_prod() -> None:
    result = CliRunner().invoke(app, ["destroy", "--env", "prod"])
    assert result.exit_code == 1
    assert "refusing to destroy prod" in result.output


def test_the_deploy_command_stops_on_an_account_mismatch(cloud: Cloud, dist: Path) -> None:
    # Given the real environment table (sit's account from its definition) and moto's account
    sit_account = accounts.ENVIRONMENTS["sit"].account_id
    result = CliRunner().invoke(app, ["deploy", "--env", "sit", "--dist", str(dist)])
    # Then the command refuses and says why
    assert result.exit_code == 1
    assert f"the credentials belong to account 123456789012, but sit is account {sit_account}" in result.output
    assert _versions(cloud, SIT, "health") == ["$LATEST", "1"]


def test_the_commands_run_against_the_environment_of_the_credentials(
    cloud: Cloud, dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "ENVIRONMENTS", TEST_ENVIRONMENTS)
    runner = CliRunner()
    assert runner.invoke(app, ["deploy", "--env", "dev", "--dist", str(dist)]).exit_code == 0
    assert runner.invoke(app, ["rollback", "--env", "dev"]).exit_code == 0
    assert cloud.alias("dev", "health")["FunctionVersion"] == "1"
    refused = runner.invoke(app, ["promote", "--from", "dev", "--to", "sit", "--dist", str(dist)])
    assert refused.exit_code == 1
    assert "refusing to promote from dev" in refused.output


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(GuardError, match="unknown environment 'qa'"):
        accounts.environment("qa")


def test_an_environment_in_the_prod_account_is_protected_whatever_its_name() -> None:
    disguised = Environment("dev", accounts.ENVIRONMENTS["prod"].account_id, "eu-west-1", previous=None)
    with pytest.raises(GuardError, match="refusing to destroy dev: it is protected"):
        accounts.refuse_destroy(disguised)
