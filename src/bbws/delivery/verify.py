"""`bbws verify dist/`: re-check every artifact, then boot it under the real runtime client.

For each function of the manifest, every finding names the file and the reason:
1. the zip: present, the manifest's sha256 and size, within Lambda's limits, sorted entries, no
   bytecode, the handler module present, every RECORD line true, the manifest's distributions;
2. its native code as Lambda's loader sees it (`native.py`): format, machine, ABI, every
   DT_NEEDED resolved, every versioned symbol against the runtime image;
3. every AWS client its code creates has its service model and endpoint rules in the zip (or in
   the runtime's pinned boto3 for a `--no-bundle-boto3` zip) (`aws_models.py`);
4. the real runtime: the extracted zip booted under `awslambdaric` with Lambda's path and
   environment and invoked with one synthetic event that needs no AWS (`runtime_boot.py`,
   `probe_events.py`); init errors and error answers fail with the runtime's own message.
Step 4 is skipped, and said so, when this machine cannot run the target (architecture, Python).
"""

from __future__ import annotations

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
from bbws.delivery import aws_models
from bbws.delivery.archive import is_excluded, sha256_of
from bbws.delivery.dependencies import PackagingError, normalize
from bbws.delivery.elf import HEAD_BYTES
from bbws.delivery.manifest import FunctionArtifact, Manifest
from bbws.delivery.native import check_native
from bbws.delivery.probe_events import probe_for
from bbws.delivery.records import check_records
from bbws.delivery.runtime_boot import (
    BootOptions,
    RuntimeClientDir,
    boot,
    prepare_runtime_client,
    runtime_client_python,
)
from bbws.delivery.targets import MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES, Architecture, Target

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
    "cursor_secret_arn": "arn:aws:secretsmanager:eu-west-1:000000000000:secret:verify-cursor-secret-AbCdEf",
}
# Two at a time: each boot is a CPU-bound interpreter, and the machine is shared.
_WORKERS = 2


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
    booted: bool | None = None  # None: the runtime boot could not be attempted on this host
    note: str = ""
    probe: str = ""  # the synthetic event the booted function answered

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def imported(self) -> bool | None:
        """Booting imports the handler first (kept for callers that ask the older question)."""
        return self.booted


@dataclass
class VerifyReport:
    functions: list[FunctionReport]

    @property
    def ok(self) -> bool:
        return bool(self.functions) and all(report.ok for report in self.functions)


Progress = Callable[[str, str], None]  # (function, what is happening)


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
            return os.path.abspath(resolved)  # the boot runs in another working directory
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


