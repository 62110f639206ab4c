"""The environments: one definition file each, read by Terraform, the account guard and the
workflows; the roots, the bootstrap and the backends derived from it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bbws.core.settings import Settings
from bbws.delivery.accounts import (
    ALIAS,
    DEFINITION_FILE,
    ENVIRONMENTS,
    DefinitionError,
    load_environments,
    read_definition,
)
from tests.infra.codegen import ROOT
from tests.infra.terraform import (
    BOOTSTRAP,
    STACK,
    load,
    locals_of,
    modules,
    one,
    resources,
    variables,
)
from tests.infra.terraform import (
    ENVIRONMENTS as ENVIRONMENT_DIRS,
)

SHARED_ROOT = ENVIRONMENT_DIRS / "_root"  # not an environment: names start with a letter
environments = pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))


def _document(environment: str) -> dict[str, object]:
    return dict(json.loads((ENVIRONMENT_DIRS / environment / DEFINITION_FILE).read_text(encoding="utf-8")))


def test_every_environment_directory_is_defined_by_its_file() -> None:
    """Given infra/terraform/environments, then each directory has its definition and the
    tooling knows exactly those environments, dev first and each after its source."""
    directories = {path.name for path in ENVIRONMENT_DIRS.iterdir() if path.is_dir() and path.name != "_root"}

    assert set(ENVIRONMENTS) == directories
    assert {"dev", "sit", "prod"} <= directories
    order = list(ENVIRONMENTS)
    assert all(order.index(e.previous) < order.index(e.name) for e in ENVIRONMENTS.values() if e.previous)


@environments
def test_an_environment_is_its_definition_plus_links_to_the_shared_root(environment: str) -> None:
    """Given an environment's directory, then its only own file is environment.tf.json; the
    rest are links to environments/_root, so nothing is repeated between environments."""
    directory = ENVIRONMENT_DIRS / environment
    own = [p.name for p in directory.iterdir() if not p.is_symlink() and not p.name.startswith(".")]
    links = {p.name: p.resolve() for p in directory.iterdir() if p.is_symlink()}

    assert own == [DEFINITION_FILE]
    assert links == {path.name: path.resolve() for path in SHARED_ROOT.glob("*.tf")}


@environments
def test_the_account_and_region_are_written_once(environment: str) -> None:
    """Given an environment's account id, then no tracked file but its definition names it:
    Terraform, the CLI, the workflows and the docs all read or derive it."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    account = ENVIRONMENTS[environment].account_id
    tracked = subprocess.run(
        ["git", "grep", "--untracked", "-l", "--fixed-strings", account],
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip

    assert tracked == [f"infra/terraform/environments/{environment}/{DEFINITION_FILE}"]


@environments
def test_the_backend_is_the_accounts_state_bucket_with_a_lock_file(environment: str) -> None:
    """Given an environment, then its state is an encrypted object in its own account's state
    bucket and region, locked with S3's lock file (no DynamoDB lock table)."""
    backend = _document(environment)["terraform"]["backend"]["s3"]  # type: ignore[index]
    env = ENVIRONMENTS[environment]

    assert backend["bucket"] == env.state_bucket == f"bbws-tfstate-{env.account_id}"
    assert backend["key"] == f"bbws/{environment}/terraform.tfstate"
    assert backend["region"] == env.region
    assert backend["use_lockfile"] is True
    assert backend["encrypt"] is True
    assert "dynamodb_table" not in backend


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: d["terraform"]["backend"]["s3"].update(bucket="bbws-tfstate-999999999999"), "backend bucket"),
        (lambda d: d["terraform"]["backend"]["s3"].update(region="us-east-1"), "backend region"),
        (lambda d: d["terraform"]["backend"]["s3"].pop("use_lockfile"), "use_lockfile"),
        (lambda d: d["locals"]["environment"].update(account_id="5365808868"), "account_id"),
        (lambda d: d["locals"]["environment"].update(name="qa"), "name is 'qa', expected 'dev'"),
        (lambda d: d["locals"]["environment"].pop("region"), "not an environment definition"),
    ],
)
def test_a_definition_that_contradicts_itself_is_refused(tmp_path: Path, change: object, complaint: str) -> None:
    """Given dev's definition with one value changed, then reading it fails and says which."""
    document = _document("dev")
    change(document)  # type: ignore[operator]
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / DEFINITION_FILE).write_text(json.dumps(document), encoding="utf-8")

    with pytest.raises(DefinitionError, match=complaint):
        read_definition(tmp_path / "dev" / DEFINITION_FILE)


