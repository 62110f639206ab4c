"""`bbws verify dist/`: re-check every artifact against the manifest, then import its handler.

Each check names the file it failed on and why. The import runs in a fresh interpreter of the
runtime's Python version (`-I -S`: no site-packages, no user site, no PYTHONPATH) whose only
extra path entry is the extracted zip, with the environment a deployed function would see.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bbws.core.functions import BY_NAME
from bbws.core.settings import ENV_NAMES
from bbws.delivery import elf
from bbws.delivery.archive import is_excluded, sha256_of
from bbws.delivery.dependencies import normalize
from bbws.delivery.manifest import FunctionArtifact, Manifest
from bbws.delivery.records import check_records
from bbws.delivery.targets import MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES, Architecture, Target

_IMPORT_TIMEOUT_SECONDS = 120

# Runs inside the probe interpreter: import the handler, then list any module that was loaded
# from outside the zip and the standard library (a sign the zip is incomplete but the host hid it).
_PROBE = """
import importlib, json, sys, sysconfig
root, module, attribute = sys.argv[1:4]
sys.path.insert(0, root)
handler = getattr(importlib.import_module(module), attribute)
allowed = (root, sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
strays = sorted(
    name for name, loaded in list(sys.modules.items())
    if getattr(loaded, "__file__", None) and not str(loaded.__file__).startswith(allowed)
)
print(json.dumps({"callable": callable(handler), "strays": strays}))
"""

# Settings a function reads at import: dummy values of the right shape (no AWS call happens).
_DUMMY_SETTINGS = {
    "environment": "dev",
    "log_level": "INFO",
    "products_table_name": "verify-products",
    "campaigns_table_name": "verify-campaigns",
    "orders_table_name": "verify-orders",
    "tenants_table_name": "verify-tenants",
    "orders_queue_url": "https://sqs.eu-west-1.amazonaws.com/000000000000/verify-orders",
    "notifications_queue_url": "https://sqs.eu-west-1.amazonaws.com/000000000000/verify-notifications",
    "templates_bucket_name": "verify-templates",
    "from_email": "orders@example.com",
    "internal_emails": "ops@example.com",
    "service_name": "verify",
    "metrics_namespace": "BBWS",
}


@dataclass(frozen=True)
class Finding:
    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


@dataclass
class FunctionReport:
    name: str
    findings: list[Finding] = field(default_factory=list)
    imported: bool | None = None  # None: the import could not be attempted on this host
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass
class VerifyReport:
    functions: list[FunctionReport]

    @property
    def ok(self) -> bool:
        return bool(self.functions) and all(report.ok for report in self.functions)


def python_version_of(interpreter: str) -> str | None:
    try:
        result = subprocess.run(  # noqa: S603 - fixed argv, interpreter found on this machine
            [interpreter, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def find_interpreter(version: str, candidates: Sequence[str]) -> str | None:
    """The first candidate that really runs and is Python `version` (e.g. "3.12")."""
    for candidate in candidates:
        resolved = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
        if resolved and python_version_of(resolved) == version:
            return os.path.abspath(resolved)  # the probe runs in another working directory
    return None


def default_candidates(version: str, project_root: Path) -> list[str]:
    candidates = [f"python{version}", str(project_root / ".venv" / "bin" / "python")]
    finder = project_root / "scripts" / "find-python"
    if finder.is_file():
        result = subprocess.run([str(finder)], capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode == 0 and result.stdout.strip():
            candidates.append(result.stdout.strip())
    return candidates


def host_architecture() -> Architecture | None:
    machine = platform.machine().lower()
    return {"x86_64": Architecture.X86_64, "amd64": Architecture.X86_64, "aarch64": Architecture.ARM64}.get(
        machine, Architecture.ARM64 if machine == "arm64" else None
    )


def probe_environment(name: str, artifact: FunctionArtifact, root: Path) -> dict[str, str]:
    """What Lambda puts in a function's environment, plus dummy values for its settings."""
    function = BY_NAME.get(name)
    fields = function.settings if function else frozenset(_DUMMY_SETTINGS)
    environ = {ENV_NAMES[field]: _DUMMY_SETTINGS[field] for field in sorted(fields) if field in ENV_NAMES}
    environ.update(
        {
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_REGION": "eu-west-1",
            "AWS_LAMBDA_FUNCTION_NAME": f"verify-{name}",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "LAMBDA_TASK_ROOT": str(root),
            "_HANDLER": artifact.handler,
            "POWERTOOLS_SERVICE_NAME": artifact.service,
            "POWERTOOLS_METRICS_NAMESPACE": "BBWS",
            "LANG": "C.UTF-8",
        }
    )
    return environ


def import_handler(interpreter: str, root: Path, name: str, artifact: FunctionArtifact, label: str) -> list[Finding]:
    module, _, attribute = artifact.handler.rpartition(".")
    try:
        result = subprocess.run(  # noqa: S603 - fixed argv; the interpreter was found above
            [interpreter, "-I", "-S", "-c", _PROBE, str(root), module, attribute],
            capture_output=True, text=True, timeout=_IMPORT_TIMEOUT_SECONDS, check=False,
            env=probe_environment(name, artifact, root), cwd=root,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return [Finding(label, f"importing {artifact.handler} took over {_IMPORT_TIMEOUT_SECONDS} s")]
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit status {result.returncode}"
        return [Finding(label, f"importing {artifact.handler} failed: {last}")]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    findings: list[Finding] = []
    if not outcome["callable"]:
        findings.append(Finding(label, f"{artifact.handler} is not callable"))
    if outcome["strays"]:
        strays = ", ".join(outcome["strays"][:10])
        findings.append(Finding(label, f"modules loaded from outside the zip: {strays}"))
    return findings


def _check_archive(path: Path, artifact: FunctionArtifact, target: Target, label: str) -> list[Finding]:
    findings: list[Finding] = []
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        return [Finding(label, f"not a zip file: {error}")]
    with archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        if names != sorted(names):
            findings.append(Finding(label, "entries are not sorted (not a deterministic build)"))
        bytecode = [name for name in names if is_excluded(name)]
        if bytecode:
            findings.append(Finding(f"{label}!{bytecode[0]}", "compiled bytecode must not be packaged"))
        unzipped = sum(info.file_size for info in infos)
        if unzipped > MAX_UNZIPPED_BYTES:
            findings.append(Finding(label, f"{unzipped} bytes unzipped, over Lambda's {MAX_UNZIPPED_BYTES}"))
        module_path = artifact.handler.rpartition(".")[0].replace(".", "/")
        if f"{module_path}.py" not in names and f"{module_path}/__init__.py" not in names:
            findings.append(Finding(label, f"handler module {module_path}.py is not in the zip"))
        project_package = artifact.handler.split(".", 1)[0]
        findings.extend(
            Finding(f"{label}!{problem.file}", problem.reason)
            for problem in check_records(names, archive.read, project_package=project_package)
        )
        findings.extend(_check_distributions(names, artifact, label))
        for info in infos:
            if info.is_dir() or info.file_size < 4:
                continue
            with archive.open(info) as member:
                if member.read(4) != elf.ELF_MAGIC:
                    continue
            data = archive.read(info)
            where = f"{label}!{info.filename}"
            try:
                native = elf.inspect(info.filename, data)
            except ValueError as error:
                findings.append(Finding(where, str(error)))
                continue
            findings.extend(Finding(where, reason) for reason in native.problems(target))
    return findings


def _pin_of(dist_info: str) -> str:
    name, _, version = dist_info.removesuffix(".dist-info").rpartition("-")
    return f"{normalize(name)}=={version}"


def _check_distributions(names: Sequence[str], artifact: FunctionArtifact, label: str) -> list[Finding]:
    """The zip's dist-info directories are exactly the manifest's pinned distributions."""
    tops = {name.split("/", 1)[0] for name in names}
    shipped = {_pin_of(top) for top in tops if top.endswith(".dist-info")}
    pinned = set(artifact.distributions)
    findings = [Finding(label, f"{pin} is in the manifest but not in the zip") for pin in sorted(pinned - shipped)]
    findings += [Finding(label, f"{pin} is in the zip but not in the manifest") for pin in sorted(shipped - pinned)]
    return findings


def verify_function(
    dist: Path,
    name: str,
    artifact: FunctionArtifact,
    interpreter: str | None,
    *,
    can_import: bool,
    skip_reason: str = "",
) -> FunctionReport:
    report = FunctionReport(name)
    path = dist / artifact.file
    label = str(path)
    if not path.is_file():
        report.findings.append(Finding(label, "missing (listed in the manifest)"))
        return report
    actual = sha256_of(path)
    if actual != artifact.sha256:
        report.findings.append(Finding(label, f"sha256 {actual} does not match the manifest's {artifact.sha256}"))
    size = path.stat().st_size
    if size != artifact.size:
        report.findings.append(Finding(label, f"size {size} does not match the manifest's {artifact.size}"))
    if size > MAX_ZIPPED_BYTES:
        report.findings.append(Finding(label, f"{size} bytes zipped, over Lambda's {MAX_ZIPPED_BYTES}"))
    try:
        target = Target.of(artifact.runtime, artifact.architecture)
    except ValueError as error:
        report.findings.append(Finding(label, str(error)))
        return report
    report.findings.extend(_check_archive(path, artifact, target, label))
    if report.findings:
        return report  # importing a zip already known to be wrong proves nothing more
    if not can_import or interpreter is None:
        report.note = skip_reason or f"import skipped: no {target.runtime.name} interpreter on this machine"
        return report
    with tempfile.TemporaryDirectory(prefix=f"verify-{name}-") as extracted:
        root = Path(extracted)
        with zipfile.ZipFile(path) as archive:
            archive.extractall(root)
        report.findings.extend(import_handler(interpreter, root, name, artifact, label))
    report.imported = report.ok
    return report


def verify(
    dist: Path,
    project_root: Path,
    *,
    candidates: Sequence[str] | None = None,
    report: Callable[[FunctionReport], None] | None = None,
) -> VerifyReport:
    """Verify every function in `dist`'s manifest."""
    manifest = Manifest.read(dist)
    target = Target.of(manifest.runtime, manifest.architecture)
    version = target.runtime.python_version
    interpreter = find_interpreter(version, candidates or default_candidates(version, project_root))
    host = host_architecture()
    can_import = host == target.architecture
    skip_reason = "" if can_import else f"import skipped: this machine cannot run {target.architecture.value} code"
    names = sorted(manifest.functions)

    def one(name: str) -> FunctionReport:
        return verify_function(
            dist, name, manifest.functions[name], interpreter, can_import=can_import, skip_reason=skip_reason
        )

    # Each check is mostly unzipping and a child interpreter: a few at a time overlap the waiting.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        reports = list(pool.map(one, names))
    if report is not None:
        for result in reports:
            report(result)
    return VerifyReport(reports)
