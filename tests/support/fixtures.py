"""Shared pytest fixtures: a moto-backed AWS with every platform resource provisioned."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from bbws.core import aws
from bbws.core.settings import get_settings
from bbws.local.provision import Resources, provision


@pytest.fixture
def aws_resources(monkeypatch: pytest.MonkeyPatch) -> Iterator[Resources]:
    """Given an emulated AWS account holding every table, queue and bucket of the platform,
    with the settings environment pointing at them."""
    with mock_aws():
        aws.reset()
        resources = provision(prefix="test")
        for name, value in resources.environ().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("ENVIRONMENT", "local")
        get_settings.cache_clear()
        yield resources
        aws.reset()
