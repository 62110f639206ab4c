"""Byte-identical artifacts from any checkout: two clones at different paths, built by processes
with different umasks and time zones, each with its own virtual environment and its own
packaging cache (so each installs the wheels itself), give the same sha256 for every zip and
the same manifest; every RECORD in every zip is true."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bbws.core.functions import FUNCTIONS
from bbws.delivery.manifest import Manifest
from bbws.delivery.records import check_records
from bbws.delivery.verify import verify

from .conftest import REPO_ROOT

BBWS = Path(sys.executable).with_name("bbws")


def _clone(destination: Path) -> Path:
    """A fresh checkout of the repository's committed tree (a copy when it is not a git work tree)."""
    inside = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True, check=False
    )
    if inside.returncode == 0 and shutil.which("git"):
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(destination)], check=True)
    else:  # pragma: no cover - the suite runs from a git checkout
        shutil.copytree(REPO_ROOT, destination, ignore=shutil.ignore_patterns(".venv*", ".bbws", "dist", "__pycache__"))
    return destination


def _package(project: Path, *, umask: str, tz: str) -> Path:
    """`bbws package` for every function in `project`, as a user there would run it: a virtual
    environment in the checkout (uv finds it, and writes its path into script shebangs) and
    the default cache inside the checkout."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(project / ".venv")], check=True)
    environ = {key: value for key, value in os.environ.items() if key not in {"SOURCE_DATE_EPOCH", "VIRTUAL_ENV"}}
    environ["TZ"] = tz
    result = subprocess.run(
        ["sh", "-c", f'umask {umask} && exec "$0" package --out dist', str(BBWS)],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "dist"


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first = _clone(tmp_path_factory.mktemp("checkout") / "bbws")
    second = _clone(tmp_path_factory.mktemp("elsewhere") / "deeper" / "path" / "platform")
    # the checkouts' own files differ in mode (umask) and modification time
    for path in second.rglob("*"):
        if ".git" not in path.parts:
            os.utime(path, (1_600_000_000, 1_600_000_000), follow_symlinks=False)
    return _package(first, umask="022", tz="UTC"), _package(second, umask="077", tz="Pacific/Kiritimati")


def test_two_checkouts_give_the_same_bytes_for_every_artifact(two_builds: tuple[Path, Path]) -> None:
    first, second = two_builds
    names = sorted(path.name for path in first.iterdir())
    # Then every function was built, and every file (zips and manifest) is byte for byte the same
    assert names == sorted([*(f"{f.name}.zip" for f in FUNCTIONS), "manifest.json"])
    assert sorted(path.name for path in second.iterdir()) == names
    different = [name for name in names if (first / name).read_bytes() != (second / name).read_bytes()]
    assert different == []
    manifest = Manifest.read(first)
    assert {name: a.sha256 for name, a in Manifest.read(second).functions.items()} == {
        name: a.sha256 for name, a in manifest.functions.items()
    }


def test_every_record_lists_exactly_the_shipped_files_with_their_true_hashes(two_builds: tuple[Path, Path]) -> None:
    first, _ = two_builds
    for function in FUNCTIONS:
        with zipfile.ZipFile(first / f"{function.name}.zip") as archive:
            names = archive.namelist()
            assert check_records(names, archive.read, project_package="bbws") == [], function.name
            # no installer script (their shebangs name the build machine's interpreter) ships or is listed
            assert not [name for name in names if name.startswith("bin/")]
            records = [archive.read(name).decode() for name in names if name.endswith(".dist-info/RECORD")]
            assert records
            assert not [line for record in records for line in record.splitlines() if line.startswith("bin/")]
            # nor any per-user or per-file-system data: no extra fields, Unix creator, fixed mode
            assert {info.extra for info in archive.infolist()} == {b""}


def test_every_zip_boots_under_the_runtime_client_and_answers(two_builds: tuple[Path, Path]) -> None:
    # Given the seven zips of a fresh clone: each boots under awslambdaric and answers its event
    first, _ = two_builds
    report = verify(first, REPO_ROOT, candidates=[sys.executable])
    failures = {result.name: [str(f) for f in result.findings] for result in report.functions if not result.ok}
    assert failures == {}
    assert sorted(result.name for result in report.functions if result.booted) == sorted(f.name for f in FUNCTIONS)
