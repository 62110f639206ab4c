"""`bbws package` end to end for one function: real wheels from the lock, deterministic zips.

The dependency tree is installed once into the repository's `.bbws/cache` (as `make package`
does), so only the first run on a machine downloads anything.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery import packaging
from bbws.delivery.dependencies import PackagingError
from bbws.delivery.manifest import Manifest
from bbws.delivery.packaging import BuildOptions, build
from bbws.delivery.targets import Target
from bbws.delivery.verify import verify

from .conftest import REPO_ROOT, NativeFixtures

CACHE = REPO_ROOT / ".bbws" / "cache"


def _copy_project(destination: Path) -> Path:
    """A copy of the project's sources and lock, so tests can touch files freely."""
    shutil.copytree(REPO_ROOT / "src", destination / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy2(REPO_ROOT / name, destination / name)
    return destination


@dataclass(frozen=True)
class HealthBuild:
    project: Path  # a private copy of the repository's sources and lock
    out: Path
    manifest: Manifest


@pytest.fixture(scope="module")
def health_build(tmp_path_factory: pytest.TempPathFactory) -> HealthBuild:
    """Given the health function packaged for python3.12 on x86_64 from a copy of the project."""
    project = _copy_project(tmp_path_factory.mktemp("project"))
    out = project / "dist"
    options = BuildOptions(project_root=project, out=out, functions=("health",), cache_dir=CACHE, reuse_zips=False)
    return HealthBuild(project, out, build(options).manifest)


def test_the_manifest_describes_each_zip(health_build: HealthBuild) -> None:
    out, manifest = health_build.out, health_build.manifest
    artifact = manifest.functions["health"]
    # Then the manifest records its identity, size, handler and target
    assert Manifest.read(out) == manifest
    assert (out / artifact.file).stat().st_size == artifact.size
    assert artifact.handler == "bbws.health.handlers.api.lambda_handler"
    assert (artifact.runtime, artifact.architecture) == ("python3.12", "x86_64")
    assert manifest.python_platform == "x86_64-manylinux_2_34"
    assert len(artifact.sha256) == 64


def test_a_function_gets_only_the_dependencies_its_imports_reach(health_build: HealthBuild) -> None:
    manifest = health_build.manifest
    names = {pin.split("==")[0] for pin in manifest.functions["health"].distributions}
    # pydantic_core comes in through pydantic; the tracer extra of powertools through the lock
    assert {"pydantic", "pydantic-core", "aws-lambda-powertools", "aws-xray-sdk", "boto3", "botocore"} <= names
    # health renders no email, so it carries no template engine
    assert "jinja2" not in names
    assert "markupsafe" not in names


def test_every_native_file_was_inspected(health_build: HealthBuild) -> None:
    manifest = health_build.manifest
    native = {record.path: record for record in manifest.functions["health"].native_files}
    core = next(path for path in native if path.startswith("pydantic_core/"))
    assert native[core].machine == "EM_X86_64"
    assert native[core].abi == "cpython-312-x86_64-linux-gnu"


def test_zip_entries_are_sorted_with_fixed_times_and_modes_and_no_bytecode(health_build: HealthBuild) -> None:
    out = health_build.out
    with zipfile.ZipFile(out / "health.zip") as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert "bbws/health/handlers/api.py" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert not [name for name in names if name.startswith("bbws/local") or name.startswith("bbws/delivery")]
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    modes = {stat.S_IMODE(info.external_attr >> 16) for info in infos if not info.is_dir()}
    assert modes == {0o644}
    assert {stat.S_IMODE(info.external_attr >> 16) for info in infos if info.is_dir()} == {0o755}


def test_two_builds_are_identical_even_when_every_mtime_changes(tmp_path: Path, health_build: HealthBuild) -> None:
    # Given every file of the project gets a new modification time
    for path in health_build.project.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    # When it is packaged again without reusing any cached zip
    options = BuildOptions(
        project_root=health_build.project,
        out=tmp_path / "dist",
        functions=("health",),
        cache_dir=CACHE,
        reuse_zips=False,
    )
    second = build(options).manifest
    # Then the artifact and the manifest are byte for byte the same
    assert second.functions["health"].sha256 == health_build.manifest.functions["health"].sha256
    assert second.dumps() == health_build.manifest.dumps()
    assert (tmp_path / "dist" / "health.zip").read_bytes() == (health_build.out / "health.zip").read_bytes()


def test_an_unchanged_rebuild_comes_from_the_cache(tmp_path: Path, health_build: HealthBuild) -> None:
    options = BuildOptions(
        project_root=health_build.project, out=tmp_path / "dist", functions=("health",), cache_dir=CACHE
    )
    again = build(options)
    assert again.site_from_cache
    assert again.zips_from_cache == ("health",)
    assert again.manifest.functions["health"].sha256 == health_build.manifest.functions["health"].sha256


def test_a_source_change_changes_the_artifact(tmp_path: Path, health_build: HealthBuild) -> None:
    project = _copy_project(tmp_path / "project")
    handler = project / "src" / "bbws" / "health" / "handlers" / "api.py"
    # unique per run: the zip cache is shared between runs, and a cached earlier change would hit
    handler.write_text(handler.read_text() + f"\n# changed {uuid.uuid4()}\n")
    changed = build(BuildOptions(project_root=project, out=tmp_path / "dist", functions=("health",), cache_dir=CACHE))
    assert changed.zips_from_cache == ()
    assert changed.manifest.functions["health"].sha256 != health_build.manifest.functions["health"].sha256


def test_an_unknown_function_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="unknown function"):
        build(BuildOptions(project_root=REPO_ROOT, out=tmp_path, functions=("nope",)))


