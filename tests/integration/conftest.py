"""The local stack in a subprocess (`bbws local run --port 0`), shared by the integration tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 20


@dataclass
class RunningStack:
    """A started local stack: its URLs, credentials for each caller, and its process."""

    process: subprocess.Popen[bytes]
    info: dict[str, Any]
    log_path: Path
    _tokens: dict[tuple[str, str | None], str] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return str(self.info["apiUrl"])

    @property
    def base_url(self) -> str:
        """The API's base URL, `/v1.0` included."""
        return self.api_url + "/v1.0"

    @property
    def storefront_key(self) -> str:
        return str(self.info["storefrontApiKey"])

    def url(self, path: str) -> str:
        return self.base_url + path

    def token(self, role: str, tenant_id: str | None = None) -> str:
        """A bearer token from the stack's development issuer (cached per caller)."""
        key = (role, tenant_id)
        if key not in self._tokens:
            body: dict[str, str] = {"role": role}
            if tenant_id is not None:
                body["tenantId"] = tenant_id
            response = requests.post(self.api_url + "/_local/tokens", json=body, timeout=10)
            response.raise_for_status()
            self._tokens[key] = response.json()["token"]
        return self._tokens[key]

    def auth(self, role: str, tenant_id: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, tenant_id)}"}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_stack(
    workdir: Path,
    *extra_args: str,
    state_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    new_session: bool = False,
) -> RunningStack:
    """Start `bbws local run --port 0` and wait until it has written its ready file (its state
    in `state_dir`, by default a directory of its own in `workdir`: never the checkout's;
    `environ` added to its environment; `new_session`: in a process group of its own, as a
    terminal or a service manager runs it, so a test can signal the whole group)."""
    ready_file = workdir / "ready.json"
    ready_file.unlink(missing_ok=True)
    log_path = workdir / "stack.log"
    child_environ = {**os.environ, "PYTHONUNBUFFERED": "1", **(environ or {})}
    # The tests' own settings must not leak into the stack: it configures its environment itself.
    for name in ("AWS_ENDPOINT_URL", "ENVIRONMENT"):
        child_environ.pop(name, None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bbws.cli", "local", "run", "--port", "0", "--ready-file", str(ready_file),
             "--state-dir", str(state_dir or workdir / "state"), *extra_args],
            cwd=REPO_ROOT,
            env=child_environ,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not ready_file.exists():
        if process.poll() is not None:
            pytest.fail(f"the local stack exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the local stack was not ready in {START_TIMEOUT_SECONDS}s:\n{log_path.read_text()}")
        time.sleep(0.2)
    return RunningStack(process, json.loads(ready_file.read_text()), log_path)


def stop_stack(stack: RunningStack, signum: int = signal.SIGINT) -> int:
    """Stop it as Ctrl-C would; kill it if it does not stop in time. Returns the exit code."""
    if stack.process.poll() is None:
        stack.process.send_signal(signum)
        try:
            stack.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            stack.process.kill()
            stack.process.wait(5)
    return int(stack.process.returncode)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """Given the local stack running on a free port, with its demo data."""
    stack = start_stack(tmp_path_factory.mktemp("local-stack"))
    yield stack
    stop_stack(stack)


def free_port() -> int:
    """A port nothing listens on now (on 127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
