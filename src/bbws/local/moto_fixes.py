"""Where the AWS emulator (moto) differs from AWS, fixed in this one module.

Each fix is a small, named patch of moto with a note saying what moto does wrong. Every fix has
a test in `tests/unit/local/test_moto_fixes.py` that reproduces the bug against unpatched moto
(`unpatched(name)`): that test fails once moto itself is fixed, which is the signal to delete the
patch. `apply()` installs every fix once per process; the emulator calls it before it serves, so
`make run`, the deploy rehearsal and the tests all talk to the same patched moto.

To add one: write `_install_<name>()` that patches moto and returns a function undoing it, and
list it in `FIXES` with what moto does wrong and the moto version it was seen in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

Undo = Callable[[], None]


@dataclass(frozen=True)
class MotoFix:
    name: str
    wrong: str  # what moto does that AWS does not (seen in the version below)
    seen_in: str
    install: Callable[[], Undo]


FIXES: tuple[MotoFix, ...] = ()

_lock = threading.Lock()
_installed: dict[str, Undo] = {}


def apply() -> None:
    """Install every fix (idempotent)."""
    with _lock:
        for fix in FIXES:
            if fix.name not in _installed:
                _installed[fix.name] = fix.install()


def by_name(name: str) -> MotoFix:
    return next(fix for fix in FIXES if fix.name == name)


@contextmanager
def unpatched(name: str) -> Iterator[None]:
    """moto without this one fix, for the test that shows the bug is still there."""
    with _lock:
        undo = _installed.pop(name, None)
        if undo is not None:
            undo()
    try:
        yield
    finally:
        with _lock:
            if undo is not None:
                _installed[name] = by_name(name).install()
