"""`bbws rehearse --env dev`: the command line of the deploy rehearsal (`make rehearse`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bbws.delivery import accounts
from bbws.delivery.accounts import GuardError
from bbws.delivery.rehearsal.run import DEFAULT_TIME_LIMIT, Options, Outcome, rehearse
from bbws.delivery.rehearsal.terraform import ToolMissing

# CI logs are not terminals: wide enough that the summary's rows stay one line each.
console = Console(stderr=True, highlight=False, width=None if Console(stderr=True).is_terminal else 160)

EXIT_FAILED = 1
EXIT_TOOL_MISSING = 2


def _project_root() -> Path:
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file() and (candidate / "infra" / "terraform").is_dir():
            return candidate
    raise typer.BadParameter("run bbws rehearse inside the repository (no pyproject.toml with infra/terraform found)")


def summary(outcome: Outcome) -> Table:
    """One row per phase, then the totals: resources applied, drift, checks, seconds."""
    table = Table(title=f"deploy rehearsal of {outcome.environment} against the emulator")
    for column, justify in (("phase", "left"), ("result", "left"), ("seconds", "right"), ("detail", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    marks = {True: "[green]ok[/green]", False: "[red]FAIL[/red]", None: "[yellow]skipped[/yellow]"}
    for phase in outcome.phases:
        table.add_row(phase.name, marks[phase.ok], f"{phase.seconds:.1f}", escape(phase.detail))
    passed = sum(check.ok for check in outcome.checks)
    drift = "n/a" if outcome.drift is None else ("none" if not outcome.drift else f"{len(outcome.drift)} changes")
    resources = "n/a" if outcome.resources is None else str(outcome.resources)
    table.caption = (
        f"resources applied {resources} · drift {drift} · checks {passed}/{len(outcome.checks)} passed"
        f" · total {outcome.seconds:.0f} s"
    )
    return table


def rehearse_command(
    env: Annotated[str, typer.Option("--env", help="The environment whose Terraform is rehearsed.")] = "dev",
    time_limit: Annotated[
        float, typer.Option(help="Stop the whole run after this many seconds (each phase has its own bound too).")
    ] = DEFAULT_TIME_LIMIT,
) -> None:
    """Rehearse a deployment with no AWS account: apply the environment's unmodified Terraform
    to the local emulator (its own account id and region), re-plan with no changes, check every
    resource against the code, `bbws deploy` and `bbws release`, then destroy it all."""
    try:
        target = accounts.environment(env)
        root = _project_root()
        outcome = rehearse(Options(env=target, project_root=root, time_limit=time_limit), console.print)
    except GuardError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(EXIT_FAILED) from error
    except ToolMissing as error:
        console.print(f"[red]cannot rehearse:[/red] {error}")
        raise typer.Exit(EXIT_TOOL_MISSING) from error
    console.print(summary(outcome))
    failure = outcome.first_failure
    if failure is not None:
        console.print(f"[red]rehearsal failed[/red] at {failure.name}: {escape(failure.detail)}")
        console.print(f"logs: {outcome.work_dir}")
        raise typer.Exit(EXIT_FAILED)
    console.print(f"[green]rehearsal passed[/green] in {outcome.seconds:.0f} s")


def register(app: typer.Typer) -> None:
    app.command("rehearse")(rehearse_command)
