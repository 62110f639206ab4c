"""`bbws package | verify | deploy | release | fetch | promote | rollback | smoke | destroy`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from bbws.core.functions import BY_NAME
from bbws.delivery import accounts
from bbws.delivery.accounts import GuardError
from bbws.delivery.dependencies import PackagingError
from bbws.delivery.deploy import deploy, destroy, load_artifacts, mark_passed
from bbws.delivery.packaging import BuildOptions, build
from bbws.delivery.promote import fetch_passed, promote
from bbws.delivery.release import RolledBack, Schedule, Stopped, Terminated, release, rollback
from bbws.delivery.ses_account import Level, Verdict, check_ses_account, refuse_if_failed
from bbws.delivery.smoke import Check, Client, SmokeError, run_smoke
from bbws.delivery.targets import DEFAULT_RUNTIME, RUNTIMES, Architecture, Target
from bbws.delivery.verify import FunctionReport, verify
from bbws.operations.release_hooks import ReleaseOperations, new_release_id

console = Console(stderr=True, highlight=False, soft_wrap=True)

EnvOption = Annotated[str, typer.Option("--env", help="Target environment: dev, sit or prod.")]
FunctionsOption = Annotated[
    list[str] | None,
    typer.Option("--function", "-f", help="Only this function (repeatable). Default: all of them."),
]


def _project_root() -> Path:
    """The repository holding pyproject.toml: the working directory or one of its parents."""
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file() and (candidate / "src" / "bbws").is_dir():
            return candidate
    raise typer.BadParameter("run bbws inside the repository (no pyproject.toml with src/bbws found)")


@contextmanager
def _failures() -> Iterator[None]:
    """Turn the tooling's refusals into one red line and a non-zero exit status."""
    try:
        yield
    except RolledBack as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(3) from error
    except Stopped as error:
        console.print(f"[yellow]stopped:[/yellow] {error}")
        raise typer.Exit(3) from error
    except KeyboardInterrupt as error:  # a release gave its traffic back before getting here
        console.print("[red]interrupted (SIGINT)[/red]")
        raise typer.Exit(130) from error
    except Terminated as error:
        console.print("[red]terminated (SIGTERM)[/red]")
        raise typer.Exit(143) from error
    except (GuardError, PackagingError, SmokeError, FileNotFoundError, ValueError) as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    except (ClientError, BotoCoreError) as error:
        console.print(f"[red]AWS error:[/red] {error}")
        raise typer.Exit(1) from error


def _environment(name: str) -> accounts.Environment:
    return accounts.environment(name, accounts.ENVIRONMENTS)


def _say(line: str) -> None:
    console.print(line)


_VERDICT_MARKS = {
    Level.OK: "[green]ok[/green]  ",
    Level.WARNING: "[yellow]WARN[/yellow]",
    Level.FAILURE: "[red]FAIL[/red]",
}


def _ses_sandbox(target: accounts.Environment) -> Verdict:
    """Whether SES in the target account can email customers, printed (docs/operations.md#ses)."""
    verdict = check_ses_account(target, accounts.session_for(target))
    console.print(f"{_VERDICT_MARKS[verdict.level]} SES account: {verdict.message}")
    return verdict


def package(  # noqa: PLR0917 - typer turns each parameter into an option
    out: Annotated[Path, typer.Option(help="Directory for the zips and manifest.json.")] = Path("dist"),
    function: FunctionsOption = None,
    arch: Annotated[Architecture, typer.Option(help="Target CPU architecture.")] = Architecture.X86_64,
    runtime: Annotated[str, typer.Option(help=f"Lambda runtime: {', '.join(RUNTIMES)}.")] = DEFAULT_RUNTIME,
    bundle_boto3: Annotated[
        bool, typer.Option(help="Bundle the locked boto3/botocore instead of using the runtime's copy.")
    ] = True,
    cache_dir: Annotated[Path | None, typer.Option(help="Cache directory (default .bbws/cache).")] = None,
) -> None:
    """Build one deterministic zip per Lambda function from uv.lock, with no Docker."""
    with _failures():
        root = _project_root()
        options = BuildOptions(
            project_root=root,
            out=out,
            target=Target.of(runtime, arch.value),
            functions=tuple(function or ()),
            bundle_runtime_provided=bundle_boto3,
            cache_dir=cache_dir,
        )
        started = time.monotonic()
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True
        ) as progress:
            task = progress.add_task("packaging", total=None)

            def report(name: str, message: str) -> None:
                progress.update(task, description=f"[bold]{name}[/bold] {message}")

            result = build(options, report)
        table = Table(title=f"{out}/ for {options.target.describe()}")
        for column in ("function", "zipped", "unzipped", "files", "sha256", "cached"):
            table.add_column(column, justify="right" if column in {"zipped", "unzipped", "files"} else "left")
        for name, artifact in result.manifest.functions.items():
            table.add_row(
                name,
                f"{artifact.size / 1_048_576:.1f} MB",
                f"{artifact.unzipped_size / 1_048_576:.1f} MB",
                str(artifact.files),
                artifact.sha256[:16],
                "yes" if name in result.zips_from_cache else "no",
            )
        console.print(table)
        console.print(f"wrote {out / 'manifest.json'} in {time.monotonic() - started:.1f} s")


