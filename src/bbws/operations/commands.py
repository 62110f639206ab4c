"""`bbws status` and `bbws logs`: an environment's state and a function's logs, read-only."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bbws.delivery import accounts
from bbws.delivery.commands import EnvOption, _environment, _failures, _say, console
from bbws.operations.backups import restore_backups, take_backups
from bbws.operations.logs import LogReader, filter_pattern, format_event, log_group, parse_since, stream_logs
from bbws.operations.status import EnvironmentStatus, FunctionStatus, environment_status


def _record_text(function: FunctionStatus) -> str:
    if not function.record_status:
        return "none"
    text = (
        f"{function.record_status} v{function.record_version} {(function.record_sha256 or '')[:12]} "
        f"{function.record_updated_at}"
    )
    if function.record_release_id:
        backups = f", {len(function.record_backups)} table backups first" if function.record_backups else ""
        text += f" (release {function.record_release_id}{backups})"
    return text


def _show_status(status: EnvironmentStatus) -> None:
    console.print(
        f"[bold]{status.environment}[/bold] account {status.account_id} ({status.region}), as {escape(status.caller)}"
    )
    functions = Table(title="functions (live alias)")
    for column in ("function", "serves", "sha256", "last release record"):
        functions.add_column(column)
    for function in status.functions:
        if not function.exists:
            serves, sha = "[red]not deployed[/red]", ""
        elif not function.served:
            serves, sha = "[yellow]no live alias[/yellow]", ""
        else:
            serves = ", ".join(f"v{s.version} {s.weight:.0%}" for s in function.served)
            sha = ", ".join((s.sha256 or "?")[:12] for s in function.served)
        record = _record_text(function)
        functions.add_row(function.function, serves, sha, record)
    console.print(functions)
    if status.alarms:
        alarms = Table(title="[red]alarms in ALARM[/red]")
        for column in ("alarm", "since", "reason"):
            alarms.add_column(column)
        for alarm in status.alarms:
            alarms.add_row(alarm.name, alarm.since, escape(alarm.reason[:160]))
        console.print(alarms)
    else:
        console.print("[green]no alarm in ALARM[/green]")
    queues = Table(title="queues")
    for column in ("queue", "visible", "in flight", "dead letters"):
        queues.add_column(column, justify="left" if column == "queue" else "right")
    for queue in status.queues:
        if queue.visible is None:
            queues.add_row(queue.name, "absent", "", "")
            continue
        dead = str(queue.dead_letter_visible) if queue.dead_letter_visible is not None else "absent"
        queues.add_row(
            queue.name,
            str(queue.visible),
            str(queue.in_flight),
            f"[red]{dead}[/red]" if queue.dead_letter_visible else dead,
        )
    console.print(queues)


def status_command(
    env: EnvOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON on stdout.")] = False,
) -> None:
    """Each function's live version, weights, sha256 and release record; alarms in ALARM; queue and DLQ depths."""
    with _failures():
        target = _environment(env)
        status = environment_status(target, accounts.session_for(target))
        if as_json:
            sys.stdout.write(json.dumps(status.to_json(), indent=2) + "\n")
        else:
            _show_status(status)


def logs_command(  # noqa: PLR0917 - typer turns each parameter into an option
    function: Annotated[str, typer.Argument(help="A function of the function table, e.g. orders-consumer.")],
    env: EnvOption,
    since: Annotated[str, typer.Option(help="How far back: 30s, 10m, 2h, 1d, or an ISO 8601 time.")] = "10m",
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new events until Ctrl-C.")] = False,
    filter_text: Annotated[
        str | None, typer.Option("--filter", help="Only events containing this exact text (case-sensitive).")
    ] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Print each event's message as logged.")] = False,
) -> None:
    """A function's CloudWatch Logs, the JSON lines formatted: time, level, order, message."""
    with _failures():
        target = _environment(env)
        group = log_group(target, function)
        session = accounts.session_for(target)
        accounts.require_account(target, session)
        start = parse_since(since, datetime.now(UTC))
        reader = LogReader(
            session.client("logs", region_name=target.region),
            group,
            int(start.timestamp() * 1000),
            filter_pattern(filter_text),
        )
        try:
            for event in stream_logs(reader, follow=follow, sleep=time.sleep):
                line = str(event.get("message", "")).rstrip("\n") if raw else format_event(event)
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
        except KeyboardInterrupt:  # --follow ends with Ctrl-C
            return


ReleaseOption = Annotated[str, typer.Option("--release", help="The release id the backups are named after.")]


def backup_command(env: EnvOption, release: ReleaseOption) -> None:
    """Back up every table now, as a release does first (waits until each is AVAILABLE)."""
    with _failures():
        target = _environment(env)
        backups = take_backups(target, accounts.session_for(target), release, report=_say)
        for entry in backups.tables:
            console.print(f"{entry.table}: {escape(entry.backup_arn)}")


def restore_command(
    env: EnvOption,
    release: ReleaseOption,
    confirm_release: Annotated[
        str | None, typer.Option(help="Required in a protected environment (prod): the release id again.")
    ] = None,
) -> None:
    """Restore a release's pre-release backups into NEW tables (<table>-restored-<release>); never overwrites."""
    with _failures():
        target = _environment(env)
        restored = restore_backups(
            target, accounts.session_for(target), release, confirm_release=confirm_release, report=_say
        )
        console.print(
            f"restoring {len(restored)} tables; the live tables are untouched. "
            "Next steps: docs/operations.md#the-way-back"
        )


def register(app: typer.Typer) -> None:
    app.command("status")(status_command)
    app.command("logs")(logs_command)
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
