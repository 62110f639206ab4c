"""The rehearsal's phases, in order, each timed and bounded, and what each one proves.

tools -> artifacts -> bootstrap -> init -> apply -> re-plan -> checks -> deploy -> release ->
destroy. Everything runs against an emulator started in this process for the environment's own
account id and region; Terraform reaches it through environment variables and one
`-backend-config` (`terraform.emulator_environ`), the root it applies is the checkout's
`infra/terraform/environments/<env>` untouched. A failure before the apply ends the run; after
it every later phase still runs (the release only after a good deploy), so one run reports
every problem, and the destroy always runs. The first failure is the run's verdict.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from rich.markup import escape

from bbws.core.functions import BY_NAME, FUNCTIONS
from bbws.delivery.accounts import ALIAS, Environment, GuardError
from bbws.delivery.deploy import load_artifacts
from bbws.delivery.manifest import MANIFEST_NAME, Manifest
from bbws.delivery.rehearsal import terraform as tf
from bbws.delivery.rehearsal.checks import Check, Clients, check_environment
from bbws.delivery.store import ArtifactStore, Status
from bbws.delivery.traffic import alias_version
from bbws.local.emulator import Emulator

# Each phase's own bound (seconds); the run's time limit bounds them all together.
PHASE_LIMITS = {
    "artifacts": 900.0,  # a first build downloads the wheels for Lambda's platform
    "bootstrap": 300.0,
    "init": 180.0,
    "apply": 600.0,
    "re-plan": 180.0,
    "deploy": 300.0,
    "release": 300.0,
    "destroy": 420.0,
}
DEFAULT_TIME_LIMIT = 900.0
# Short canary steps: the release's schedule is exercised, its waiting is not.
RELEASE_ARGUMENTS = [
    *("--bake-seconds", "1", "--step-seconds", "1", "--final-bake-seconds", "1", "--poll-seconds", "0.5"),
    "--no-alarm-floor",  # the emulator's alarms never evaluate metrics: their floor would only wait
]
HEARTBEAT_SECONDS = 20.0
LOCK_TIMEOUT = "-lock-timeout=30s"
# The deploy role's trusted repository (bootstrap's github_repository): never a real one.
REHEARSAL_REPOSITORY = "rehearsal/bbws"

Report = Callable[[str], None]


class PhaseFailed(Exception):
    """A phase found a problem; the message names the resource and the difference."""


@dataclass
class Phase:
    name: str
    ok: bool | None  # None: skipped
    detail: str
    seconds: float = 0.0


@dataclass
class Outcome:
    environment: str
    phases: list[Phase] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    resources: int | None = None  # applied
    drift: list[str] | None = None  # changes the re-plan wanted
    seconds: float = 0.0
    work_dir: Path | None = None

    @property
    def first_failure(self) -> Phase | None:
        return next((p for p in self.phases if p.ok is False), None)

    @property
    def ok(self) -> bool:
        return self.first_failure is None and any(p.ok for p in self.phases)


@dataclass(frozen=True)
class Options:
    env: Environment
    project_root: Path
    time_limit: float = DEFAULT_TIME_LIMIT
    provider_mirror: Path | None = None  # default: BBWS_TF_PROVIDER_MIRROR or /opt/tf-plugins
    terraform_binary: str | None = None  # default: terraform on PATH
    python: str = sys.executable  # runs `bbws package | deploy | release`
    phase_limits: dict[str, float] = field(default_factory=lambda: dict(PHASE_LIMITS))

    @property
    def dist(self) -> Path:
        # The environments' root reads ../../../../dist/manifest.json: the checkout's dist/.
        return self.project_root / "dist"

    @property
    def environment_dir(self) -> Path:
        return self.project_root / "infra" / "terraform" / "environments" / self.env.name

    @property
    def bootstrap_dir(self) -> Path:
        return self.project_root / "infra" / "terraform" / "bootstrap"

    @property
    def work_dir(self) -> Path:
        return self.project_root / ".bbws" / "rehearsal" / self.env.name


def stale_reason(project_root: Path, dist: Path) -> str | None:
    """Why dist/ cannot be rehearsed as it is (None: it is the current build): missing, a zip
    that is not the manifest's, another lock file, a function without artifact, or a source
    file changed after the build."""
    manifest_path = dist / MANIFEST_NAME
    if not manifest_path.is_file():
        return f"{manifest_path} is missing"
    try:
        manifest = Manifest.read(dist)
        load_artifacts(dist)
    except (GuardError, ValueError) as error:
        return str(error)
    if manifest.lock_sha256 != hashlib.sha256((project_root / "uv.lock").read_bytes()).hexdigest():
        return "uv.lock changed since the build"
    if missing := sorted(set(BY_NAME) - set(manifest.functions)):
        return f"no artifact for {', '.join(missing)}"
    built = manifest_path.stat().st_mtime
    sources = [project_root / "pyproject.toml", *sorted((project_root / "src" / "bbws").rglob("*.py"))]
    newer = next((path for path in sources if path.stat().st_mtime > built), None)
    if newer is not None:
        return f"{newer.relative_to(project_root)} changed after the build"
    return None


def emulator_clients(url: str, region: str) -> Clients:
    """boto3 clients of the emulator only: explicit endpoint and made-up keys, and neither the
    caller's AWS_PROFILE nor their config and credential files are read."""
    core = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        }
    )
    session = boto3.session.Session(
        aws_access_key_id=tf.FAKE_KEY_ID,
        aws_secret_access_key=tf.FAKE_SECRET,
        region_name=region,
        botocore_session=core,
    )
    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=120)
    made: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in made:
            made[service] = session.client(service, endpoint_url=url, config=config)  # type: ignore[call-overload]
        return made[service]

    return client


