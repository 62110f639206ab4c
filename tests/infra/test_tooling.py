"""The Terraform parses, is formatted, validates against the provider and passes checkov."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests.infra.codegen import ROOT, TERRAFORM
from tests.infra.terraform import BOOTSTRAP, ENVIRONMENTS, TERRAFORM_BIN

TF_FILES = sorted(TERRAFORM.rglob("*.tf"))
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
# Where an offline machine may keep the AWS provider (a filesystem mirror).
PROVIDER_MIRROR = Path(os.environ.get("BBWS_TF_PROVIDER_MIRROR", "/opt/tf-plugins"))


def _terraform_environ(workdir: Path, config: str = "") -> dict[str, str]:
    rc = workdir / "terraformrc"
    rc.write_text(config, encoding="utf-8")
    return {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_terraform_file_parses(path: Path) -> None:
    """Given a .tf file, when python-hcl2 parses it, then it is valid HCL."""
    with path.open(encoding="utf-8") as handle:
        assert isinstance(hcl2.load(handle), dict)


def test_terraform_is_formatted() -> None:
    """Given infra/terraform, when `terraform fmt -check -recursive` runs, then nothing needs
    formatting."""
    if TERRAFORM_BIN is None:
        pytest.skip("terraform is not installed")
    with tempfile.TemporaryDirectory() as workdir:
        answer = subprocess.run(
            [TERRAFORM_BIN, "fmt", "-check", "-recursive", str(TERRAFORM)],
            capture_output=True,
            text=True,
            env=_terraform_environ(Path(workdir)),
            timeout=60,
            check=False,
        )
    assert answer.returncode == 0, f"needs `terraform fmt -recursive infra/terraform`: {answer.stdout}"


# Offline checks that need the AWS provider's schema: `validate` of the dev root (its backend,
# provider and the stack wiring) and of the bootstrap, and `terraform test` of the stack, a
# full apply against a mocked provider (stack/tests/*.tftest.hcl). They run concurrently.
PROVIDER_JOBS: dict[str, tuple[Path, list[str]]] = {
    "validate-dev": (ENVIRONMENTS / "dev", ["validate", "-json", "-no-color"]),
    "validate-bootstrap": (BOOTSTRAP, ["validate", "-json", "-no-color"]),
    "test-stack": (TERRAFORM / "stack", ["test", "-no-color"]),
}


def _provider_job(workdir: Path, root: Path, command: list[str], environ: dict[str, str]) -> tuple[int, str]:
    assert TERRAFORM_BIN is not None
    cwd = workdir / "terraform" / root.relative_to(TERRAFORM)
    init = subprocess.run(
        [TERRAFORM_BIN, "init", "-backend=false", "-input=false", "-no-color"],
        capture_output=True, text=True, cwd=cwd, env=environ, timeout=300, check=False,
    )  # fmt: skip
    if init.returncode != 0:
        return -1, init.stdout + init.stderr
    answer = subprocess.run(
        [TERRAFORM_BIN, *command], capture_output=True, text=True, cwd=cwd, env=environ, timeout=300, check=False
    )
    return answer.returncode, answer.stdout + answer.stderr


@pytest.fixture(scope="module")
def provider_checks() -> Iterator[dict[str, tuple[int, str]]]:
    """Given a copy of infra/terraform (and templates/) initialised from the local provider
    mirror, the results of every provider job by name."""
    if TERRAFORM_BIN is None or not PROVIDER_MIRROR.is_dir():
        pytest.skip("terraform or a local AWS provider mirror is not available")
    mirror = f'provider_installation {{\n  filesystem_mirror {{\n    path = "{PROVIDER_MIRROR}"\n  }}\n}}\n'
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        shutil.copytree(TERRAFORM, workdir / "terraform", ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
        if (ROOT / "templates").is_dir():
            shutil.copytree(ROOT / "templates", workdir / "templates")
        environ = _terraform_environ(workdir, mirror)
        with ThreadPoolExecutor(max_workers=len(PROVIDER_JOBS)) as pool:
            futures = {
                name: pool.submit(_provider_job, workdir, root, command, environ)
                for name, (root, command) in PROVIDER_JOBS.items()
            }
            yield {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def checkov_report() -> Iterator[Future[str] | None]:
    """checkov's JSON report on infra/terraform, started at once so it runs while the
    provider checks do (None where checkov is not installed)."""
    if not CHECKOV.exists():
        yield None
        return
    command = [str(CHECKOV), "-d", str(TERRAFORM), "--framework", "terraform", "--skip-download", "-o", "json"]
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(
            lambda: subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300, check=False).stdout
        )


@pytest.mark.parametrize("job", ["validate-dev", "validate-bootstrap"])
def test_terraform_validates_against_the_aws_provider(
    checkov_report: object, provider_checks: dict[str, tuple[int, str]], job: str
) -> None:
    """Given a root configuration (dev covers its backend, provider and the stack; sit and prod
    differ only in values), when it is validated with the AWS provider's schema, then
    Terraform accepts it."""
    returncode, output = provider_checks[job]

    assert returncode == 0, output[-3000:]
    assert json.loads(output[output.index("{") :])["valid"] is True


def test_the_stack_applies_against_a_mocked_provider(provider_checks: dict[str, tuple[int, str]]) -> None:
    """Given the stack and its terraform tests, when `terraform test` plans and applies it with
    a mocked AWS provider, then every run passes (wiring, for_each keys, preconditions and the
    assertions on names, tables, queues and alarms)."""
    returncode, output = provider_checks["test-stack"]

    assert returncode == 0, output[-3000:]
    assert "0 failed" in output


def report_totals(reports: list[dict[str, Any]]) -> dict[str, int]:
    return {key: sum(r["summary"][key] for r in reports) for key in ("passed", "failed", "parsing_errors")}


def test_checkov_finds_no_failed_check(checkov_report: Future[str] | None) -> None:
    """Given infra/terraform, when checkov scans it (its own environment, .venv-checkov, from
    `make iac-scan`), then no check fails; every skip is inline with its reason."""
    if checkov_report is None:
        pytest.skip(".venv-checkov is not installed (make iac-scan creates it)")
    report = json.loads(checkov_report.result())
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{c['check_id']} {c['resource']} {c['file_path']}" for r in reports for c in r["results"]["failed_checks"]
    ]
    skipped = [c for r in reports for c in r["results"]["skipped_checks"]]

    assert failed == []
    assert report_totals(reports)["parsing_errors"] == 0
    assert all(c["check_result"]["suppress_comment"].strip() for c in skipped)
