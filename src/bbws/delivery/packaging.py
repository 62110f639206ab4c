"""`bbws package`: one deterministic, inspected zip per Lambda function, and the manifest."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bbws.core.functions import BY_NAME, FUNCTIONS, LambdaFunction
from bbws.delivery import elf
from bbws.delivery.archive import fixed_timestamp, is_excluded, sha256_of, write_zip
from bbws.delivery.dependencies import (
    Distribution,
    Installer,
    LockGraph,
    PackagingError,
    UvInstaller,
    cached_site,
    distributions_for,
    export_requirements,
    scan_site,
)
from bbws.delivery.manifest import FunctionArtifact, Manifest, NativeFileRecord
from bbws.delivery.native import check_native
from bbws.delivery.records import record_hash, record_path, render_record
from bbws.delivery.sources import select_sources
from bbws.delivery.targets import MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES, Target, format_glibc

# Bump when the zip layout changes, so cached zips from an older layout are not reused.
_LAYOUT_VERSION = "3"
# Cached zips kept (least recently used go first): a few builds' worth of seven ~20 MB zips.
_KEEP_CACHED_ZIPS = 42

Report = Callable[[str, str], None]  # (function name, what is happening)


def _silent(_function: str, _message: str) -> None:
    return None


@dataclass
class BuildOptions:
    project_root: Path
    out: Path
    target: Target = field(default_factory=Target.of)
    functions: tuple[str, ...] = ()  # empty: all of them
    bundle_runtime_provided: bool = True
    cache_dir: Path | None = None  # default: <project_root>/.bbws/cache
    installer: Installer | None = None  # default: uv
    requirements: str | None = None  # default: `uv export` of the project's lock
    reuse_zips: bool = True  # False: always write the zips (the determinism test compares bytes)

    def selected(self) -> list[LambdaFunction]:
        unknown = sorted(set(self.functions) - set(BY_NAME))
        if unknown:
            raise PackagingError(f"unknown function(s): {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
        return [f for f in FUNCTIONS if not self.functions or f.name in self.functions]


@dataclass(frozen=True)
class BuildResult:
    manifest: Manifest
    site_from_cache: bool
    zips_from_cache: tuple[str, ...]


@dataclass
class NativeMemo:
    """What one build learnt about its files' native code; the functions share dependency files."""

    heads: dict[Path, bytes] = field(default_factory=dict)
    parsed: dict[Path, elf.NativeFile | str] = field(default_factory=dict)


def inspect_native(
    entries: dict[str, Path | bytes],
    target: Target,
    label: str,
    memo: NativeMemo | None = None,
) -> list[NativeFileRecord]:
    """Inspect every native file among `entries` as Lambda's loader would (native.py); raise
    naming each file that cannot load on `target`."""
    memo = NativeMemo() if memo is None else memo

    def head(name: str) -> bytes:
        source = entries[name]
        if isinstance(source, bytes):
            return source[: elf.HEAD_BYTES]
        if source not in memo.heads:
            with source.open("rb") as handle:
                memo.heads[source] = handle.read(elf.HEAD_BYTES)
        return memo.heads[source]

    def read(name: str) -> bytes:
        source = entries[name]
        return source if isinstance(source, bytes) else source.read_bytes()

    def parse(name: str) -> elf.NativeFile:
        source = entries[name]
        if isinstance(source, bytes):
            return elf.inspect(name, source)
        if source not in memo.parsed:
            try:
                memo.parsed[source] = elf.inspect(name, source.read_bytes())
            except ValueError as error:
                memo.parsed[source] = str(error)
        result = memo.parsed[source]
        if isinstance(result, str):
            raise ValueError(result)
        return replace(result, path=name)

    report = check_native(entries, head, read, target, parse)
    if report.problems:
        lines = [f"{label}: {problem.file}: {problem.reason}" for problem in report.problems]
        raise PackagingError("incompatible native code:\n  " + "\n  ".join(lines))
    return [
        NativeFileRecord(
            path=native.path,
            machine=native.machine,
            glibc=None if native.glibc is None else format_glibc(native.glibc),
            abi=native.abi,
            needed=list(native.needed),
            symbol_versions=native.version_summary(),
        )
        for native in sorted(report.files, key=lambda native: native.path)
    ]


def true_record(dist_info: str, shipped: dict[str, Path], hashes: dict[Path, tuple[str, int]]) -> bytes:
    """The RECORD of a distribution as shipped: the installer's RECORD also lists files the zip
    leaves out (a `bin/` script whose shebang holds this checkout's interpreter path), so it is
    written again from the shipped files' own bytes. `hashes` memoises across functions."""
    listed: dict[str, tuple[str, int]] = {}
    for name, path in shipped.items():
        if name == record_path(dist_info):
            continue
        if path not in hashes:
            data = path.read_bytes()
            hashes[path] = (record_hash(data), len(data))
        listed[name] = hashes[path]
    return render_record(dist_info, listed)


