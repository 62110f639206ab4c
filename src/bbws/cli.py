"""The `bbws` command line: the local stack, OpenAPI documents, packaging, delivery and operations."""

from __future__ import annotations

import typer

from bbws.delivery.commands import register as register_delivery
from bbws.delivery.environments import register as register_environments
from bbws.delivery.openapi import register as register_openapi
from bbws.delivery.rehearsal.command import register as register_rehearsal
from bbws.local.commands import app as local_app
from bbws.operations.commands import register as register_operations

app = typer.Typer(help="BBWS Commerce Platform tooling.", no_args_is_help=True, add_completion=False)
app.add_typer(local_app, name="local", help="Run the platform on this machine.")
register_openapi(app)
register_delivery(app)
register_environments(app)
register_rehearsal(app)
register_operations(app)

if __name__ == "__main__":  # pragma: no cover
    app()
