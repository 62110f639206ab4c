"""Every emulator fix is still needed: each test reproduces moto's bug with its fix undone.

When one of these fails, moto has fixed the bug: delete the fix from `bbws.local.moto_fixes`
and its test here.
"""

from __future__ import annotations

import pytest

from bbws.local import moto_fixes


def test_every_fix_has_a_still_needed_test() -> None:
    """Given the fixes, then each has `test_<name>_still_needed` in this module."""
    missing = [fix.name for fix in moto_fixes.FIXES if f"test_{fix.name}_still_needed" not in globals()]
    assert missing == []


def test_fix_names_are_unique_and_documented() -> None:
    names = [fix.name for fix in moto_fixes.FIXES]
    assert len(names) == len(set(names))
    assert all(fix.wrong and fix.seen_in for fix in moto_fixes.FIXES)


def test_apply_is_idempotent() -> None:
    moto_fixes.apply()
    moto_fixes.apply()
    for fix in moto_fixes.FIXES:
        with moto_fixes.unpatched(fix.name):
            pass


@pytest.fixture(autouse=True)
def _patched() -> None:
    moto_fixes.apply()
