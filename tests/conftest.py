"""Fixtures every layer of tests shares: a clean environment, moto, API Gateway events."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Set before any bbws module reads its settings: tests never reach a real AWS account.
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "BBWS")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "bbws-tests")
os.environ.pop("AWS_ENDPOINT_URL", None)

pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(autouse=True, scope="session")
def _moto_as_the_emulator_serves_it() -> None:
    """In-process moto (mock_aws) with the emulator's fixes, as `make run` and the rehearsal
    serve it (each fix's own test undoes it to show it is still needed)."""
    from bbws.local import moto_fixes

    moto_fixes.apply()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    from bbws.core import aws
    from bbws.core.cursor_keys import KEYS
    from bbws.core.settings import get_settings

    get_settings.cache_clear()
    aws.reset()
    KEYS.forget()
    yield
    get_settings.cache_clear()
    aws.reset()
    KEYS.forget()
