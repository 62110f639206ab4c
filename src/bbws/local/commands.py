"""`bbws local ...`: run the local stack."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)


@app.command()
def run(port: int = typer.Option(3000, envvar="PORT", help="Port of the local API on 127.0.0.1")) -> None:
    """Start the local stack with demo data (Ctrl-C stops it)."""
    typer.echo(f"the local stack is not built yet (port {port})", err=True)
    raise typer.Exit(code=1)
