"""Third-party code for a function: the locked runtime dependencies, installed for the target.

`uv export` turns uv.lock into the exact runtime requirement set (no dev or CLI extras); `uv pip
install --target --python-platform --only-binary :all:` installs it from wheels built for the
target, with no Docker and no compiler. The installed tree is cached under
`.bbws/cache/site-<key>`, keyed by the requirement set, the target and uv's version, so an
unchanged rebuild never installs again. Each function then takes only the distributions its
imports reach through the lock's dependency graph.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bbws.delivery.targets import Target

# Provided by every Python Lambda runtime. Bundling our own copy is the default (the runtime's
# copy changes without notice; the locked one is what the tests ran against); `--no-bundle-boto3`
# leaves them out to save ~20 MB per zip.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"})


def normalize(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


class PackagingError(Exception):
    """A function cannot be packaged; the message names the file and the reason."""


def find_uv() -> str:
    """uv beside the running interpreter (the project's .venv), else on PATH."""
    beside = Path(sys.executable).with_name("uv")
    if beside.is_file():
        return str(beside)
    found = shutil.which("uv")
    if found is None:
        raise PackagingError("uv not found: run `make install` (uv is a dev dependency of the project)")
    return found


def _run(command: list[str], cwd: Path) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    if result.returncode != 0:
        raise PackagingError(f"`{' '.join(command[:3])} ...` failed:\n{result.stderr.strip()}")
    return result.stdout


def export_requirements(project_root: Path, uv: str | None = None) -> str:
    """The locked runtime requirements (what `[project].dependencies` resolves to in uv.lock)."""
    uv = uv or find_uv()
    text = _run(
        [uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "--no-header", "--no-annotate"],
        project_root,
    )
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return "\n".join(sorted(lines)) + "\n"


def requirement_names(requirements: str) -> set[str]:
    names: set[str] = set()
    for line in requirements.splitlines():
        match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if match:
            names.add(normalize(match.group(1)))
    return names


@dataclass(frozen=True)
class LockGraph:
    """Who depends on whom in uv.lock, with the extras the project asks for."""

    dependencies: dict[str, frozenset[str]]  # package -> packages it needs (extras resolved)
    project_requirements: frozenset[str]

    @classmethod
    def load(cls, lock_path: Path, project_name: str = "bbws") -> LockGraph:
        data = tomllib.loads(lock_path.read_text(encoding="utf-8"))
        packages = {normalize(p["name"]): p for p in data.get("package", [])}

        def edges(entries: Iterable[dict[str, object]]) -> set[str]:
            found: set[str] = set()
            for entry in entries:
                name = normalize(str(entry["name"]))
                found.add(name)
                extras = entry.get("extra", [])
                optional = packages.get(name, {}).get("optional-dependencies", {})
                for extra in extras if isinstance(extras, list) else []:
                    found.update(normalize(str(dep["name"])) for dep in optional.get(extra, []))
            return found

        graph: dict[str, frozenset[str]] = {}
        for name, package in packages.items():
            graph[name] = frozenset(edges(package.get("dependencies", [])))
        project = packages.get(normalize(project_name), {})
        # A dependency's extras pull in more packages; attach them to the dependency itself so
        # the closure of "aws-lambda-powertools" includes the tracer and validation extras.
        for entry in project.get("dependencies", []):
            name = normalize(str(entry["name"]))
            optional = packages.get(name, {}).get("optional-dependencies", {})
            extra_deps = {
                normalize(str(dep["name"])) for extra in entry.get("extra", []) for dep in optional.get(extra, [])
            }
            graph[name] = graph.get(name, frozenset()) | extra_deps
        return cls(graph, frozenset(normalize(str(e["name"])) for e in project.get("dependencies", [])))

    def closure(self, roots: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        pending = [normalize(root) for root in roots]
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            pending.extend(self.dependencies.get(name, frozenset()))
        return seen


@dataclass
class Distribution:
    """One installed distribution in the target tree: its files and top-level modules."""

    name: str
    version: str
    files: list[str] = field(default_factory=list)  # paths relative to the site directory
    top_levels: set[str] = field(default_factory=set)
    dist_info: str = ""  # the .dist-info directory's name, e.g. "jmespath-1.1.0.dist-info"

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"


def scan_site(site: Path) -> dict[str, Distribution]:
    """Index an installed tree by its dist-info RECORD files."""
    found: dict[str, Distribution] = {}
    for dist_info in sorted(site.glob("*.dist-info")):
        name, _, version = dist_info.name.removesuffix(".dist-info").rpartition("-")
        record = dist_info / "RECORD"
        if not record.is_file():
            raise PackagingError(f"{record}: missing; cannot tell which files belong to {name}")
        distribution = Distribution(normalize(name), version, dist_info=dist_info.name)
        for line in record.read_text(encoding="utf-8").splitlines():
            path = line.rsplit(",", 2)[0].strip()
            # Scripts land outside the import tree (bin/, ../); Lambda never runs them.
            if not path or path.startswith(("../", "/", "bin/")) or "__pycache__" in path or path.endswith(".pyc"):
                continue
            distribution.files.append(path)
            top = path.split("/", 1)[0]
            if not top.endswith((".dist-info", ".data")):
                distribution.top_levels.add(top.removesuffix(".py").split(".", 1)[0])
        found[distribution.name] = distribution
    return found


class Installer(Protocol):
    """Installs a requirement set for a target into a directory (uv in production, a fake in tests)."""

    def install(self, requirements: str, destination: Path, target: Target) -> None: ...

    def identity(self) -> str:
        """Part of the cache key: a different installer may produce a different tree."""
        ...


@dataclass(frozen=True)
class UvInstaller:
    project_root: Path
    uv: str = field(default_factory=find_uv)

    def identity(self) -> str:
        return _run([self.uv, "--version"], self.project_root).strip()

    def install(self, requirements: str, destination: Path, target: Target, *, resolve: bool = False) -> None:
        """Install exactly `requirements` (`resolve`: and what they depend on, resolved by uv)."""
        requirements_file = destination.parent / f"{destination.name}.requirements.txt"
        requirements_file.write_text(requirements, encoding="utf-8")
        try:
            _run(
                [
                    self.uv, "pip", "install", "--quiet", *(() if resolve else ("--no-deps",)), "--no-compile",
                    "--target", str(destination),
                    "--python-platform", target.python_platform,
                    "--python-version", target.runtime.python_version,
                    "--only-binary", ":all:",
                    "-r", str(requirements_file),
                ],
                self.project_root,
            )  # fmt: skip
        finally:
            requirements_file.unlink(missing_ok=True)


def cached_site(cache_dir: Path, requirements: str, target: Target, installer: Installer) -> tuple[Path, bool]:
    """The installed dependency tree for `target`, from the cache when present. Returns the
    directory and whether it came from the cache. Safe when two builds race: each installs
    into its own temporary directory and the first rename wins."""
    key_source = "\n".join([requirements, target.python_platform, target.runtime.python_version, installer.identity()])
    key = hashlib.sha256(key_source.encode()).hexdigest()[:24]
    site = cache_dir / f"site-{target.runtime.name}-{target.architecture.value}-{key}"
    if site.is_dir():
        return site, True
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="site-", dir=cache_dir))
    try:
        installer.install(requirements, staging / "site", target)
        try:
            os.rename(staging / "site", site)
        except OSError:
            if not site.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return site, False


def distributions_for(
    third_party: dict[str, set[str]],
    installed: dict[str, Distribution],
    graph: LockGraph,
    *,
    bundle_runtime_provided: bool,
) -> list[Distribution]:
    """The distributions a function's third-party imports need, following the lock graph.
    Raises PackagingError naming the importing file for an import no runtime dependency provides."""
    by_top_level: dict[str, str] = {}
    for distribution in installed.values():
        for top in distribution.top_levels:
            by_top_level.setdefault(top, distribution.name)
    roots: set[str] = set()
    for module, importers in sorted(third_party.items()):
        if module not in by_top_level:
            where = ", ".join(sorted(importers))
            raise PackagingError(
                f"{where}: imports {module!r}, which no runtime dependency in uv.lock provides "
                "(add it to [project].dependencies, or move the import out of runtime code)",
            )
        roots.add(by_top_level[module])
    needed = graph.closure(roots) & set(installed)
    if not bundle_runtime_provided:
        needed -= RUNTIME_PROVIDED
    return [installed[name] for name in sorted(needed)]