def test_a_new_environment_is_one_more_file(tmp_path: Path) -> None:
    """Given a copy of the environments plus `qa` (sit's definition with qa's account, region
    and name), then the tooling knows qa, promoted from dev, in its own account."""
    for env in ENVIRONMENTS:
        (tmp_path / env).mkdir()
        (tmp_path / env / DEFINITION_FILE).write_text(json.dumps(_document(env)), encoding="utf-8")
    qa = _document("sit")
    qa["locals"]["environment"].update(name="qa", account_id="111122223333", region="eu-central-1")  # type: ignore[index]
    qa["terraform"]["backend"]["s3"].update(  # type: ignore[index]
        bucket="bbws-tfstate-111122223333", key="bbws/qa/terraform.tfstate", region="eu-central-1"
    )
    (tmp_path / "qa").mkdir()
    (tmp_path / "qa" / DEFINITION_FILE).write_text(json.dumps(qa), encoding="utf-8")

    found = load_environments(tmp_path)

    assert found["qa"].previous == "dev"
    assert found["qa"].artifacts_bucket == "bbws-artifacts-111122223333-eu-central-1"
    assert Settings.from_environ({"ENVIRONMENT": "qa"}).environment == "qa"


def test_a_promotion_from_an_undefined_environment_is_refused(tmp_path: Path) -> None:
    (tmp_path / "sit").mkdir()
    (tmp_path / "sit" / DEFINITION_FILE).write_text(json.dumps(_document("sit")), encoding="utf-8")

    with pytest.raises(DefinitionError, match="promoted from 'dev', which is not defined"):
        load_environments(tmp_path)


def test_the_shared_root_pins_the_definitions_account_and_region() -> None:
    """Given the root every environment links, then its provider refuses any account but the
    definition's and runs in the definition's region."""
    provider = one(load(SHARED_ROOT / "main.tf")["provider"])["aws"]

    assert provider["allowed_account_ids"] == ["${local.environment.account_id}"]
    assert provider["region"] == "${local.environment.region}"
    assert one(load(SHARED_ROOT / "main.tf")["terraform"])["required_version"] == ">= 1.10"


def test_the_root_calls_the_one_stack_with_the_environments_identity() -> None:
    stack = modules(SHARED_ROOT)["stack"]

    assert stack["source"] == "../../stack"
    assert stack["environment"] == "${local.environment.name}"
    assert stack["deletion_protection"] == "${local.environment.protected}"
    assert stack["artifacts_bucket"] == "bbws-artifacts-${local.environment.account_id}-${local.environment.region}"


@environments
def test_every_setting_reaches_the_stack_and_every_required_one_is_set(environment: str) -> None:
    """Given an environment's settings, then each is a stack variable the root passes through
    (a misspelt one would be ignored silently), and every stack variable without a default
    has a value."""
    settings = ENVIRONMENTS[environment].settings
    stack = modules(SHARED_ROOT)["stack"]
    declared = variables(STACK)
    required = {name for name, variable in declared.items() if "default" not in variable}

    assert set(settings) <= set(declared)
    assert all(stack[name] == f"${{local.settings.{name}}}" for name in settings)
    assert required <= set(stack)
    passed_from_settings = {name for name, value in stack.items() if str(value) == f"${{local.settings.{name}}}"}
    assert required & passed_from_settings <= set(settings)


def test_settings_an_environment_may_omit_get_the_stacks_default() -> None:
    """Given the settings the root defaults to null, then each stack variable behind them has
    a default and is non-nullable, so null selects the default; email_domain is null-able."""
    defaults = one(load(SHARED_ROOT / "main.tf")["locals"])["settings"]
    declared = variables(STACK)

    for name in ("log_level", "reserved_concurrency", "alarm_emails", "manage_apigateway_account"):
        assert f"{name} = null" in str(defaults) or f"'{name}': None" in str(defaults), name
        assert "default" in declared[name]
        assert declared[name]["nullable"] is False
    assert declared["email_domain"]["default"] is None


