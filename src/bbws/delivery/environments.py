"""`bbws environments`: the environments as their definition files declare them.

The workflows read an environment's account, region and deploy role from here
(`--github-output`), so no workflow names an account: the definition file is the one source.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bbws.delivery import accounts

console = Console(highlight=False, soft_wrap=True)


def environments_command(
    env: Annotated[str | None, typer.Option("--env", help="Only this environment.")] = None,
    github_output: Annotated[
        bool,
        typer.Option(
            "--github-output",
            help="Print name=value lines of --env (account_id, region, deploy_role_arn, ...) for $GITHUB_OUTPUT.",
        ),
    ] = False,
) -> None:
    """List the environments (infra/terraform/environments/*/environment.tf.json)."""
    try:
        chosen = [accounts.environment(env)] if env is not None else list(accounts.ENVIRONMENTS.values())
    except accounts.GuardError as error:
        Console(stderr=True).print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    if github_output:
        if env is None:
            Console(stderr=True).print("[red]error:[/red] --github-output needs --env")
            raise typer.Exit(2)
        (target,) = chosen
        for key, value in github_outputs(target).items():
            typer.echo(f"{key}={value}")
        return
    table = Table(title="environments (infra/terraform/environments)")
    for column in ("environment", "account", "region", "promoted from", "protected"):
        table.add_column(column, no_wrap=True)
    for target in chosen:
        table.add_row(
            target.name,
            target.account_id,
            target.region,
            target.previous or "(built here)",
            "yes" if target.protected else "no",
        )
    console.print(table)


def github_outputs(target: accounts.Environment) -> dict[str, str]:
    """What a workflow step needs to assume the environment's deploy role."""
    return {
        "name": target.name,
        "account_id": target.account_id,
        "region": target.region,
        "deploy_role_arn": target.deploy_role_arn,
        "artifacts_bucket": target.artifacts_bucket,
    }


def register(app: typer.Typer) -> None:
    app.command("environments")(environments_command)
