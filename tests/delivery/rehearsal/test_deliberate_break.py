"""The real rehearsal (Terraform applied to the emulator) fails naming the resource when the
Terraform alone is broken: a handler string that does not exist.

Slow (a whole rehearsal, 3-5 minutes), so it runs only when asked: `make rehearse-break`
(BBWS_REHEARSAL_TESTS=1), with Terraform >= 1.10 and the AWS provider available; `make test`
skips it. The break is made in a copy of `infra/` beside links to the checkout's code, so the
checkout is never modified."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bbws.core.functions import BY_NAME
from bbws.delivery.accounts import ENVIRONMENTS
from bbws.delivery.rehearsal import terraform as tf
from bbws.delivery.rehearsal.run import Options, rehearse, stale_reason

ROOT = Path(__file__).resolve().parents[3]
BROKEN = "orders-consumer"
TIME_LIMIT = 600.0  # seconds; a passing rehearsal takes 150-300 here


def _terraform_or_skip() -> tf.Terraform:
    if os.environ.get("BBWS_REHEARSAL_TESTS") != "1":
        pytest.skip("a whole deploy rehearsal (minutes): run with `make rehearse-break`")
    try:
        found = tf.find_terraform()
    except tf.ToolMissing as missing:
        pytest.skip(str(missing))
    if found.mirror is None:
        pytest.skip("no filesystem mirror of hashicorp/aws (BBWS_TF_PROVIDER_MIRROR): init would need the registry")
    return found


def _project_with_terraform_only_broken(tmp_path: Path) -> tuple[Path, str]:
    """A project root: a copy of infra/ with one function's handler misspelt, links to the
    checkout's code, lock file and templates, and its dist/ (when current)."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(ROOT / "infra", project / "infra", symlinks=True, ignore=shutil.ignore_patterns(".terraform*"))
    for name in ("src", "templates", "pyproject.toml", "uv.lock", "openapi"):
        if (ROOT / name).exists():
            (project / name).symlink_to(ROOT / name)
    if stale_reason(ROOT, ROOT / "dist") is None:
        shutil.copytree(ROOT / "dist", project / "dist")  # copy2: the build's times, so still current
    functions_tf = project / "infra" / "terraform" / "stack" / "functions.tf"
    good = BY_NAME[BROKEN].lambda_handler
    text = functions_tf.read_text(encoding="utf-8")
    assert text.count(f'"{good}"') == 1, f"{good} is not written once in {functions_tf}"
    misspelt = good.replace("lambda_handler", "lambda_handlr")
    functions_tf.write_text(text.replace(f'"{good}"', f'"{misspelt}"'), encoding="utf-8")
    return project, misspelt


def test_a_handler_misspelt_in_terraform_only_fails_the_rehearsal_naming_the_function(tmp_path: Path) -> None:
    _terraform_or_skip()
    project, misspelt = _project_with_terraform_only_broken(tmp_path)
    env = ENVIRONMENTS["dev"]

    outcome = rehearse(Options(env=env, project_root=project, time_limit=TIME_LIMIT))

    by_name = {phase.name: phase for phase in outcome.phases}
    assert by_name["apply"].ok, by_name["apply"].detail  # AWS takes any handler string; the apply passes
    failure = outcome.first_failure
    assert failure is not None
    assert failure.name == "checks"
    assert f"function {env.function_name(BROKEN)}" in failure.detail
    failing = [check for check in outcome.checks if not check.ok]
    assert [check.name for check in failing] == [f"function {env.function_name(BROKEN)}"]
    assert misspelt in failing[0].describe()
    assert by_name["destroy"].ok, by_name["destroy"].detail  # and nothing is left behind
