"""The `bbws` command line: the local stack, OpenAPI documents, packaging, delivery and operations.

The delivery and operations commands' modules import boto3, the packaging and release
machinery and more (about a second of CPU); `bbws --help` and `bbws local ...` need none of it.
So each of those modules is imported only when one of its commands runs (`LAZY`), and the help
page lists them with the one-line summaries kept here. `tests/unit/test_cli.py` checks them
against the commands themselves: every command a module registers is listed, under the first
paragraph of its own help. A new command: add its line to `LAZY` (the test says which).
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from bbws.local.commands import app as local_app

# command -> (the module whose `register(app)` adds it, the first paragraph of its help)
LAZY: dict[str, tuple[str, str]] = {
    "openapi": (
        "bbws.delivery.openapi",
        "Generate the OpenAPI document of every API service (openapi/<service>.json).",
    ),
    "package": (
        "bbws.delivery.commands",
        "Build one deterministic zip per Lambda function from uv.lock, with no Docker.",
    ),
    "verify": (
        "bbws.delivery.commands",
        "Re-check every artifact (hashes, RECORDs, native code, AWS models), then boot each under the "
        "Lambda runtime interface client and invoke it with one synthetic event.",
    ),
    "deploy": (
        "bbws.delivery.commands",
        "Upload the artifacts by sha256 and publish a new version of each function (alias unchanged).",
    ),
    "release": (
        "bbws.delivery.commands",
        "Shift the `live` alias to the deployed versions: 10 -> 25 -> 50 -> 100 % and a bake there, "
        "each step held as long as the watched alarms need, rolled back on any alarm, error or signal. "
        "Prod backs up every table first; start, rollback and completion go to the alarm topic.",
    ),
    "fetch": (
        "bbws.delivery.commands",
        "Download the artifacts that passed in --from from its bucket, by sha256 (re-hashed), into a "
        "dist directory for `bbws verify` and `bbws promote --dist`.",
    ),
    "promote": (
        "bbws.delivery.commands",
        "Deploy into the next environment exactly the artifacts that passed the previous one.",
    ),
    "rollback": (
        "bbws.delivery.commands",
        "Give the traffic back at once: stop a running release (or settle a dead one), else point "
        "`live` back at the version the last release replaced.",
    ),
    "smoke": (
        "bbws.delivery.commands",
        "Check a deployment over HTTP. Read-only against prod (and whenever no --env is given).",
    ),
    "destroy": (
        "bbws.delivery.commands",
        "`terraform destroy` an environment. Always refused for prod (and with prod's credentials).",
    ),
    "rehearse": (
        "bbws.delivery.rehearsal.command",
        "Rehearse a deployment with no AWS account: apply the environment's unmodified Terraform "
        "to the local emulator (its own account id and region), re-plan with no changes, check every "
        "resource against the code, `bbws deploy` and `bbws release`, then destroy it all.",
    ),
    "environments": (
        "bbws.delivery.environments",
        "List the environments (infra/terraform/environments/*/environment.tf.json).",
    ),
    "status": (
        "bbws.operations.commands",
        "Each function's live version, weights, sha256 and release record; alarms in ALARM; queue and DLQ depths.",
    ),
    "logs": (
        "bbws.operations.commands",
        "A function's CloudWatch Logs, the JSON lines formatted: time, level, order, message.",
    ),
    "backup": (
        "bbws.operations.commands",
        "Back up every table now, as a release does first (waits until each is AVAILABLE).",
    ),
    "restore": (
        "bbws.operations.commands",
        "Restore a release's pre-release backups into NEW tables (<table>-restored-<release>); never overwrites.",
    ),
}


class LazyGroup(TyperGroup):
    """The top-level group: `LAZY` commands are imported when one of them runs."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*LAZY, *super().list_commands(ctx)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in LAZY:
            return super().get_command(ctx, cmd_name)
        module, summary = LAZY[cmd_name]
        if self._listing:  # the help page: the summary only, nothing imported
            return TyperCommand(cmd_name, help=summary)
        return load(module)[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def load(module: str) -> dict[str, Any]:
    """The commands `module` registers, by name (built on an application of their own)."""
    registered = typer.Typer(rich_markup_mode=None)
    registered.command("-", hidden=True)(lambda: None)  # two commands or more: typer builds a group
    importlib.import_module(module).register(registered)
    group: Any = typer.main.get_command(registered)
    return {name: command for name, command in group.commands.items() if name != "-"}


# Plain help pages (rich_markup_mode=None): typer's rich formatter imports rich's markdown,
# traceback and layout modules, ~0.3 s of CPU that `bbws --help` must not pay (issue 13: under
# 0.5 s). The commands' own output still uses rich.
app = typer.Typer(
    help="BBWS Commerce Platform tooling.",
    no_args_is_help=True,
    add_completion=False,
    cls=LazyGroup,
    rich_markup_mode=None,
)
app.add_typer(local_app, name="local", help="Run the platform on this machine.")

if __name__ == "__main__":  # pragma: no cover
    app()
