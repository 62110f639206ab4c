"""The whole local stack in this process: started by the command, used over HTTP, stopped by a signal."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from bbws.cli import app
from bbws.local.defaults import READY_PREFIX
from bbws.local.stack import check_reachable


@pytest.fixture
def restored_process_state() -> Iterator[None]:
    """The stack configures os.environ and the signal handlers of its process: put them back."""
    environ = dict(os.environ)
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    os.environ.clear()
    os.environ.update(environ)
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


def _wait_for(path: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.usefixtures("restored_process_state")
def test_run_serves_the_platform_and_stops_on_sigterm(tmp_path: Path) -> None:
    # Given `bbws local run` started on a free port with a ready file
    ready = tmp_path / "ready.json"
    seen: dict[str, object] = {}

    def use_then_stop() -> None:
        _wait_for(ready)
        if not ready.exists():  # it failed to start: the command has returned, nobody to signal
            return
        try:
            info = json.loads(ready.read_text())
            seen["info"] = info
            seen["health"] = requests.get(info["baseUrl"] + "/health", timeout=10).json()
            seen["products"] = requests.get(info["baseUrl"] + "/products", timeout=10).json()
            seen["queues"] = requests.get(info["apiUrl"] + "/_local/queues.json", timeout=10).json()
        finally:
            os.kill(os.getpid(), signal.SIGTERM)

    user = threading.Thread(target=use_then_stop)
    user.start()
    # When it runs until it is told to stop
    result = CliRunner().invoke(
        app,
        [
            "local",
            "run",
            "--port",
            "0",
            "--ready-file",
            str(ready),
            "--log-level",
            "WARNING",
            "--state-dir",
            str(tmp_path),
        ],
    )
    user.join(10)
    # Then it served the API with demo data, printed where things are, and exited cleanly
    assert result.exit_code == 0, result.output
    assert seen["health"] == {"status": "ok", "version": "0.1.0", "environment": "local"}
    assert {p["productId"] for p in seen["products"]["items"]} >= {"website-starter", "hosting-basic"}  # type: ignore[index]
    assert len(seen["queues"]["queues"]) == 6  # type: ignore[index]  # three queues, each with its DLQ
    info = seen["info"]
    assert info["awsEndpoint"].startswith("http://127.0.0.1:")  # type: ignore[index]
    assert READY_PREFIX in result.output
    assert "stay queued for the next start" in result.output
    assert "Stopped." in result.output


@pytest.mark.usefixtures("restored_process_state")
def test_run_on_a_taken_port_fails_with_a_message(tmp_path: Path) -> None:
    # Given a port another process already listens on
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # When the stack is started on it
        result = CliRunner().invoke(
            app,
            ["local", "run", "--port", str(port), "--no-demo", "--log-level", "WARNING", "--state-dir", str(tmp_path)],
        )
    # Then it says why and exits with 1, having stopped what it had started
    assert result.exit_code == 1
    assert f"port {port} is in use: try `make run PORT={port + 1}`" in result.output


@pytest.mark.usefixtures("restored_process_state")
def test_an_unreachable_aws_endpoint_is_one_line_and_nothing_starts(tmp_path: Path) -> None:
    # Given an --aws-endpoint where nothing listens (a port bound but not listening refuses)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{closed.getsockname()[1]}"
        # When the stack is started against it
        result = CliRunner().invoke(
            app,
            ["local", "run", "--port", "0", "--aws-endpoint", endpoint, "--no-demo", "--log-level", "WARNING",
             "--state-dir", str(tmp_path)],
        )  # fmt: skip
    # Then it says so in one line, with what to do, and exits with 1 (no traceback)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "not reachable" in line]
    assert len(lines) == 1, result.output
    assert f"the AWS endpoint {endpoint} is not reachable" in lines[0]
    assert "localstack start" in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "state.json").exists()


def test_an_aws_endpoint_that_is_not_a_url_is_refused() -> None:
    with pytest.raises(OSError, match="is not an http"):
        check_reachable("localhost:4566")