def test_a_handler_module_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "project")
    shutil.rmtree(project / "src" / "bbws" / "health")
    with pytest.raises(PackagingError, match=r"health: handler module bbws\.health\.handlers\.api not found"):
        build(BuildOptions(project_root=project, out=tmp_path / "dist", functions=("health",), cache_dir=CACHE))


def test_the_command_builds_and_prints_a_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, health_build: HealthBuild
) -> None:
    monkeypatch.chdir(health_build.project)
    out = tmp_path / "dist"
    result = CliRunner().invoke(app, ["package", "--out", str(out), "--function", "health", "--cache-dir", str(CACHE)])
    assert result.exit_code == 0, result.output
    assert "health" in result.output
    assert Manifest.read(out).functions["health"].handler == "bbws.health.handlers.api.lambda_handler"


def test_the_arm64_target_asks_for_aarch64_wheels() -> None:
    target = Target.of("python3.12", "arm64")
    assert target.python_platform == "aarch64-manylinux_2_34"
    assert target.extension_suffix == ".cpython-312-aarch64-linux-gnu.so"
    with pytest.raises(ValueError, match="unknown runtime"):
        Target.of("python2.7")


@pytest.mark.parametrize(
    ("limit", "message"), [("MAX_ZIPPED_BYTES", "bytes zipped"), ("MAX_UNZIPPED_BYTES", "bytes unzipped")]
)
def test_lambda_size_limits_are_enforced(
    tmp_path: Path, health_build: HealthBuild, monkeypatch: pytest.MonkeyPatch, limit: str, message: str
) -> None:
    # Given Lambda's limit were smaller than the health zip
    monkeypatch.setattr(packaging, limit, 1_000_000)
    options = BuildOptions(
        project_root=health_build.project, out=tmp_path / "dist", functions=("health",), cache_dir=CACHE
    )
    # Then packaging refuses, naming the zip
    with pytest.raises(PackagingError, match=rf"health\.zip: \d+ {message}, over Lambda's 1000000 limit"):
        build(options)


def test_the_zip_cache_keeps_only_the_most_recently_used(tmp_path: Path) -> None:
    for index in range(5):
        path = tmp_path / f"{index}.zip"
        path.write_bytes(b"")
        os.utime(path, (1_700_000_000 + index, 1_700_000_000 + index))
    packaging._prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["3.zip", "4.zip"]


def test_every_native_file_records_what_it_needs(health_build: HealthBuild) -> None:
    native = {record.path: record for record in health_build.manifest.functions["health"].native_files}
    core = native[next(path for path in native if path.startswith("pydantic_core/"))]
    assert "libc.so.6" in core.needed
    assert any(version.startswith("GLIBC_2.") for version in core.symbol_versions)


@pytest.mark.parametrize(
    ("member", "kind", "reason"),
    [
        ("pkg/_x.cpython-312-x86_64-linux-gnu.so", "mach-o", "Mach-O (macOS)"),
        ("pkg/_cv.abi3.so", "glibcxx", "needs GLIBCXX_3.4.30 from libstdc++.so.6"),
        ("pkg/_needs.abi3.so", "needs-dep", "needs libbbwsdep.so.1, which is neither in the zip"),
    ],
)
def test_packaging_refuses_native_code_lambda_cannot_load(
    native: NativeFixtures, member: str, kind: str, reason: str
) -> None:
    data = {"mach-o": b"\xcf\xfa\xed\xfe" + b"\x00" * 60, "glibcxx": native.new_glibcxx, "needs-dep": native.needs_dep}
    entries: dict[str, Path | bytes] = {"bbws/handler.py": b"", member: data[kind]}
    with pytest.raises(
        PackagingError, match=rf"incompatible native code:\n  health: {re.escape(member)}: {re.escape(reason)}"
    ):
        packaging.inspect_native(entries, Target.of("python3.12"), "health")


def test_the_health_zip_boots_under_the_runtime_client(health_build: HealthBuild) -> None:
    # Given the real health zip: it boots under awslambdaric and answers GET /v1.0/health
    report = verify(health_build.out, REPO_ROOT, candidates=[sys.executable])
    assert report.ok, [str(f) for f in report.functions[0].findings]
    assert report.functions[0].booted is True
