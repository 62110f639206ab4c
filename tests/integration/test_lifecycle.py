"""Starting and stopping the local stack as a developer does (SIGTERM: tests/unit/local/test_stack.py)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import start_stack, stop_stack

pytestmark = pytest.mark.integration


def test_ctrl_c_stops_the_stack_cleanly(tmp_path: Path) -> None:
    # Given a running stack
    stack = start_stack(tmp_path)
    assert requests.get(stack.url("/health"), timeout=10).status_code == 200
    # When it is interrupted
    code = stop_stack(stack, signal.SIGINT)
    # Then it exits with 0 after stopping its parts, and its ports are closed
    assert code == 0, stack.log()
    assert "Stopped." in stack.log()
    with pytest.raises(requests.ConnectionError):
        requests.get(stack.url("/health"), timeout=2)
    with pytest.raises(requests.ConnectionError):
        requests.get(stack.info["awsEndpoint"], timeout=2)