def verify_command(
    dist: Annotated[Path, typer.Argument(help="The directory `bbws package` wrote.")] = Path("dist"),
) -> None:
    """Re-check every artifact (hashes, RECORDs, native code, AWS models), then boot each under
    the Lambda runtime interface client and invoke it with one synthetic event."""
    with _failures():
        started = time.monotonic()

        def show(result: FunctionReport) -> None:
            if not result.ok:
                console.print(f"[red]FAIL[/red] {result.name}")
                for finding in result.findings:
                    console.print(f"     {finding}")
            elif result.booted:
                console.print(f"[green]ok[/green]   {result.name}: checks passed; booted and answered {result.probe}")
            else:
                console.print(f"[yellow]ok[/yellow]   {result.name}: checks passed; {result.note}")

        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True
        ) as progress:
            tasks: dict[str, TaskID] = {}

            def step(name: str, what: str) -> None:
                if not console.is_terminal:  # CI logs: one line per step instead of a live display
                    console.print(f"     {name}: {what}")
                    return
                if name not in tasks:
                    tasks[name] = progress.add_task(name, total=None)
                progress.update(tasks[name], description=f"[bold]{name}[/bold] {what}")

            def done(result: FunctionReport) -> None:
                if result.name in tasks:
                    progress.remove_task(tasks[result.name])
                show(result)

            outcome = verify(dist, _project_root(), report=done, progress=step)
        console.print(f"verified {len(outcome.functions)} function(s) in {time.monotonic() - started:.1f} s")
        if not outcome.ok:
            raise typer.Exit(1)


def deploy_command(
    env: EnvOption,
    dist: Annotated[Path, typer.Option(help="Verified artifacts from `bbws package`.")] = Path("dist"),
    function: FunctionsOption = None,
) -> None:
    """Upload the artifacts by sha256 and publish a new version of each function (alias unchanged)."""
    with _failures():
        target = _environment(env)
        artifacts = load_artifacts(dist, function or ())
        refuse_if_failed(_ses_sandbox(target))
        deploy(target, artifacts, accounts.session_for(target), _say)


_RELEASE_DEFAULTS = Schedule()


def release_command(  # noqa: PLR0917 - typer turns each parameter into an option
    env: EnvOption,
    function: FunctionsOption = None,
    bake_seconds: Annotated[
        float, typer.Option(help="Minimum hold at 10 % (raised to what the alarms need).")
    ] = _RELEASE_DEFAULTS.bake_seconds,
    step_seconds: Annotated[
        float, typer.Option(help="Minimum hold at 25 % and at 50 %.")
    ] = _RELEASE_DEFAULTS.step_seconds,
    final_bake_seconds: Annotated[
        float, typer.Option(help="Minimum bake at 100 % before the release counts as done.")
    ] = _RELEASE_DEFAULTS.final_bake_seconds,
    poll_seconds: Annotated[float, typer.Option(help="How often alarms are read (and the lease renewed).")] = (
        _RELEASE_DEFAULTS.poll_seconds
    ),
    alarm_floor: Annotated[
        bool,
        typer.Option(
            help="Hold each step at least as long as the watched alarms need to reach ALARM. "
            "--no-alarm-floor holds only the given seconds (rehearsals; refused in protected environments)."
        ),
    ] = True,
    resume: Annotated[
        bool, typer.Option(help="Continue a release that died, from its step, instead of rolling it back.")
    ] = False,
    release_id: Annotated[
        str | None,
        typer.Option(help="Name this release (default: the GitHub run, or the time); names its backups."),
    ] = None,
) -> None:
    """Shift the `live` alias to the deployed versions: 10 -> 25 -> 50 -> 100 % and a bake there,
    each step held as long as the watched alarms need, rolled back on any alarm, error or signal.
    Prod backs up every table first; start, rollback and completion go to the alarm topic."""
    with _failures():
        target = _environment(env)
        session = accounts.session_for(target)
        schedule = Schedule(
            bake_seconds=bake_seconds, step_seconds=step_seconds, final_bake_seconds=final_bake_seconds,
            poll_seconds=poll_seconds, alarm_floor=alarm_floor,
        )  # fmt: skip
        hooks = ReleaseOperations(target, session, report=_say).hooks()
        release(
            target, session, function or None, schedule=schedule, report=_say, hooks=hooks, resume=resume,
            release_id=release_id or new_release_id(),
        )  # fmt: skip
        console.print(f"[green]released[/green] in {target.name}")