def _zip_cache_key(
    sources: dict[str, Path], dependency_files: Iterable[str], site: Path, distributions: Iterable[Distribution]
) -> str:
    """Identity of a zip's inputs. Dependency files are identified by the (immutable) cached
    site, the distribution pins and their names; the project's own files by their content."""
    digest = hashlib.sha256()
    digest.update(f"{_LAYOUT_VERSION}\n{site.name}\n{fixed_timestamp()}\n".encode())
    digest.update("\n".join(d.pin for d in distributions).encode())
    digest.update("\n".join(sorted(dependency_files)).encode())
    for name in sorted(sources):
        digest.update(f"\n{name}\0".encode() + hashlib.sha256(sources[name].read_bytes()).digest())
    return digest.hexdigest()


def build(options: BuildOptions, report: Report = _silent) -> BuildResult:
    """Build every selected function's zip into `options.out` and write the manifest."""
    root = options.project_root
    target = options.target
    functions = options.selected()
    cache_dir = options.cache_dir or root / ".bbws" / "cache"
    installer = options.installer or UvInstaller(root)
    lock_path = root / "uv.lock"
    if not lock_path.is_file():
        raise PackagingError(f"{lock_path}: missing; packaging installs exactly what the lock pins")

    report("*", "exporting locked runtime requirements")
    requirements = options.requirements or export_requirements(root)
    report("*", f"installing wheels for {target.python_platform}")
    site, site_from_cache = cached_site(cache_dir, requirements, target, installer)
    installed = scan_site(site)
    graph = LockGraph.load(lock_path)

    options.out.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, FunctionArtifact] = {}
    reused: list[str] = []
    native_memo = NativeMemo()
    parsed: dict[Path, set[str]] = {}
    hashes: dict[Path, tuple[str, int]] = {}
    for function in functions:
        report(function.name, "selecting sources")
        sources = select_sources(root / "src", function, parsed)
        distributions = distributions_for(
            sources.third_party, installed, graph, bundle_runtime_provided=options.bundle_runtime_provided
        )
        entries: dict[str, Path | bytes] = {}
        for distribution in distributions:
            shipped = {relative: site / relative for relative in distribution.files if not is_excluded(relative)}
            entries.update(shipped)
            entries[record_path(distribution.dist_info)] = true_record(distribution.dist_info, shipped, hashes)
        entries.update(sources.files)

        report(function.name, "inspecting native code")
        native = inspect_native(entries, target, function.name, native_memo)

        report(function.name, "writing zip")
        dependency_files = [name for name in entries if name not in sources.files]
        key = _zip_cache_key(sources.files, dependency_files, site, distributions)
        destination = options.out / f"{function.name}.zip"
        was_reused, stats = _write_or_reuse(
            destination, entries, cache_dir / "zips" / f"{key}.zip", reuse=options.reuse_zips
        )
        if was_reused:
            reused.append(function.name)
        artifacts[function.name] = FunctionArtifact(
            file=destination.name,
            sha256=stats[0],
            size=stats[1],
            unzipped_size=stats[2],
            files=stats[3],
            handler=function.lambda_handler,
            service=function.service,
            runtime=target.runtime.name,
            architecture=target.architecture.value,
            distributions=[d.pin for d in distributions],
            native_files=native,
        )
        report(function.name, f"done {stats[1] / 1_048_576:.1f} MB")

    manifest = Manifest(
        runtime=target.runtime.name,
        architecture=target.architecture.value,
        python_platform=target.python_platform,
        lock_sha256=hashlib.sha256(lock_path.read_bytes()).hexdigest(),
        bundles_boto3=options.bundle_runtime_provided,
        functions=artifacts,
    )
    manifest.write(options.out)
    _prune(cache_dir / "zips", _KEEP_CACHED_ZIPS)
    return BuildResult(manifest, site_from_cache, tuple(reused))


def _write_or_reuse(
    destination: Path, entries: dict[str, Path | bytes], cached: Path, *, reuse: bool
) -> tuple[bool, tuple[str, int, int, int]]:
    """Copy the cached zip for these inputs, or write it (and cache it), then hold it to
    Lambda's size limits. Returns whether it was reused, and its (sha256, size, unzipped, files)."""
    reused = reuse and cached.is_file()
    if reused:
        shutil.copyfile(cached, destination)
        os.utime(cached)  # recently used: kept by `_prune`
    else:
        write_zip(destination, entries)
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(destination, cached)
    stats = _stats(destination)
    _, zipped, unzipped, _ = stats
    if zipped > MAX_ZIPPED_BYTES:
        raise PackagingError(f"{destination}: {zipped} bytes zipped, over Lambda's {MAX_ZIPPED_BYTES} limit")
    if unzipped > MAX_UNZIPPED_BYTES:
        raise PackagingError(f"{destination}: {unzipped} bytes unzipped, over Lambda's {MAX_UNZIPPED_BYTES} limit")
    return reused, stats


def _prune(directory: Path, keep: int) -> None:
    """Delete all but the `keep` most recently used zips of the cache."""
    zips = sorted(directory.glob("*.zip"), key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in zips[keep:]:
        stale.unlink(missing_ok=True)


def _stats(path: Path) -> tuple[str, int, int, int]:
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        unzipped = sum(info.file_size for info in infos)
    return sha256_of(path), path.stat().st_size, unzipped, len(infos)
