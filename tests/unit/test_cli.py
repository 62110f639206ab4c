"""`bbws --help` imports none of the delivery and operations machinery, and loses no command."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from bbws.cli import LAZY, app, load

MODULES = sorted({module for module, _ in LAZY.values()})
# rich: typer's rich help formatter alone costs ~0.3 s of CPU (the help pages are plain)
HEAVY = ("boto3", "pydantic", "moto", "rich", "bbws.delivery", "bbws.operations")


def _summary(command: object) -> str:
    return " ".join(str(getattr(command, "help", "") or "").strip().split("\n\n")[0].split())


def test_every_registered_command_is_listed_under_its_own_summary() -> None:
    registered = {name: (module, _summary(command)) for module in MODULES for name, command in load(module).items()}
    assert registered == LAZY


def test_help_lists_every_command_without_importing_them() -> None:
    probe = (
        "import sys\n"
        "from bbws.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('HEAVY', sorted(m for m in sys.modules if m.startswith({HEAVY!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False,
                            env={**os.environ, "COLUMNS": "200"})  # fmt: skip
    assert "HEAVY []" in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]
    for name in [*LAZY, "local"]:
        assert f" {name} " in result.stdout


def test_a_lazy_command_runs_with_its_own_options() -> None:
    result = CliRunner().invoke(app, ["environments", "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    assert CliRunner().invoke(app, ["no-such-command"]).exit_code == 2


def test_help_compiles_nothing_even_where_python_writes_no_bytecode() -> None:
    # Given a shell with PYTHONDONTWRITEBYTECODE=1 (set on many CI and sandbox machines), where
    # Python would compile every module the help needs on every run (typer, rich, pygments, ...:
    # about twice the time of the whole `bbws --help`)
    probe = (
        "import sys, os, sysconfig\n"
        "from bbws.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "site = sysconfig.get_paths()['purelib']\n"
        "missing = sorted(m.__name__ for m in list(sys.modules.values())\n"
        "                 if (getattr(m, '__file__', None) or '').startswith(site) and m.__file__.endswith('.py')\n"
        "                 and not os.path.exists(m.__cached__ or ''))\n"
        "print('UNCOMPILED', missing)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})  # fmt: skip
    # Then every third-party module it loads was compiled when the environment was made
    # (`compile-bytecode` in pyproject.toml's [tool.uv], so `make install` and `uv sync` do it)
    assert "UNCOMPILED []" in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]
