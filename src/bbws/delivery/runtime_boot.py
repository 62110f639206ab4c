"""Boot an extracted zip under the real Lambda runtime interface client and invoke it once.

`awslambdaric` (AWS's runtime interface client, the one in Lambda's Python base images; a CLI
dependency of this project, never shipped) runs in a fresh interpreter of the runtime's Python
version (`-I -S`: no site-packages, no user site, no PYTHONPATH), with Lambda's `sys.path` — the
zip (`/var/task`), then for a `--no-bundle-boto3` zip the runtime's pinned boto3, then the runtime
client's own directory (`/var/runtime`) — and Lambda's environment. It talks to a minimal Runtime
API served on 127.0.0.1 by this process: one `invocation/next` carries the synthetic event, and the
function's answer, its error, or its init error comes back exactly as Lambda would receive it.

After the one invocation (when the runtime asks for the next event) the booted process reports
which modules it loaded from outside its path, creates every AWS client the function's code can
create (loading each service model and its endpoint rules from the zip or the runtime's boto3),
and exits. Issue 10's priming hook: `BootOptions.snap_start` runs the SnapStart init path of the
runtime client (before-snapshot hooks, `restore/next`, after-restore hooks) before the invocation.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import util
from pathlib import Path
from typing import Any

BOOT_TIMEOUT_SECONDS = 90.0
_API = "/2018-06-01/runtime"
_NEXT = re.compile(rf"^{_API}/invocation/next$")
_RESULT = re.compile(rf"^{_API}/invocation/(?P<id>[^/]+)/(?P<kind>response|error)$")

# Runs inside the booted interpreter. Lambda's own bootstrap, with one change: the second
# request for an event (the first is answered; the function has run) ends the process after
# the post-invocation checks, instead of waiting for work that never comes.
_BOOT = r"""
import json, os, sys, sysconfig
task, runtime, report_path, handler, clients, *sdk = sys.argv[1:]
sys.path[:0] = [task, *sdk, runtime]
from awslambdaric import bootstrap
from awslambdaric.lambda_config import LambdaConfigProvider
from awslambdaric.lambda_runtime_client import LambdaRuntimeClient

def after_invocation():
    paths = sysconfig.get_paths()
    allowed = tuple(os.path.join(p, "") for p in (task, runtime, *sdk, paths["stdlib"], paths["platstdlib"]))
    strays = sorted(
        name for name, module in list(sys.modules.items())
        if getattr(module, "__file__", None) and not str(module.__file__).startswith(allowed)
    )
    failures = {}
    for kind, service in json.loads(clients):
        try:
            import boto3
            create = boto3.client if kind == "client" else boto3.resource
            create(service, region_name=os.environ["AWS_REGION"])
        except Exception as error:
            failures[kind + " " + service] = type(error).__name__ + ": " + str(error)
    with open(report_path, "w") as handle:
        json.dump({"strays": strays, "clients": failures}, handle)

class OneInvocation(LambdaRuntimeClient):
    asked = 0
    def wait_next_invocation(self):
        OneInvocation.asked += 1
        if OneInvocation.asked > 1:
            after_invocation()
            sys.stdout.flush()
            os._exit(0)
        return super().wait_next_invocation()

