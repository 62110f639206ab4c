"""Defaults of the local stack, in a module light enough for the command line to import eagerly."""

from __future__ import annotations

import contextlib
from pathlib import Path

DEFAULT_REGION = "eu-west-1"
DEFAULT_STOREFRONT_KEY = "local-storefront-key"
LOCAL_VISIBILITY_TIMEOUT = 5  # a poison message reaches its DLQ after 5 receives, about 30 s
READY_PREFIX = "BBWS_LOCAL_READY "
# moto accepts any credentials: with the stack's own emulator every caller signs with a dummy
# key, and each function with one of its own (as each Lambda function has its role's keys), so
# the emulator can tell who calls (`caller_key`). Not secrets.
LOCAL_ACCESS_KEY = "local"
POLLERS_CALLER = "pollers"


def caller_key(caller: str) -> str:
    """The dummy access key a function (or the stack's pollers) signs with locally."""
    return f"{LOCAL_ACCESS_KEY}-{caller}"


# The checkout this package runs from (the templates and the saved state live there).
PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_STATE_DIR = PROJECT_ROOT / ".bbws" / "local"
CODE_ROOT = PROJECT_ROOT / "src" / "bbws"


def shown_path(path: Path) -> str:
    """A path as the user would type it: relative to the current directory when inside it."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    return str(path)
