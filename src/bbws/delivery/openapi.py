"""`bbws openapi`: write each API service's OpenAPI document, generated from its resolver."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `openapi` command to the top-level `bbws` application."""
