"""DEV, SIT and PROD: accounts, regions, state backends, variables."""

from __future__ import annotations

import pytest

from tests.infra.terraform import BOOTSTRAP, ENVIRONMENTS, STACK, load, locals_of, modules, one, resources, variables

# SPEC section 6.
ACCOUNTS = {
    "dev": ("536580886816", "eu-west-1"),
    "sit": ("815856636111", "eu-west-1"),
    "prod": ("093646564004", "af-south-1"),
}

environments = pytest.mark.parametrize("environment", sorted(ACCOUNTS))


def test_there_are_exactly_three_environments() -> None:
    """Given infra/terraform/environments, then it holds dev, sit and prod."""
    assert {path.name for path in ENVIRONMENTS.iterdir() if path.is_dir()} == set(ACCOUNTS)


@environments
def test_provider_refuses_every_account_but_the_environments(environment: str) -> None:
    """Given an environment, then its provider pins the SPEC's account and region."""
    config = load(ENVIRONMENTS / environment / "main.tf")
    provider = one(config["provider"])["aws"]
    named = one(config["locals"])
    account, region = ACCOUNTS[environment]

    assert provider["allowed_account_ids"] == ["${local.account_id}"]
    assert provider["region"] == "${local.region}"
    assert (named["environment"], named["account_id"], named["region"]) == (environment, account, region)


@environments
def test_state_lives_in_the_accounts_own_bucket_with_a_lock_table(environment: str) -> None:
    """Given an environment, then its state is an encrypted S3 object in that account's state
    bucket and region, locked through the DynamoDB lock table."""
    backend = one(one(load(ENVIRONMENTS / environment / "main.tf")["terraform"])["backend"])["s3"]
    account, region = ACCOUNTS[environment]

    assert backend["bucket"] == f"bbws-tfstate-{account}"
    assert backend["key"] == f"bbws/{environment}/terraform.tfstate"
    assert backend["region"] == region
    assert backend["dynamodb_table"] == "bbws-tfstate-lock"
    assert backend["encrypt"] is True


@environments
def test_the_environment_instantiates_the_one_stack(environment: str) -> None:
    """Given an environment, then it calls the shared stack with its own name and passes every
    variable it declares."""
    stack = modules(ENVIRONMENTS / environment)["stack"]
    declared = set(variables(ENVIRONMENTS / environment)) - {"artifact_manifest"}

    assert stack["source"] == "../../stack"
    assert stack["environment"] == "${local.environment}"
    assert all(stack[name] == f"${{var.{name}}}" for name in declared)


@environments
def test_every_required_stack_variable_has_a_value(environment: str) -> None:
    """Given the stack's variables without defaults, then the environment sets each one."""
    required = {name for name, variable in variables(STACK).items() if "default" not in variable}
    stack = modules(ENVIRONMENTS / environment)["stack"]
    tfvars = load(ENVIRONMENTS / environment / "terraform.tfvars")
    optional_here = {name for name, v in variables(ENVIRONMENTS / environment).items() if "default" in v}

    assert required <= set(stack)
    assert (set(stack) & set(variables(ENVIRONMENTS / environment))) - optional_here <= set(tfvars)


def test_bootstrap_knows_the_same_accounts_and_regions() -> None:
    """Given the bootstrap configuration, then its accounts and regions are the SPEC's and its
    provider refuses any other account."""
    config = load(BOOTSTRAP / "main.tf")
    accounts = locals_of(BOOTSTRAP)["accounts"]

    assert {env: (a["account_id"], a["region"]) for env, a in accounts.items()} == ACCOUNTS
    assert one(config["provider"])["aws"]["allowed_account_ids"] == ["${local.target.account_id}"]


@environments
def test_names_agree_with_the_delivery_tooling(environment: str) -> None:
    """Given `bbws deploy`'s view of an environment, then Terraform names the artifacts
    bucket, the functions and their alias the same way."""
    from bbws.delivery.accounts import ALIAS
    from bbws.delivery.accounts import ENVIRONMENTS as DELIVERY

    target = DELIVERY[environment]
    named = one(load(ENVIRONMENTS / environment / "main.tf")["locals"])
    bucket = modules(ENVIRONMENTS / environment)["stack"]["artifacts_bucket"]
    function_names = locals_of(STACK)["function_names"]

    assert bucket.replace("${local.account_id}", named["account_id"]).replace("${local.region}", named["region"]) == (
        target.artifacts_bucket
    )
    assert locals_of(STACK)["prefix"] == "${var.name_prefix}-${var.environment}"
    assert variables(STACK)["name_prefix"]["default"] == "bbws"
    assert '"${local.prefix}-${name}"' in function_names
    assert target.function_name("orders-api") == f"bbws-{environment}-orders-api"
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
    }
    assert statements["ShipCodeAndMoveAliases"]["resources"] == ["${local.function_arn_glob}"]
    assert locals_of(BOOTSTRAP)["function_arn_glob"].endswith(":function:bbws-${local.environment}-*")
    assert statements["WatchAlarms"]["actions"] == ["cloudwatch:DescribeAlarms"]
    assert all(
        resource.endswith(("/artifacts/*", "/releases/*"))
        for resource in statements["ArtifactsAndReleaseRecords"]["resources"]
    )


@environments
def test_the_workflows_assume_the_role_the_bootstrap_creates(environment: str) -> None:
    """Given the GitHub workflows, then every role they assume for an environment is that
    account's bbws-github-deploy-<env>."""
    import re

    from tests.infra.codegen import ROOT

    workflows = ROOT / ".github" / "workflows"
    if not workflows.is_dir():
        pytest.skip("no workflows yet")
    account, _ = ACCOUNTS[environment]
    assumed = set()
    for path in workflows.glob("*.yml"):
        assumed |= set(re.findall(rf"arn:aws:iam::{account}:role/([\w-]+)", path.read_text(encoding="utf-8")))

    assert assumed <= {f"bbws-github-deploy-{environment}"}
