"""Starting and stopping the local stack as a developer does (SIGTERM: tests/unit/local/test_stack.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import (
    REPO_ROOT,
    START_TIMEOUT_SECONDS,
    STOP_TIMEOUT_SECONDS,
    free_port,
    start_stack,
    stop_stack,
)

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


def test_health_answers_200_only_once_the_stack_is_ready(tmp_path: Path) -> None:
    # Given a stack starting on a known port, watched from the moment its process starts
    port = free_port()
    environ = {key: value for key, value in os.environ.items() if key not in ("AWS_ENDPOINT_URL", "ENVIRONMENT")}
    with (tmp_path / "stack.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bbws.cli", "local", "run", "--port", str(port), "--state-dir", str(tmp_path)],
            cwd=REPO_ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    before: Counter[str] = Counter()
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        with requests.Session() as session:
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    health = session.get(f"http://127.0.0.1:{port}/v1.0/health", timeout=5)
                except requests.ConnectionError:
                    before["refused"] += 1
                    time.sleep(0.02)
                    continue
                if health.status_code == 200:
                    info = session.get(f"http://127.0.0.1:{port}/_local/info", timeout=5)
                    break
                # Then, until ready, the API says it is starting (a problem, never a 200)
                assert health.status_code == 503, health.text
                assert health.json()["detail"] == "the local stack is starting"
                starting = session.get(f"http://127.0.0.1:{port}/_local/info", timeout=5)
                # (it may have become ready in between: then both say so)
                assert (starting.status_code, starting.json()["ready"]) in ((503, False), (200, True))
                before["starting"] += 1
                time.sleep(0.02)
            else:
                pytest.fail(f"no 200 from health: {(tmp_path / 'stack.log').read_text()}")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(STOP_TIMEOUT_SECONDS)
    # And the first 200 comes from a stack with its demo data and pollers in place
    body = info.json()
    assert info.status_code == 200
    assert body["ready"] is True
    assert body["demoTenantId"]
    assert len(body["demoProducts"]) == 4
    assert set(body["pollers"]) >= {"orders-consumer", "notifications-consumer"}
    assert before["starting"] > 0, before  # the port was answering before the stack was ready
