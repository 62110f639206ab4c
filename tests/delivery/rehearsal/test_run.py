"""The rehearsal's run: Terraform found or refused in one line, commands bounded, dist/ rebuilt
when stale, the phases in order against the emulator (with a stand-in Terraform, so this runs
in seconds; `make rehearse` runs the real one), the first failure named."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery.accounts import ENVIRONMENTS
from bbws.delivery.rehearsal import terraform as tf
from bbws.delivery.rehearsal.run import PHASE_LIMITS, Options, rehearse, stale_reason
from tests.delivery.rehearsal.conftest import write_dist

FAKE_TERRAFORM = """#!{python}
# A stand-in for terraform: answers like it, records each call, creates nothing.
import json, os, sys, time
command = sys.argv[1]
record = os.environ.get("FAKE_RECORD")
if record:
    with open(record, "a") as sink:
        keys = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "TF_DATA_DIR", "TF_CLI_CONFIG_FILE")
        call = {{"argv": sys.argv[1:], "cwd": os.getcwd(), "env": {{k: os.environ.get(k) for k in keys}}}}
        sink.write(json.dumps(call) + "\\n")
def say(kind, **fields):
    print(json.dumps({{"type": kind, **fields}}), flush=True)
resources = ["module.stack.aws_sqs_queue.orders", "module.stack.aws_kms_key.data"]
if command == "version":
    print(json.dumps({{"terraform_version": os.environ.get("FAKE_VERSION", "1.11.4")}}))
elif command == "init":
    open(".terraform.lock.hcl", "w").write("# written by init")
    print("Terraform has been successfully initialized!")
elif command == "apply" and os.path.basename(os.getcwd()) == "bootstrap":
    # infra/terraform/bootstrap: the two buckets the rehearsal then uploads to.
    import boto3
    account = boto3.client("sts").get_caller_identity()["Account"]
    region = os.environ["AWS_REGION"]
    s3 = boto3.client("s3")
    for bucket in (f"bbws-tfstate-{{account}}", f"bbws-artifacts-{{account}}-{{region}}"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={{"LocationConstraint": region}})
    say("change_summary", changes={{"add": 19, "change": 0, "remove": 0, "operation": "apply"}})
elif command == "apply":
    time.sleep(float(os.environ.get("FAKE_APPLY_SECONDS", "0")))
    for address in resources:
        say("planned_change", change={{"resource": {{"addr": address}}, "action": "create"}})
    for address in resources:
        say("apply_complete", hook={{"resource": {{"addr": address}}, "action": "create"}})
    say("change_summary", changes={{"add": 2, "change": 0, "remove": 0, "operation": "apply"}})
elif command == "plan":
    if os.environ.get("FAKE_DRIFT"):
        say("planned_change", change={{"resource": {{"addr": resources[0]}}, "action": "update"}})
        say("change_summary", changes={{"add": 0, "change": 1, "remove": 0, "operation": "plan"}})
        sys.exit(2)
    say("change_summary", changes={{"add": 0, "change": 0, "remove": 0, "operation": "plan"}})
elif command == "destroy":
    say("change_summary", changes={{"add": 0, "change": 0, "remove": 2, "operation": "destroy"}})
"""


def _executable(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def fake_terraform(tmp_path: Path) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir()
    return _executable(directory / "terraform", FAKE_TERRAFORM.format(python=sys.executable))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A checkout as the rehearsal sees it: pyproject, lock, sources, the dev root, a current dist/."""
    root = tmp_path / "project"
    (root / "src" / "bbws").mkdir(parents=True)
    (root / "infra" / "terraform" / "environments" / "dev").mkdir(parents=True)
    (root / "infra" / "terraform" / "bootstrap").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'fake'\n")
    (root / "uv.lock").write_text("lock")
    (root / "src" / "bbws" / "module.py").write_text("")
    past = time.time() - 60
    for path in (root / "pyproject.toml", root / "src" / "bbws" / "module.py"):
        os.utime(path, (past, past))
    write_dist(root / "dist", lock_sha256=hashlib.sha256(b"lock").hexdigest())
    return root