SourceOption = Annotated[str, typer.Option("--from", help="The environment the artifacts passed in.")]
DestinationOption = Annotated[str, typer.Option("--to", help="The next environment (whose credentials are used).")]


def fetch_command(
    source: SourceOption,
    destination: DestinationOption,
    out: Annotated[Path, typer.Option(help="A new (or empty) directory for the zips and manifest.json.")] = Path(
        "dist"
    ),
    function: FunctionsOption = None,
    build: Annotated[
        str | None,
        typer.Option(help="An older build (its manifest's sha256) whose zips passed in --from. Default: the last."),
    ] = None,
) -> None:
    """Download the artifacts that passed in --from from its bucket, by sha256 (re-hashed), into a
    dist directory for `bbws verify` and `bbws promote --dist`."""
    with _failures():
        target = _environment(destination)
        names = tuple(function or BY_NAME)
        fetch_passed(
            _environment(source), target, accounts.session_for(target), out, functions=names, build=build, report=_say
        )


def promote_command(
    source: SourceOption,
    destination: DestinationOption,
    dist: Annotated[
        Path | None,
        typer.Option(help="The artifacts to promote (`bbws fetch`); each must be the passed sha256. Default: fetch."),
    ] = None,
    function: FunctionsOption = None,
) -> None:
    """Deploy into the next environment exactly the artifacts that passed the previous one."""
    with _failures():
        target = _environment(destination)
        names = tuple(function or (() if dist is not None else tuple(BY_NAME)))
        refuse_if_failed(_ses_sandbox(target))
        promote(_environment(source), target, accounts.session_for(target), dist=dist, functions=names, report=_say)


def rollback_command(
    env: EnvOption,
    function: FunctionsOption = None,
    release_id: Annotated[
        str | None, typer.Option(help="Only this release (a workflow's cleanup); nothing else is touched.")
    ] = None,
) -> None:
    """Give the traffic back at once: stop a running release (or settle a dead one), else point
    `live` back at the version the last release replaced."""
    with _failures():
        target = _environment(env)
        session = accounts.session_for(target)
        hooks = ReleaseOperations(target, session, report=_say).hooks()
        rolled = rollback(target, session, function or None, release_id=release_id, report=_say, hooks=hooks)
        console.print(f"rolled back {len(rolled)} function(s) in {target.name}")


def smoke_command(
    base_url: Annotated[str, typer.Option(help="The API's base URL (stage URL, without /v1.0).")],
    env: Annotated[str | None, typer.Option("--env", help="The environment being checked.")] = None,
    storefront_key: Annotated[
        str | None, typer.Option(envvar="BBWS_STOREFRONT_KEY", help="Also submit one order (never in prod).")
    ] = None,
    record: Annotated[bool, typer.Option(help="On success, record the released versions as passed.")] = False,
) -> None:
    """Check a deployment over HTTP. Read-only against prod (and whenever no --env is given)."""
    with _failures():
        target = _environment(env) if env else None
        read_only = target is None or target.protected
        if read_only and storefront_key:
            console.print("read-only run: the order check is skipped")

        def show(check: Check) -> None:
            mark = "[green]ok[/green]  " if check.ok else "[red]FAIL[/red]"
            console.print(f"{mark} {check.name}: {check.detail}")

        result = run_smoke(Client(base_url, read_only=read_only), storefront_key=storefront_key, report=show)
        sandbox = _ses_sandbox(target) if target is not None else None
        if not result.ok or (sandbox is not None and sandbox.failed):
            raise typer.Exit(1)
        if record:
            if target is None:
                raise GuardError("--record needs --env")
            passed = mark_passed(target, accounts.session_for(target))
            console.print(f"recorded {len(passed)} function(s) as passed in {target.name}")


def destroy_command(env: EnvOption) -> None:
    """`terraform destroy` an environment. Always refused for prod (and with prod's credentials)."""
    with _failures():
        target = _environment(env)
        status = destroy(target, accounts.session_for(target), _project_root())
        raise typer.Exit(status)


_COMMANDS: dict[str, Callable[..., None]] = {
    "package": package,
    "verify": verify_command,
    "deploy": deploy_command,
    "release": release_command,
    "fetch": fetch_command,
    "promote": promote_command,
    "rollback": rollback_command,
    "smoke": smoke_command,
    "destroy": destroy_command,
}


def register(app: typer.Typer) -> None:
    """Add the delivery commands to the top-level `bbws` application."""
    for name, command in _COMMANDS.items():
        app.command(name)(command)