def test_the_bootstrap_reads_the_same_definitions() -> None:
    """Given the bootstrap, then its accounts, regions and promotion order come from the
    definition files, and its provider refuses any other account."""
    named = locals_of(BOOTSTRAP)

    assert 'fileset("${path.module}/../environments", "*/environment.tf.json")' in named["definitions"]
    assert "locals.environment" in named["definitions"]
    assert one(load(BOOTSTRAP / "main.tf")["provider"])["aws"]["allowed_account_ids"] == ["${local.target.account_id}"]
    assert resources(BOOTSTRAP, "aws_dynamodb_table") == {}  # the backend locks with a lock file


@environments
def test_names_agree_with_the_delivery_tooling(environment: str) -> None:
    """Given `bbws deploy`'s view of an environment, then Terraform names the artifacts
    bucket, the functions and their alias the same way."""
    target = ENVIRONMENTS[environment]
    bucket = modules(SHARED_ROOT)["stack"]["artifacts_bucket"]
    function_names = locals_of(STACK)["function_names"]

    assert bucket.replace("${local.environment.account_id}", target.account_id).replace(
        "${local.environment.region}", target.region
    ) == (target.artifacts_bucket)
    assert locals_of(BOOTSTRAP)["buckets"]["artifacts"] == (
        "bbws-artifacts-${local.target.account_id}-${local.target.region}"
    )
    assert locals_of(BOOTSTRAP)["buckets"]["state"] == "bbws-tfstate-${local.target.account_id}"
    assert locals_of(STACK)["prefix"] == "${var.name_prefix}-${var.environment}"
    assert variables(STACK)["name_prefix"]["default"] == "bbws"
    assert '"${local.prefix}-${name}"' in function_names
    assert target.function_name("orders-api") == f"bbws-{environment}-orders-api"
    assert target.deploy_role_arn == f"arn:aws:iam::{target.account_id}:role/bbws-github-deploy-{environment}"
    assert ALIAS == "live"


def _deploy_policy() -> dict[str, dict[str, object]]:
    from tests.infra.terraform import load_dir

    documents: dict[str, dict[str, object]] = {}
    for block in load_dir(BOOTSTRAP)["data"]:
        documents.update(block.get("aws_iam_policy_document", {}))
    return documents


