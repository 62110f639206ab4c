"""The Terraform parses, is formatted, validates against the provider and passes checkov."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
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


@pytest.mark.parametrize("root", [ENVIRONMENTS / "dev", BOOTSTRAP], ids=lambda p: p.name)
def test_terraform_validates_against_the_aws_provider(root: Path) -> None:
    """Given a root configuration (dev covers the stack and every module; sit and prod differ
    only in values), when it is initialised from the local provider mirror and validated, then
    Terraform accepts it. Skipped where no provider can be installed."""
    if TERRAFORM_BIN is None or not PROVIDER_MIRROR.is_dir():
        pytest.skip("terraform or a local AWS provider mirror is not available")
    mirror = f'provider_installation {{\n  filesystem_mirror {{\n    path = "{PROVIDER_MIRROR}"\n  }}\n}}\n'
    with tempfile.TemporaryDirectory() as workdir:
        copy = Path(workdir) / "terraform"
        shutil.copytree(TERRAFORM, copy, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
        shutil.copytree(ROOT / "templates", Path(workdir) / "templates", dirs_exist_ok=True) if (
            ROOT / "templates"
        ).is_dir() else None
        cwd = copy / root.relative_to(TERRAFORM)
        environ = _terraform_environ(Path(workdir), mirror)
        init = subprocess.run(
            [TERRAFORM_BIN, "init", "-backend=false", "-input=false", "-no-color"],
            capture_output=True, text=True, cwd=cwd, env=environ, timeout=120, check=False,
        )  # fmt: skip
        if init.returncode != 0:
            pytest.skip(f"the provider mirror cannot serve this configuration: {init.stderr[-300:]}")
        validate = subprocess.run(
            [TERRAFORM_BIN, "validate", "-json", "-no-color"],
            capture_output=True, text=True, cwd=cwd, env=environ, timeout=120, check=False,
        )  # fmt: skip
    result = json.loads(validate.stdout)
    assert result["valid"] is True, result["diagnostics"]
    assert [d for d in result["diagnostics"] if d["severity"] == "error"] == []


def report_totals(reports: list[dict[str, Any]]) -> dict[str, int]:
    return {key: sum(r["summary"][key] for r in reports) for key in ("passed", "failed", "parsing_errors")}


def test_checkov_finds_no_failed_check() -> None:
    """Given infra/terraform, when checkov scans it (its own environment, .venv-checkov, from
    `make iac-scan`), then no check fails; every skip is inline with its reason."""
    if not CHECKOV.exists():
        pytest.skip(".venv-checkov is not installed (make iac-scan creates it)")
    answer = subprocess.run(
        [str(CHECKOV), "-d", str(TERRAFORM), "--framework", "terraform", "--skip-download", "-o", "json"],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
    )  # fmt: skip
    report = json.loads(answer.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{c['check_id']} {c['resource']} {c['file_path']}" for r in reports for c in r["results"]["failed_checks"]
    ]
    skipped = [c for r in reports for c in r["results"]["skipped_checks"]]

    assert failed == []
    assert report_totals(reports)["parsing_errors"] == 0
    assert all(c["check_result"]["suppress_comment"].strip() for c in skipped)