config = LambdaConfigProvider([None, handler])
bootstrap.run(handler, OneInvocation(config.api_address, config.use_thread_polling))
"""


@dataclass(frozen=True)
class BootOptions:
    timeout_seconds: float = BOOT_TIMEOUT_SECONDS
    # SnapStart's init path in the runtime client: before-snapshot (priming) hooks, then
    # `restore/next`, then after-restore hooks, before the invocation (issue 10).
    snap_start: bool = False


@dataclass
class BootResult:
    """What the Runtime API received from one boot, and what the booted process reported."""

    init_error: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    error_type: str | None = None
    restore_error: dict[str, Any] | None = None
    response: Any = None
    answered: bool = False
    strays: list[str] = field(default_factory=list)
    client_failures: dict[str, str] = field(default_factory=dict)
    aws_calls: list[str] = field(default_factory=list)  # requests that reached the fake AWS endpoint
    reported: bool = False
    exit_status: int | None = None
    timed_out: bool = False
    output: str = ""  # the function's stdout and stderr (logs)

    def problems(self) -> list[str]:
        """Why this boot would fail on Lambda, in the runtime's own words where it has them."""
        found: list[str] = []
        if self.timed_out:
            found.append("no answer from the function within the boot timeout")
        if self.init_error is not None:
            found.append(f"init failed: {_describe(self.init_error)}")
        if self.restore_error is not None:
            found.append(f"after-restore hook failed: {_describe(self.restore_error)}")
        if self.error is not None:
            found.append(f"invocation failed: {_describe(self.error)}")
        if self.aws_calls:
            found.append(f"the synthetic event made AWS calls: {', '.join(self.aws_calls[:5])}")
        if self.strays:
            found.append(f"modules loaded from outside the zip: {', '.join(self.strays[:10])}")
        for what, why in sorted(self.client_failures.items()):
            kind, _, service = what.partition(" ")
            found.append(f"cannot create the {service} {kind}: {why}")
        if not found and self.answered and not self.reported:
            last = self.output.strip().splitlines()[-1:] or [f"exit status {self.exit_status}"]
            found.append(f"the runtime did not come back for the next event: {last[0]}")
        if not found and not self.answered:
            last = self.output.strip().splitlines()[-1:] or [f"exit status {self.exit_status}"]
            found.append(f"the runtime exited without answering: {last[0]}")
        return found


def _describe(error: Mapping[str, Any]) -> str:
    return f"{error.get('errorType', 'error')}: {error.get('errorMessage', '')}".strip()