def lambda_environment(name: str, artifact: FunctionArtifact) -> dict[str, str]:
    """What Lambda puts in a function's environment, plus dummy values for its settings."""
    function = BY_NAME.get(name)
    fields = function.settings if function else frozenset(_DUMMY_SETTINGS)
    environ = {ENV_NAMES[field]: _DUMMY_SETTINGS[field] for field in sorted(fields) if field in ENV_NAMES}
    environ.update(
        {
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_REGION": "eu-west-1",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{artifact.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": f"verify-{name}",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/verify-{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "verify",
            "AWS_ACCESS_KEY_ID": "verify-only",
            "AWS_SECRET_ACCESS_KEY": "verify-only",  # Lambda puts its role's keys here; the boot makes no AWS call
            "AWS_SESSION_TOKEN": "verify-only",
            "POWERTOOLS_SERVICE_NAME": artifact.service,
            "POWERTOOLS_METRICS_NAMESPACE": "BBWS",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
        }
    )
    return environ


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


def _project_sources(archive: zipfile.ZipFile, project_package: str) -> dict[str, str]:
    sources: dict[str, str] = {}
    for name in archive.namelist():
        if name.endswith(".py") and (name.startswith(f"{project_package}/") or name == f"{project_package}.py"):
            sources[name] = archive.read(name).decode("utf-8", errors="replace")
    return sources


@dataclass
class _Archive:
    findings: list[Finding]
    clients: set[tuple[str, str]]


def _check_archive(
    path: Path, artifact: FunctionArtifact, target: Target, label: str, sdk_names: list[str] | None
) -> _Archive:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        return _Archive([Finding(label, f"not a zip file: {error}")], set())
    findings: list[Finding] = []
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

        def head(name: str) -> bytes:
            with archive.open(name) as member:
                return member.read(HEAD_BYTES)

        native = check_native(names, head, archive.read, target)
        findings.extend(Finding(f"{label}!{problem.file}", problem.reason) for problem in native.problems)
        clients = aws_models.created_clients(_project_sources(archive, project_package))
        if sdk_names is None:
            findings.extend(Finding(label, reason) for reason in aws_models.model_problems(clients, names, "the zip"))
        else:
            where = f"{target.runtime.name}'s boto3 {target.runtime.sdk.boto3}"
            findings.extend(Finding(label, reason) for reason in aws_models.model_problems(clients, sdk_names, where))
    return _Archive(findings, clients)


@dataclass(frozen=True)
class _Runner:
    """What a boot needs that is the same for every function of one verify run."""

    interpreter: str | None
    runtime: RuntimeClientDir | None
    skip_reason: str
    sdk: Path | None
    options: BootOptions


def verify_function(
    dist: Path, name: str, artifact: FunctionArtifact, runner: _Runner, progress: Progress
) -> FunctionReport:
    report = FunctionReport(name)
    path = dist / artifact.file
    label = str(path)
    progress(name, "checking hashes")
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
    progress(name, "checking RECORDs, native code and AWS models")
    sdk_names = None if runner.sdk is None else aws_models.tree_names(runner.sdk)
    archive = _check_archive(path, artifact, target, label, sdk_names)
    report.findings.extend(archive.findings)
    if report.findings:
        return report  # booting a zip already known to be wrong proves nothing more
    if runner.interpreter is None or runner.runtime is None:
        report.note = runner.skip_reason
        return report
    try:
        probe = probe_for(name)
    except KeyError:
        report.findings.append(Finding(label, f"no synthetic event for a function called {name!r}"))
        return report
    progress(name, f"booting under awslambdaric: {probe.description}")
    with tempfile.TemporaryDirectory(prefix=f"verify-{name}-") as extracted:
        task = Path(extracted)
        with zipfile.ZipFile(path) as zipped:
            zipped.extractall(task)
        result = boot(
            runner.interpreter,
            task,
            runner.runtime,
            handler=artifact.handler,
            environment=lambda_environment(name, artifact),
            event=probe.event,
            clients=sorted(archive.clients),
            sdk=() if runner.sdk is None else (runner.sdk,),
            options=runner.options,
        )
    problems = result.problems()
    if not problems and result.answered and result.error is None:
        wrong = probe.check(result.response)
        if wrong is not None:
            problems.append(f"{probe.description}: {wrong}")
    report.findings.extend(Finding(label, problem) for problem in problems)
    report.booted = report.ok
    report.probe = probe.description
    return report


def _runner(
    manifest: Manifest,
    project_root: Path,
    scratch: Path,
    *,
    candidates: Sequence[str] | None,
    options: BootOptions,
    sdk: Path | None,
) -> _Runner:
    target = Target.of(manifest.runtime, manifest.architecture)
    version = target.runtime.python_version
    if not manifest.bundles_boto3 and sdk is None:
        sdk = aws_models.runtime_sdk(project_root / ".bbws" / "cache", target)
    if host_architecture() != target.architecture:
        reason = f"runtime boot skipped: this machine cannot run {target.architecture.value} code"
        return _Runner(None, None, reason, sdk, options)
    if runtime_client_python() != version:
        reason = (
            f"runtime boot skipped: the runtime interface client here is built for Python "
            f"{runtime_client_python()}, not {target.runtime.name}"
        )
        return _Runner(None, None, reason, sdk, options)
    interpreter = find_interpreter(version, candidates or default_candidates(version, project_root))
    if interpreter is None:
        return _Runner(None, None, f"runtime boot skipped: no {target.runtime.name} interpreter here", sdk, options)
    runtime = prepare_runtime_client(scratch / "var-runtime")
    if isinstance(runtime, str):
        return _Runner(None, None, f"runtime boot skipped: {runtime}", sdk, options)
    return _Runner(interpreter, runtime, "", sdk, options)


# Every environment deploys with SnapStart (Terraform's `snap_start`), so by default each function
# boots through SnapStart's init path: its priming hooks run, and one that raises fails verify.
AS_DEPLOYED = BootOptions(snap_start=True)


def verify(
    dist: Path,
    project_root: Path,
    *,
    candidates: Sequence[str] | None = None,
    report: Callable[[FunctionReport], None] | None = None,
    progress: Progress | None = None,
    options: BootOptions | None = None,
    sdk: Path | None = None,
) -> VerifyReport:
    """Verify every function in `dist`'s manifest; `report` hears each function as it finishes,
    `progress` each step as it starts. `sdk` overrides the runtime's boto3 directory for a
    `--no-bundle-boto3` manifest (default: installed into `.bbws/cache`)."""
    manifest = Manifest.read(dist)
    names = sorted(manifest.functions)
    progress = progress or (lambda _name, _step: None)
    with tempfile.TemporaryDirectory(prefix="bbws-verify-") as scratch:
        try:
            runner = _runner(
                manifest, project_root, Path(scratch), candidates=candidates, options=options or AS_DEPLOYED, sdk=sdk
            )
        except PackagingError as error:
            failed = [FunctionReport(name, [Finding(str(dist / "manifest.json"), str(error))]) for name in names]
            for result in failed:
                if report is not None:
                    report(result)
            return VerifyReport(failed)

        def one(name: str) -> FunctionReport:
            result = verify_function(dist, name, manifest.functions[name], runner, progress)
            if report is not None:
                report(result)
            return result

        with ThreadPoolExecutor(max_workers=min(_WORKERS, os.cpu_count() or 1)) as pool:
            reports = list(pool.map(one, names))
    return VerifyReport(reports)
