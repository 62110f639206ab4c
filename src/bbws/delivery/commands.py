"""`bbws package | verify | deploy | promote | rollback | release | smoke`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the delivery commands to the top-level `bbws` application."""
