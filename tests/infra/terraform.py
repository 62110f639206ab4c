"""Reading the Terraform under infra/terraform for tests: parsed HCL and rendered locals.

`load` parses a file with python-hcl2 and strips the quotes it keeps around literal strings
and block labels, so tests compare plain values. `render_locals` evaluates a locals-only file
with `terraform console` (no provider is needed), for the expressions that turn the code's
tables into Terraform (the OpenAPI body, the table schema).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

from tests.infra.codegen import TERRAFORM

MODULES = TERRAFORM / "modules"
STACK = TERRAFORM / "stack"
ENVIRONMENTS = TERRAFORM / "environments"
BOOTSTRAP = TERRAFORM / "bootstrap"

TERRAFORM_BIN = shutil.which("terraform")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items() if k not in ("__comments__", "__is_block__")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


@cache
def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return _plain(hcl2.load(handle))  # type: ignore[no-any-return]


def load_dir(directory: Path) -> dict[str, list[Any]]:
    """Every top-level block kind of a module's .tf files, merged across files."""
    merged: dict[str, list[Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        for kind, blocks in load(path).items():
            merged.setdefault(kind, []).extend(blocks)
    return merged


def resources(directory: Path, resource_type: str) -> dict[str, dict[str, Any]]:
    """The resources of one type in a module, by name."""
    found: dict[str, dict[str, Any]] = {}
    for block in load_dir(directory).get("resource", []):
        for kind, named in block.items():
            if kind == resource_type:
                found.update(named)
    return found


def modules(directory: Path) -> dict[str, dict[str, Any]]:
    """The module calls of a configuration, by name."""
    found: dict[str, dict[str, Any]] = {}
    for block in load_dir(directory).get("module", []):
        found.update(block)
    return found


def locals_of(directory: Path) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for block in load_dir(directory).get("locals", []):
        merged.update(block)
    return merged


def variables(directory: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for block in load_dir(directory).get("variable", []):
        found.update(block)
    return found


def definition(environment: str) -> dict[str, Any]:
    """`local.environment` of an environment's one definition (environment.tf.json)."""
    document = json.loads((ENVIRONMENTS / environment / "environment.tf.json").read_text(encoding="utf-8"))
    return dict(document["locals"]["environment"])


def one(block: Any) -> dict[str, Any]:
    """A nested block python-hcl2 gives as a one-element list."""
    if isinstance(block, list):
        assert len(block) == 1, block
        return dict(block[0])
    return dict(block)


def references(expression: str, name: str) -> set[str]:
    """The keys `expression` uses of a map-valued local, e.g. local.table_arns["orders"]."""
    return set(re.findall(rf'local\.{re.escape(name)}\["([^"]+)"\]', expression))


def squash(expression: object) -> str:
    """An expression without whitespace, to compare regardless of formatting."""
    return re.sub(r"\s+", "", str(expression))


def render_locals(files: list[Path], expression: str, variables_json: dict[str, Any]) -> Any:
    """Evaluate `expression` over the locals of `files` with `terraform console`."""
    assert TERRAFORM_BIN is not None
    with tempfile.TemporaryDirectory() as workdir:
        for path in files:
            shutil.copy(path, workdir)
        (Path(workdir) / "test.auto.tfvars.json").write_text(json.dumps(variables_json), encoding="utf-8")
        config = Path(workdir) / "terraformrc"
        config.write_text("", encoding="utf-8")
        environ = {**os.environ, "TF_CLI_CONFIG_FILE": str(config), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
        answer = subprocess.run(
            [TERRAFORM_BIN, "console"],
            input=f"jsonencode({expression})\n",
            capture_output=True,
            text=True,
            cwd=workdir,
            env=environ,
            timeout=60,
            check=True,
        )
    return json.loads(json.loads(answer.stdout))