def test_workflows_deploy_with_an_oidc_role_of_their_own_environment_only() -> None:
    """Given the bootstrap's deploy role, then only this repository's jobs running in the
    GitHub environment of the same name may assume it, through GitHub's OIDC provider."""
    trust = one(_deploy_policy()["deploy_trust"]["statement"])
    conditions = {c["variable"]: c for c in trust["condition"]}
    role = resources(BOOTSTRAP, "aws_iam_role")["deploy"]

    assert trust["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    assert conditions["${local.github_oidc_url}:sub"]["test"] == "StringEquals"
    assert conditions["${local.github_oidc_url}:sub"]["values"] == [
        "repo:${var.github_repository}:environment:${local.environment}"
    ]
    assert conditions["${local.github_oidc_url}:aud"]["values"] == ["sts.amazonaws.com"]
    assert role["name"] == "${local.deploy_role_name}"
    assert locals_of(BOOTSTRAP)["deploy_role_name"] == "bbws-github-deploy-${local.environment}"


def test_the_deploy_role_may_only_ship_code_move_aliases_and_read_alarms() -> None:
    """Given the deploy role's policy, then it holds the calls `bbws deploy/release/rollback/
    promote` make, on this environment's functions and artifacts only."""
    policy = _deploy_policy()["deploy"]
    statements = {s["sid"]: s for s in policy["statement"]}  # type: ignore[attr-defined]

    assert set(statements["ShipCodeAndMoveAliases"]["actions"]) == {
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:UpdateFunctionCode",
        "lambda:PublishVersion",
        "lambda:GetAlias",
        "lambda:CreateAlias",
        "lambda:UpdateAlias",
        "lambda:DeleteAlias",
    }
    assert statements["ShipCodeAndMoveAliases"]["resources"] == ["${local.function_arn_glob}"]
    assert locals_of(BOOTSTRAP)["function_arn_glob"].endswith(":function:bbws-${local.environment}-*")
    assert statements["WatchAlarms"]["actions"] == ["cloudwatch:DescribeAlarms"]
    assert statements["ReadSesAccount"] == {"sid": "ReadSesAccount", "actions": ["ses:GetAccount"], "resources": ["*"]}
    assert statements["PublishReleaseNotices"]["resources"] == ["${local.alarm_topic_arn}"]
    assert locals_of(BOOTSTRAP)["alarm_topic_arn"].endswith(":bbws-${local.environment}-alarms")
    assert one(statements["EncryptReleaseNotices"]["condition"])["variable"] == "kms:ViaService"
    assert all(
        resource.endswith(("/artifacts/*", "/manifests/*", "/releases/*"))
        for resource in statements["ArtifactsAndReleaseRecords"]["resources"]
    )


@environments
def test_the_deploy_role_is_the_one_the_tooling_names(environment: str) -> None:
    """Given the bootstrap's deploy role, then its name is the one `bbws environments` gives
    the workflows (Environment.deploy_role_arn)."""
    name = locals_of(BOOTSTRAP)["deploy_role_name"].replace("${local.environment}", environment)

    assert ENVIRONMENTS[environment].deploy_role_arn.endswith(f":role/{name}")


def test_bbws_environments_lists_every_definition() -> None:
    """Given the definitions, when `bbws environments` runs, then it prints each environment
    with its account, region and promotion source; --github-output needs one environment and
    an unknown one is refused."""
    from typer.testing import CliRunner

    from bbws.cli import app

    runner = CliRunner()
    listed = runner.invoke(app, ["environments"])
    alone = runner.invoke(app, ["environments", "--github-output"])
    unknown = runner.invoke(app, ["environments", "--env", "staging", "--github-output"])

    assert listed.exit_code == 0
    for env in ENVIRONMENTS.values():
        assert env.account_id in listed.output
        assert env.region in listed.output
    assert alone.exit_code == 2
    assert unknown.exit_code == 1
    assert "unknown environment 'staging'" in unknown.output


def test_the_deploy_role_may_back_up_but_never_restore_or_write_tables() -> None:
    """Given the deploy role's backup statements (only where the definition asks for pre-release
    backups), then they create, describe, list and expire backups of this environment's tables,
    and nothing restores a backup or writes a table."""
    policy = _deploy_policy()["deploy"]
    dynamic = {one(block["statement"]["content"])["sid"]: block for block in policy["dynamic"]}  # type: ignore[index]
    backups = {sid: one(block["statement"]["content"]) for sid, block in dynamic.items() if "Backup" in sid}
    actions = {action for content in backups.values() for action in content["actions"]}

    assert actions == {
        "dynamodb:CreateBackup",
        "dynamodb:DescribeBackup",
        "dynamodb:DeleteBackup",
        "dynamodb:ListBackups",
    }
    assert all(
        block["statement"]["for_each"] == "${local.release_backups ? [1] : []}"
        for block in dynamic.values()
        if "Backup" in one(block["statement"]["content"])["sid"]
    )
    assert backups["PreReleaseBackups"]["resources"] == ["${local.table_arn_glob}"]
    assert locals_of(BOOTSTRAP)["table_arn_glob"].endswith(":table/bbws-${local.environment}-*")
    assert "release_backups.before_release" in locals_of(BOOTSTRAP)["release_backups"]


@environments
def test_snap_start_is_on_in_every_environment(environment: str) -> None:
    """Given each environment's definition, then SnapStart is on: AWS lists it in every
    commercial region but Asia Pacific (New Zealand) and Asia Pacific (Taipei), so in
    eu-west-1 and af-south-1 too (docs/bench.md cites the page)."""
    assert ENVIRONMENTS[environment].settings["snap_start"] is True
