"""The GitHub workflows: valid against GitHub's schema, OIDC only, each environment's account."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bbws.delivery.accounts import ENVIRONMENTS

from .conftest import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
NAMES = ("deploy-dev.yml", "promote-sit.yml", "promote-prod.yml", "rollback.yml")


def _load(name: str) -> dict[str, Any]:
    # PyYAML reads the key `on` as True (YAML 1.1); the schema check below reads it correctly.
    return yaml.safe_load((WORKFLOWS / name).read_text())  # type: ignore[no-any-return]


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _aws_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _steps(workflow) if str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials")]


def test_every_workflow_is_valid_against_the_github_workflow_schema() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", *(str(WORKFLOWS / n) for n in NAMES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", NAMES)
def test_aws_access_is_by_oidc_role_never_stored_keys(name: str) -> None:
    workflow = _load(name)
    text = (WORKFLOWS / name).read_text()
    assert workflow["permissions"] == {"contents": "read"}
    for job in workflow["jobs"].values():
        if any(str(s.get("uses", "")).startswith("aws-actions/") for s in job["steps"]):
            assert job["permissions"]["id-token"] == "write"
            assert "environment" in job
    for step in _aws_steps(workflow):
        assert step["with"]["role-to-assume"] == "${{ steps.target.outputs.deploy_role_arn }}"
        assert step["with"]["allowed-account-ids"] == "${{ steps.target.outputs.account_id }}"
    assert "aws-access-key-id" not in text
    assert "AWS_SECRET_ACCESS_KEY" not in text


@pytest.mark.parametrize(
    ("name", "env"), [("deploy-dev.yml", "dev"), ("promote-sit.yml", "sit"), ("promote-prod.yml", "prod")]
)
def test_each_stage_assumes_a_role_in_its_own_account(name: str, env: str) -> None:
    """Given a stage's workflow, then it reads the account, region and role from the
    environment's definition (`bbws environments --github-output`, no account in the workflow)
    before it assumes the role, and those are the environment's."""
    from typer.testing import CliRunner

    from bbws.cli import app

    expected = ENVIRONMENTS[env]
    steps = _steps(_load(name))
    (aws,) = _aws_steps(_load(name))
    target = next(s for s in steps if s.get("id") == "target")
    assert target["run"] == f'.venv/bin/bbws environments --env {env} --github-output >> "$GITHUB_OUTPUT"'
    assert steps.index(target) < steps.index(aws)
    assert aws["with"]["aws-region"] == "${{ steps.target.outputs.region }}"
    printed = CliRunner().invoke(app, ["environments", "--env", env, "--github-output"]).output
    outputs = dict(line.split("=", 1) for line in printed.splitlines())
    assert outputs["account_id"] == expected.account_id
    assert outputs["region"] == expected.region
    assert outputs["deploy_role_arn"] == f"arn:aws:iam::{expected.account_id}:role/bbws-github-deploy-{env}"
    jobs = [job for job in _load(name)["jobs"].values() if "environment" in job]
    assert [job["environment"] for job in jobs] == [env]


def test_dev_deploys_on_push_to_main_after_lint_test_package_and_verify() -> None:
    workflow = _load("deploy-dev.yml")
    assert workflow[True] == {"push": {"branches": ["main"]}}
    runs = [s.get("run", "") for s in _steps(workflow)]
    order = [
        "make lint",
        "make test",
        "make package",
        "make verify",
        "bbws deploy --env dev",
        "bbws release",
        "bbws smoke",
    ]
    positions = [next(i for i, run in enumerate(runs) if wanted in run) for wanted in order]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("name", "source", "target"), [("promote-sit.yml", "dev", "sit"), ("promote-prod.yml", "sit", "prod")]
)
def test_promotion_is_manual_and_deploys_the_dev_runs_artifact(name: str, source: str, target: str) -> None:
    workflow = _load(name)
    assert "dev_run_id" in workflow[True]["workflow_dispatch"]["inputs"]
    download = next(s for s in _steps(workflow) if str(s.get("uses", "")).startswith("actions/download-artifact"))
    assert download["with"]["run-id"] == "${{ inputs.dev_run_id }}"
    runs = [s.get("run", "") for s in _steps(workflow)]
    assert f".venv/bin/bbws promote --from {source} --to {target} --dist dist" in runs
    assert not [run for run in runs if "bbws package" in run or "make package" in run]  # never rebuilt


def test_prod_smoke_has_no_storefront_key_and_nothing_destroys() -> None:
    prod = _load("promote-prod.yml")
    smoke = next(s for s in _steps(prod) if "bbws smoke" in s.get("run", ""))
    assert "BBWS_STOREFRONT_KEY" not in smoke.get("env", {})
    for name in NAMES:
        text = (WORKFLOWS / name).read_text()
        assert "destroy" not in text