def test_terraform_missing_is_said_with_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Given no terraform on PATH, then the rehearsal refuses in one line naming where to get it."""
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(tf.ToolMissing, match=r"terraform is not on PATH: install Terraform >= 1.10 \(https://"):
        tf.find_terraform()


def test_an_old_terraform_is_refused(monkeypatch: pytest.MonkeyPatch, fake_terraform: Path) -> None:
    """Given terraform 1.5, then it is refused: the environments' backend needs use_lockfile."""
    monkeypatch.setenv("FAKE_VERSION", "1.5.7")

    with pytest.raises(tf.ToolMissing, match=r"terraform 1.5.7 is older than 1.10"):
        tf.find_terraform(binary=str(fake_terraform))


def test_without_a_mirror_the_provider_comes_from_the_registry(fake_terraform: Path, tmp_path: Path) -> None:
    """Given no provider mirror, then Terraform is used as it is configured (no CLI config is
    written) and the description says the provider comes from the registry."""
    found = tf.find_terraform(mirror=tmp_path / "no-mirror", binary=str(fake_terraform))

    assert found.mirror is None
    assert found.describe() == "terraform 1.11.4, hashicorp/aws from the registry"
    assert tf.cli_config(found, tmp_path) is None


def test_the_environment_reaches_only_the_emulator(tmp_path: Path) -> None:
    """Given a caller with an AWS profile, a session token, a per-service endpoint and Terraform
    arguments, then none of them reaches Terraform: only the emulator's endpoint, made-up keys
    and the rehearsal's own data directory and CLI config."""
    base = {
        "PATH": "/usr/bin",
        "AWS_PROFILE": "prod-admin",
        "AWS_SESSION_TOKEN": "real",
        "AWS_ENDPOINT_URL_S3": "https://s3.amazonaws.com",
        "TF_CLI_ARGS_apply": "-target=x",
        "TF_WORKSPACE": "prod",
        "TF_LOG": "DEBUG",
    }
    environ = tf.emulator_environ(
        base, endpoint="http://127.0.0.1:1", region="eu-west-1", data_dir=tmp_path, config=tmp_path / "rc"
    )

    assert {
        k
        for k in environ
        if k.startswith(("AWS_PROFILE", "AWS_SESSION", "AWS_ENDPOINT_URL_", "TF_CLI_ARGS", "TF_WORKSPACE"))
    } == set()
    assert environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert environ["AWS_ACCESS_KEY_ID"] == tf.FAKE_KEY_ID
    assert environ["AWS_CONFIG_FILE"] == environ["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert environ["TF_DATA_DIR"] == str(tmp_path)
    assert environ["TF_CLI_CONFIG_FILE"] == str(tmp_path / "rc")
    assert environ["TF_LOG"] == "DEBUG"
    assert environ["PATH"] == "/usr/bin"


def test_a_command_past_its_deadline_is_stopped_with_its_children(tmp_path: Path) -> None:
    """Given a command that starts a child and waits, when its deadline passes, then the whole
    process group is stopped and the run says it timed out."""
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()

    result = tf.run(
        ["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"],
        cwd=tmp_path,
        environ=os.environ,
        log=tmp_path / "log",
        seconds=1.0,
    )

    assert result.timed_out
    assert time.monotonic() - started < tf.STOP_GRACE_SECONDS
    child = int(pid_file.read_text())
    waited = subprocess.run(["ps", "-o", "stat=", "-p", str(child)], capture_output=True, text=True, check=False)
    assert waited.stdout.strip() in {"", "Z"}  # gone (or a zombie awaiting its reaper)


def test_errors_are_read_from_diagnostics_or_from_text(tmp_path: Path) -> None:
    """Given Terraform's JSON diagnostics (or, for init, its text), then each error is one line
    with the resource address."""
    result = tf.Run(["terraform"], 1, 0.0, tmp_path / "log")
    result.messages = [
        {"type": "diagnostic", "diagnostic": {"severity": "warning", "summary": "Deprecated"}},
        {
            "type": "diagnostic",
            "diagnostic": {
                "severity": "error",
                "summary": "creating queue",
                "detail": "AccessDenied:\n  no",
                "address": "aws_sqs_queue.x",
            },
        },
    ]
    text = tf.Run(
        ["terraform"],
        1,
        0.0,
        tmp_path / "log",
        text=["│ Error: Failed to query available provider packages", "│ ", "│ Could not retrieve"],
    )

    assert result.errors() == ["aws_sqs_queue.x: creating queue: AccessDenied: no"]
    assert text.errors() == ["Error: Failed to query available provider packages Could not retrieve"]


def test_dist_is_current_until_a_source_the_lock_or_a_zip_changes(project: Path) -> None:
    """Given the build in dist/, then it is current; it is stale once a source file is newer,
    the lock file differs, a zip is not the manifest's, or the manifest is missing."""
    dist = project / "dist"
    assert stale_reason(project, dist) is None

    (project / "src" / "bbws" / "module.py").write_text("# edited")
    assert stale_reason(project, dist) == "src/bbws/module.py changed after the build"

    (project / "uv.lock").write_text("another lock")
    assert stale_reason(project, dist) == "uv.lock changed since the build"

    (dist / "health.zip").write_bytes(b"tampered")
    assert "refusing to deploy it" in str(stale_reason(project, dist))

    (dist / "manifest.json").unlink()
    assert stale_reason(project, dist) == f"{dist / 'manifest.json'} is missing"


def _calls(record: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in record.read_text().splitlines()]


def test_the_phases_run_in_order_and_the_first_failure_is_the_verdict(
    monkeypatch: pytest.MonkeyPatch, project: Path, fake_terraform: Path, tmp_path: Path
) -> None:
    """Given a Terraform whose re-plan finds a change (and an apply that created nothing the
    code needs), when the rehearsal runs, then every phase after the apply still runs, the
    re-plan fails naming the resource, the checks and deploy fail naming the missing
    functions, the release is skipped, destroy runs, and the re-plan is the verdict."""
    record = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_RECORD", str(record))
    monkeypatch.setenv("FAKE_DRIFT", "1")
    config = tmp_path / "aws-config"  # a caller's real profile, which the rehearsal must not use
    config.write_text("[profile prod-admin]\nregion = af-south-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "prod-admin")
    lines: list[str] = []
    options = Options(env=ENVIRONMENTS["dev"], project_root=project, terraform_binary=str(fake_terraform))

    outcome = rehearse(options, lines.append)

    results = {phase.name: phase.ok for phase in outcome.phases}
    assert results == {
        "tools": True, "artifacts": True, "bootstrap": True, "init": True, "apply": True, "re-plan": False,
        "checks": False, "deploy": False, "release": None, "destroy": True,
    }  # fmt: skip
    details = {phase.name: phase.detail for phase in outcome.phases}
    assert details["re-plan"].startswith(
        "1 change(s) right after the apply: module.stack.aws_sqs_queue.orders (update)"
    )
    assert "function bbws-dev-health: cannot be read (ResourceNotFoundException)" in details["checks"]
    assert details["deploy"].startswith("bbws deploy exited 1")
    assert details["destroy"] == "2 resources destroyed"
    assert outcome.first_failure is not None
    assert outcome.first_failure.name == "re-plan"
    assert not outcome.ok
    assert outcome.resources == 2
    assert len([line for line in lines if "re-plan" in line]) == 1
    calls = _calls(record)
    argv = [call["argv"][0] for call in calls]  # type: ignore[index]
    assert argv == ["version", "init", "apply", "init", "apply", "plan", "destroy"]
    bootstrap, environment = (
        project / "infra" / "terraform" / "bootstrap",
        project / "infra" / "terraform" / "environments" / "dev",
    )
    assert [call["cwd"] for call in calls[1:]] == [str(bootstrap)] * 2 + [str(environment)] * 4
    assert "environment=dev" in calls[2]["argv"]  # type: ignore[operator]
    assert "-backend-config=use_path_style=true" in calls[3]["argv"]  # type: ignore[operator]
    assert "-detailed-exitcode" in calls[5]["argv"]  # type: ignore[operator]
    for call in calls[1:]:
        env = call["env"]
        assert isinstance(env, dict)
        assert str(env["AWS_ENDPOINT_URL"]).startswith("http://127.0.0.1:")
        assert env["AWS_PROFILE"] is None
    assert calls[1]["env"]["TF_DATA_DIR"] != calls[3]["env"]["TF_DATA_DIR"]  # type: ignore[index]
    assert not (environment / ".terraform.lock.hcl").exists()
    assert not (bootstrap / ".terraform.lock.hcl").exists()
    assert (project / ".bbws" / "rehearsal" / "dev" / "apply.log").is_file()


def test_a_phase_past_its_bound_is_stopped_and_said_so(
    monkeypatch: pytest.MonkeyPatch, project: Path, fake_terraform: Path
) -> None:
    """Given an apply that would outlast its bound, then it is stopped at the bound and the
    run fails at the apply saying so; nothing after it runs."""
    monkeypatch.setenv("FAKE_APPLY_SECONDS", "60")
    limits = {**PHASE_LIMITS, "apply": 1.0}
    options = Options(
        env=ENVIRONMENTS["dev"], project_root=project, terraform_binary=str(fake_terraform), phase_limits=limits
    )

    outcome = rehearse(options)

    assert outcome.first_failure is not None
    assert outcome.first_failure.name == "apply"
    assert outcome.first_failure.detail.startswith("stopped after 1 s (bound of this phase)")
    assert outcome.first_failure.seconds < 1 + tf.STOP_GRACE_SECONDS
    assert [phase.name for phase in outcome.phases][-1] == "apply"


def test_a_run_past_its_time_limit_starts_no_further_phase(project: Path, fake_terraform: Path) -> None:
    """Given a run whose time limit is already spent, then the next phase does not start and
    the run fails saying the limit was reached."""
    options = Options(env=ENVIRONMENTS["dev"], project_root=project, terraform_binary=str(fake_terraform), time_limit=0)

    outcome = rehearse(options)

    assert [(p.name, p.ok, p.detail) for p in outcome.phases] == [
        ("tools", False, "the time limit of 0 s was reached before tools")
    ]


def test_the_command_says_in_one_line_when_terraform_is_missing(
    monkeypatch: pytest.MonkeyPatch, project: Path, tmp_path: Path
) -> None:
    """Given no terraform, when `bbws rehearse --env dev` runs, then it exits 2 with one line
    saying what is missing and how to get it, and does not claim to pass."""
    monkeypatch.chdir(project)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    answer = CliRunner().invoke(app, ["rehearse", "--env", "dev"])

    assert answer.exit_code == 2
    said = [line for line in answer.output.splitlines() if line.strip()]
    assert said == [
        "cannot rehearse: terraform is not on PATH: install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install)"
    ]


def test_the_command_prints_the_summary_and_names_the_first_failure(
    monkeypatch: pytest.MonkeyPatch, project: Path, fake_terraform: Path
) -> None:
    """Given a rehearsal that fails, then the command prints the summary table (phases,
    resources, drift, checks, seconds), names the first failure and exits 1."""
    monkeypatch.chdir(project)
    monkeypatch.setenv("PATH", f"{fake_terraform.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_DRIFT", "1")

    answer = CliRunner().invoke(app, ["rehearse", "--env", "dev"])

    assert answer.exit_code == 1
    assert "resources applied 2 · drift 1 changes · checks" in answer.output
    assert "rehearsal failed at re-plan: 1 change(s) right after the apply" in answer.output
    for phase in (
        "tools",
        "artifacts",
        "bootstrap",
        "init",
        "apply",
        "re-plan",
        "checks",
        "deploy",
        "release",
        "destroy",
    ):
        assert f"│ {phase}" in answer.output


def test_help_describes_the_rehearsal() -> None:
    answer = CliRunner().invoke(app, ["rehearse", "--help"])

    assert answer.exit_code == 0
    assert "emulator" in answer.output
    assert "--time-limit" in answer.output