class _Rehearsal:
    def __init__(self, options: Options, report: Report) -> None:
        self.options = options
        self.report = report
        self.env = options.env
        self.outcome = Outcome(options.env.name, work_dir=options.work_dir)
        self.started = time.monotonic()
        self.deadline = self.started + options.time_limit
        self.terraform: tf.Terraform | None = None
        self.environ: dict[str, str] = {}
        self.clients: Clients | None = None
        self.before_deploy: dict[str, str] = {}

    # -- bookkeeping --------------------------------------------------------------------
    def budget(self, name: str) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise PhaseFailed(f"the time limit of {self.options.time_limit:.0f} s was reached before {name}")
        return min(self.options.phase_limits.get(name, remaining), remaining)

    def phase(self, name: str, work: Callable[[float], str]) -> bool:
        started = time.monotonic()
        try:
            detail = work(self.budget(name))
            ok = True
        except PhaseFailed as failure:
            detail, ok = str(failure), False
        except (ClientError, BotoCoreError, GuardError, OSError) as error:
            detail, ok = f"{type(error).__name__}: {error}", False
        phase = Phase(name, ok, detail, time.monotonic() - started)
        self.outcome.phases.append(phase)
        mark = "[green]ok[/green]  " if ok else "[red]FAIL[/red]"
        self.report(f"{mark} {name:<9} {escape(detail)} ({phase.seconds:.1f} s)")
        return ok

    def skip(self, name: str, why: str) -> None:
        self.outcome.phases.append(Phase(name, None, why))
        self.report(f"[yellow]skip[/yellow] {name:<9} {escape(why)}")

    def log(self, name: str) -> Path:
        return self.options.work_dir / f"{name}.log"

    def terraform_run(self, name: str, arguments: list[str], seconds: float, progress: bool = False) -> tf.Run:
        assert self.terraform is not None  # noqa: S101 - the tools phase ran
        state = {"planned": 0, "done": 0, "last": time.monotonic()}

        def heartbeat(message: dict[str, Any]) -> None:
            kind = message.get("type")
            if kind == "planned_change" and message.get("change", {}).get("action") in tf.CHANGING:
                state["planned"] += 1
            elif kind == "apply_complete" and message.get("hook", {}).get("action") in tf.CHANGING:
                state["done"] += 1
            if progress and state["done"] and time.monotonic() - state["last"] >= HEARTBEAT_SECONDS:
                state["last"] = time.monotonic()
                self.report(f"       {name}: {state['done']} of {state['planned']} resources")

        result = tf.run(
            [self.terraform.binary, *arguments],
            cwd=self.options.environment_dir,
            environ=self.environ,
            log=self.log(name),
            seconds=seconds,
            on_message=heartbeat,
        )
        if result.timed_out:
            raise PhaseFailed(f"stopped after {seconds:.0f} s (bound of this phase); see {result.log}")
        return result

    def failed(self, result: tf.Run, what: str) -> PhaseFailed:
        errors = result.errors()
        first = errors[0] if errors else f"exit status {result.returncode}"
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        return PhaseFailed(f"{what} failed: {first}{more}; see {result.log}")

    # -- phases -------------------------------------------------------------------------
    def tools(self, _seconds: float) -> str:
        self.terraform = tf.find_terraform(self.options.provider_mirror, self.options.terraform_binary)
        if not self.options.environment_dir.is_dir():
            raise PhaseFailed(f"{self.options.environment_dir}: no Terraform root for {self.env.name}")
        return self.terraform.describe()

    def artifacts(self, seconds: float) -> str:
        reason = stale_reason(self.options.project_root, self.options.dist)
        if reason is None:
            return f"{self.options.dist.name}/ is the current build ({len(FUNCTIONS)} functions)"
        self.report(f"       artifacts: building ({escape(reason)})")
        result = tf.run(
            [self.options.python, "-m", "bbws.cli", "package", "--out", str(self.options.dist)],
            cwd=self.options.project_root,
            environ=os.environ,
            log=self.log("package"),
            seconds=seconds,
        )
        if result.returncode != 0:
            raise PhaseFailed(f"bbws package failed (exit {result.returncode}); see {result.log}")
        if (still := stale_reason(self.options.project_root, self.options.dist)) is not None:
            raise PhaseFailed(f"after bbws package: {still}")
        return f"built ({reason})"

    def bootstrap(self, seconds: float) -> str:
        """Apply the checkout's `infra/terraform/bootstrap` as an operator does once per account
        (in the workspace named after the environment; its local state in the work directory),
        then upload the artifacts as `bbws deploy` names them."""
        assert self.clients is not None  # noqa: S101 - the emulator runs
        assert self.terraform is not None  # noqa: S101
        deadline = time.monotonic() + seconds
        environ = {
            **self.environ,
            "TF_DATA_DIR": str(self.options.work_dir / "tfdata-bootstrap"),
            "TF_WORKSPACE": self.env.name,  # bootstrap/main.tf requires the workspace to be the environment
        }
        state = f"-state={self.options.work_dir / 'bootstrap.tfstate'}"
        variables = ["-var", f"environment={self.env.name}", "-var", f"github_repository={REHEARSAL_REPOSITORY}"]
        apply = ["apply", "-auto-approve", "-input=false", "-no-color", "-json", LOCK_TIMEOUT, state, *variables]
        created = 0
        for name, arguments in (("bootstrap-init", ["init", "-input=false", "-no-color"]), ("bootstrap", apply)):
            result = tf.run(
                [self.terraform.binary, *arguments],
                cwd=self.options.bootstrap_dir,
                environ=environ,
                log=self.log(name),
                seconds=max(deadline - time.monotonic(), 1.0),
            )
            if result.timed_out:
                raise PhaseFailed(f"{name} stopped at the bound of this phase; see {result.log}")
            if result.returncode != 0:
                raise self.failed(result, f"terraform {arguments[0]} of infra/terraform/bootstrap")
            if arguments[0] == "apply":
                created = result.changes().get("add", 0)
        store = ArtifactStore(self.env, self.clients("s3"))
        artifacts = load_artifacts(self.options.dist)
        keys = {store.upload(a.path, a.spec.sha256) for a in artifacts}
        return (
            f"infra/terraform/bootstrap applied ({created} resources: {self.env.state_bucket}, "
            f"{self.env.artifacts_bucket}, the deploy role); "
            f"{len(artifacts)} functions' zips as {len(keys)} artifacts/<sha256>.zip"
        )

    def init(self, seconds: float) -> str:
        assert self.terraform is not None  # noqa: S101
        result = self.terraform_run(
            "init",
            ["init", "-input=false", "-no-color", "-reconfigure", "-backend-config=use_path_style=true"],
            seconds,
        )
        if result.returncode != 0:
            text = " ".join(result.text)
            if "provider" in text and ("Failed to install" in text or "Failed to query" in text):
                raise tf.ToolMissing(tf.provider_hint(self.options.environment_dir))
            raise self.failed(result, "terraform init")
        return f"backend s3://{self.env.state_bucket}/{self.env.state_key} (use_lockfile)"

    def apply(self, seconds: float) -> str:
        result = self.terraform_run(
            "apply", ["apply", "-auto-approve", "-input=false", "-no-color", "-json", LOCK_TIMEOUT], seconds, True
        )
        if result.returncode != 0:
            raise self.failed(result, "terraform apply")
        self.outcome.resources = result.changes().get("add", 0)
        return f"{self.outcome.resources} resources created"

    def replan(self, seconds: float) -> str:
        result = self.terraform_run(
            "re-plan", ["plan", "-detailed-exitcode", "-input=false", "-no-color", "-json", LOCK_TIMEOUT], seconds
        )
        if result.returncode == 0:
            self.outcome.drift = []
            return "no changes (plan -detailed-exitcode 0)"
        if result.returncode == 2:
            self.outcome.drift = result.planned()
            shown = ", ".join(self.outcome.drift[:5]) + (" ..." if len(self.outcome.drift) > 5 else "")
            raise PhaseFailed(f"{len(self.outcome.drift)} change(s) right after the apply: {shown}; see {result.log}")
        raise self.failed(result, "terraform plan")

    def checks(self, _seconds: float) -> str:
        assert self.clients is not None  # noqa: S101
        manifest = Manifest.read(self.options.dist)
        templates = self.options.project_root / "templates" / "email"
        checks = check_environment(self.env, self.clients, manifest, self.options.dist, templates)
        self.outcome.checks = checks
        failing = [c for c in checks if not c.ok]
        for check in failing:
            self.report(f"       [red]FAIL[/red] {escape(check.describe())}")
        if failing:
            raise PhaseFailed(f"{len(failing)} of {len(checks)} failed, first: {failing[0].describe()}")
        return f"{len(checks)} checks against the code passed"

    def _store(self) -> ArtifactStore:
        assert self.clients is not None  # noqa: S101
        return ArtifactStore(self.env, self.clients("s3"))

    def _lambda(self) -> Any:
        assert self.clients is not None  # noqa: S101
        return self.clients("lambda")

    def _alias(self, function: str) -> dict[str, Any]:
        alias: dict[str, Any] = self._lambda().get_alias(FunctionName=self.env.function_name(function), Name=ALIAS)
        return alias

    def bbws(self, name: str, arguments: list[str], seconds: float) -> None:
        result = tf.run(
            [self.options.python, "-m", "bbws.cli", *arguments],
            cwd=self.options.project_root,
            environ=self.environ,
            log=self.log(name),
            seconds=seconds,
        )
        if result.timed_out:
            raise PhaseFailed(f"bbws {name} stopped after {seconds:.0f} s; see {result.log}")
        if result.returncode != 0:
            said = [line.strip() for line in result.text if line.strip()]
            last = next((line for line in reversed(said) if "error" in line.lower()), said[-1] if said else "")
            raise PhaseFailed(f"bbws {name} exited {result.returncode}: {last}; see {result.log}")

    def deploy(self, seconds: float) -> str:
        self.before_deploy = {
            f.name: str(alias_version(self._lambda(), self.env.function_name(f.name))) for f in FUNCTIONS
        }
        self.bbws("deploy", ["deploy", "--env", self.env.name, "--dist", str(self.options.dist)], seconds)
        store = self._store()
        problems = []
        versions = set()
        for function in FUNCTIONS:
            record = store.read_record(function.name)
            if record is None or record.status != Status.DEPLOYED:
                problems.append(f"{function.name}: {record.status if record else 'nothing'} recorded, not deployed")
            elif record.version == self.before_deploy[function.name]:
                problems.append(f"{function.name}: no new version (still {record.version})")
            else:
                versions.add(record.version)
        if problems:
            raise PhaseFailed("; ".join(problems))
        return f"{len(FUNCTIONS)} functions published as version {', '.join(sorted(versions))}"

    def release(self, seconds: float) -> str:
        self.bbws("release", ["release", "--env", self.env.name, *RELEASE_ARGUMENTS], seconds)
        store = self._store()
        problems = []
        for function in FUNCTIONS:
            record = store.read_record(function.name)
            alias = self._alias(function.name)
            weights = alias.get("RoutingConfig", {}).get("AdditionalVersionWeights") or {}
            if record is None or record.status != Status.RELEASED:
                problems.append(f"{function.name}: {record.status if record else 'nothing'} recorded, not released")
            elif alias["FunctionVersion"] != record.version or weights:
                problems.append(
                    f"{self.env.function_name(function.name)}: {ALIAS} is on {alias['FunctionVersion']} "
                    f"with weights {weights}, not on {record.version} alone"
                )
        if problems:
            raise PhaseFailed("; ".join(problems))
        return f"{ALIAS} on the new version of all {len(FUNCTIONS)} functions, no weights"

    def destroy(self, seconds: float) -> str:
        result = self.terraform_run(
            "destroy", ["destroy", "-auto-approve", "-input=false", "-no-color", "-json", LOCK_TIMEOUT], seconds, True
        )
        if result.returncode != 0:
            raise self.failed(result, "terraform destroy")
        removed = result.changes().get("remove", 0)
        if self.outcome.resources is not None and removed != self.outcome.resources:
            raise PhaseFailed(
                f"destroyed {removed} of the {self.outcome.resources} resources applied; see {result.log}"
            )
        return f"{removed} resources destroyed"

    # -- the run ------------------------------------------------------------------------
    def run(self) -> Outcome:
        work = self.options.work_dir
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        # What init and the workspace leave in the checkout's roots is put back as it was.
        lock_files = [d / ".terraform.lock.hcl" for d in (self.options.environment_dir, self.options.bootstrap_dir)]
        locks_before = {path: path.read_bytes() if path.is_file() else None for path in lock_files}
        workspaces = self.options.bootstrap_dir / "terraform.tfstate.d"
        workspaces_before = workspaces.exists()
        try:
            if self.phase("tools", self.tools) and self.phase("artifacts", self.artifacts):
                self._against_the_emulator()
        finally:
            for path, before in locks_before.items():
                if before is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(before)
            if not workspaces_before:
                shutil.rmtree(workspaces, ignore_errors=True)
            self.outcome.seconds = time.monotonic() - self.started
        return self.outcome

    def _against_the_emulator(self) -> None:
        assert self.terraform is not None  # noqa: S101
        errors = self.log("emulator").open("a", encoding="utf-8")
        emulator = Emulator(
            region=self.env.region,
            account_id=self.env.account_id,
            iam_managed_policies=True,
            error_log=errors.write,  # the emulator's 500s, with moto's tracebacks
        )
        url = emulator.start()
        try:
            self.report(f"       emulator: account {self.env.account_id}, {self.env.region} at {url}")
            self.clients = emulator_clients(url, self.env.region)
            self.environ = tf.emulator_environ(
                os.environ,
                endpoint=url,
                region=self.env.region,
                data_dir=self.options.work_dir / "tfdata",
                config=tf.cli_config(self.terraform, self.options.work_dir),
            )
            if not (self.phase("bootstrap", self.bootstrap) and self.phase("init", self.init)):
                return
            if not self.phase("apply", self.apply):
                return
            self.phase("re-plan", self.replan)
            self.phase("checks", self.checks)
            if self.phase("deploy", self.deploy):
                self.phase("release", self.release)
            else:
                self.skip("release", "nothing deployed")
            if self.env.protected:
                self.skip("destroy", f"{self.env.name} is protected (deletion protection; never destroyed)")
            else:
                self.phase("destroy", self.destroy)
        finally:
            emulator.stop()
            errors.close()


def rehearse(options: Options, report: Report = lambda _line: None) -> Outcome:
    """Rehearse `options.env`'s deployment against the emulator. Raises `ToolMissing` when
    Terraform or its provider is not available."""
    return _Rehearsal(options, report).run()