class _RuntimeApi(ThreadingHTTPServer):
    """The Runtime API for one boot: hands out one event, then records what comes back."""

    daemon_threads = True

    def __init__(self, event: bytes, function_arn: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.event = event
        self.function_arn = function_arn
        self.request_id = str(uuid.uuid4())
        self.result = BootResult()
        self.served = False
        self.finished = threading.Event()
        self.lock = threading.Lock()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _RuntimeApi

    def log_message(self, *args: object) -> None:  # noqa: ARG002 - the function's logs are enough
        return

    def _reply(self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        api = self.server
        if _NEXT.match(self.path):
            with api.lock:
                first = not api.served
                api.served = True
            if not first:  # the booted process exits instead of asking twice; never hand out more
                api.finished.wait(BOOT_TIMEOUT_SECONDS)
                self._reply(500, b'{"errorMessage": "verify serves one event"}')
                return
            deadline = int((time.time() + 30) * 1000)
            self._reply(
                200,
                api.event,
                {
                    "Lambda-Runtime-Aws-Request-Id": api.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline),
                    "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
                    "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
                },
            )
        elif self.path == f"{_API}/restore/next":
            self._reply(200)
        else:
            self._aws_call()

    def do_POST(self) -> None:
        api = self.server
        body = self._body()
        match = _RESULT.match(self.path)
        if match is not None and match["id"] == api.request_id:
            if match["kind"] == "response":
                api.result.response = _json(body)
            else:
                api.result.error = _json(body) or {"errorMessage": body.decode(errors="replace")}
                api.result.error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
            api.result.answered = True
            self._reply(202, b'{"status": "OK"}')
        elif self.path == f"{_API}/init/error":
            api.result.init_error = _json(body) or {"errorMessage": body.decode(errors="replace")}
            self._reply(202, b'{"status": "OK"}')
        elif self.path == f"{_API}/restore/error":
            api.result.restore_error = _json(body) or {"errorMessage": body.decode(errors="replace")}
            self._reply(202, b'{"status": "OK"}')
        else:
            self._aws_call()

    def _aws_call(self) -> None:
        # AWS_ENDPOINT_URL points here: an AWS call from the synthetic event is a finding, and
        # fails at once instead of waiting on a network that verify must not need.
        target = self.headers.get("X-Amz-Target") or ""
        self.server.result.aws_calls.append(f"{self.command} {self.path} {target}".strip())
        self._body()
        self._reply(400, b'{"__type": "VerifyNoAws", "message": "verify makes no AWS calls"}')


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body.decode(errors="replace")


@dataclass(frozen=True)
class RuntimeClientDir:
    """A directory standing in for Lambda's `/var/runtime`: the runtime interface client and
    what it imports, linked from this environment (never from the zip)."""

    path: Path


_RUNTIME_MODULES = ("awslambdaric", "runtime_client", "simplejson", "snapshot_restore_py")


def prepare_runtime_client(directory: Path) -> RuntimeClientDir | str:
    """Link the runtime client's modules into `directory`; a reason string when unavailable."""
    directory.mkdir(parents=True, exist_ok=True)
    for module in _RUNTIME_MODULES:
        spec = util.find_spec(module)
        if spec is None or spec.origin is None:
            return f"{module} is not installed here (`make install` installs the runtime interface client)"
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        link = directory / source.name
        if not link.exists():
            link.symlink_to(source, target_is_directory=source.is_dir())
    return RuntimeClientDir(directory)


def runtime_client_python() -> str:
    """The Python version the runtime client here is built for (its C extension's)."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _xray_sink() -> socket.socket:
    """A UDP socket the X-Ray SDK sends its segments to (read by nobody, closed after the boot)."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    return sink


def boot(
    interpreter: str,
    task: Path,
    runtime: RuntimeClientDir,
    *,
    handler: str,
    environment: Mapping[str, str],
    event: Any,
    clients: Sequence[tuple[str, str]] = (),
    sdk: Sequence[Path] = (),
    options: BootOptions | None = None,
) -> BootResult:
    """Boot the extracted zip at `task` under the runtime client and invoke it with `event`."""
    options = options or BootOptions()
    function_name = environment.get("AWS_LAMBDA_FUNCTION_NAME", "verify")
    region = environment.get("AWS_REGION", "eu-west-1")
    api = _RuntimeApi(json.dumps(event).encode(), f"arn:aws:lambda:{region}:000000000000:function:{function_name}:live")
    serving = threading.Thread(target=api.serve_forever, daemon=True)
    serving.start()
    sink = _xray_sink()
    result = api.result
    with tempfile.TemporaryDirectory(prefix="bbws-boot-") as scratch:
        report = Path(scratch) / "report.json"
        environ = {
            **environment,
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "LAMBDA_TASK_ROOT": str(task),
            "LAMBDA_RUNTIME_DIR": str(runtime.path),
            "_HANDLER": handler,
            "LD_LIBRARY_PATH": f"{task}:{task / 'lib'}",
            "AWS_ENDPOINT_URL": f"http://{api.address}",
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{sink.getsockname()[1]}",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        }
        if options.snap_start:
            environ["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
        command = [
            interpreter, "-I", "-S", "-c", _BOOT,
            str(task), str(runtime.path), str(report), handler, json.dumps(sorted(clients)),
            *(str(path) for path in sdk),
        ]  # fmt: skip
        process = subprocess.Popen(  # noqa: S603 - fixed argv; the interpreter was found by verify
            command, cwd=task, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            output, _ = process.communicate(timeout=options.timeout_seconds)
        except subprocess.TimeoutExpired:
            process.kill()  # our own child, by its handle
            output, _ = process.communicate()
            result.timed_out = True
        result.exit_status = process.returncode
        result.output = output.decode(errors="replace")
        if report.is_file():
            reported = json.loads(report.read_text(encoding="utf-8"))
            result.reported = True
            result.strays = reported["strays"]
            result.client_failures = reported["clients"]
    api.finished.set()
    api.shutdown()
    api.server_close()
    sink.close()
    return result
