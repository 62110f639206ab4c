"""Lambda execution environments for the local stack: one worker process each.

Lambda never runs two invocations in one interpreter: each execution environment handles one
invocation at a time, and a function scales by adding environments. The platform relies on that
(Powertools keeps the current event on a class attribute shared by every resolver in the
process), so the local stack does the same: every function gets a small pool of worker
processes, each running one invocation at a time, started on demand up to the pool's size.

Workers are forked from a `multiprocessing` fork server that has imported the heavy third-party
libraries once (boto3, pydantic, Powertools, Jinja2), so a new environment costs only the
import of the platform's own code. The platform's code itself is never preloaded: a worker
started after an edit runs the edited code (hot reload recycles the workers).

Events go in and results come out as JSON, as through Lambda's runtime API (a result that is not
JSON-serialisable fails as `Runtime.MarshalError`). A handler that raises fails the invocation
with its error type and message; a worker that dies or overruns its timeout is killed and
replaced, and the invocation fails with `EnvironmentFailed`.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
import types
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from typing import Any

from bbws.core.functions import LambdaFunction
from bbws.local.defaults import LOCAL_ACCESS_KEY, caller_key
from bbws.local.lambda_context import LambdaContext

log = logging.getLogger("bbws.local.workers")

# Third-party modules every handler imports: loaded once in the fork server. Never bbws code.
PRELOAD = (
    "boto3",
    "botocore.client",
    "pydantic",
    "jinja2",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.parser",
)
INIT_TIMEOUT_SECONDS = 60.0  # importing the handler (Lambda allows 10 s; a loaded laptop needs more)
CLOSE_TIMEOUT_SECONDS = 2.0


class InvocationError(Exception):
    """An invocation that produced no result."""


class FunctionUnavailable(InvocationError):
    """The function's module does not exist (yet): a service still being built."""


class FunctionFailed(InvocationError):
    """The handler raised (or could not be imported): Lambda's `errorType` and `errorMessage`."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.error_message = message


class EnvironmentFailed(InvocationError):
    """The execution environment died or overran the timeout; it has been replaced."""


_context_lock = threading.Lock()
_context: ForkServerContext | None = None


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """multiprocessing makes each child import the parent's `__main__` (the `bbws` script, or
    pytest), which a worker does not need and which would cost it the whole command line's
    imports. With an empty `__main__` while a worker starts, it imports only what it runs."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _multiprocessing() -> ForkServerContext:
    """The fork server context, its preload list set before the server first starts."""
    global _context  # noqa: PLW0603 - one fork server per process, made on first use
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(PRELOAD))
            _context = context
        return _context


# ---------------------------------------------------------------------------------------------
# Inside the worker process


def _import_handler(function: LambdaFunction) -> Callable[[dict[str, Any], Any], Any]:
    module_name, attribute = function.handler.split(":", 1)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        # Only the function's own module missing means "not built yet"; a missing dependency
        # inside an existing module is a real error.
        if error.name and module_name.startswith(error.name):
            raise FunctionUnavailable(f"{function.name}: module {module_name} does not exist yet") from error
        raise
    handler: Callable[[dict[str, Any], Any], Any] = getattr(module, attribute)
    return handler


def _serve(
    connection: Connection, function: LambdaFunction, region: str, environ: dict[str, str], timeout: int
) -> None:
    """The worker's main loop: import the handler, then one invocation per message."""
    # The stack decides when its workers stop (after the requests and batches in flight), so a
    # worker leaves the stack's process group: neither the terminal's Ctrl-C nor a SIGTERM sent
    # to the group (`kill -TERM -PGID`, a service manager, `timeout`) reaches it. It still ends
    # when its pipe closes (the stack stopped or died) or when killed by its pid. Writing to the
    # terminal from outside the foreground group must not stop it (`stty tostop`): SIGTTOU ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    os.environ.clear()
    os.environ.update(environ)
    try:
        handler = _import_handler(function)
    except FunctionUnavailable as error:
        connection.send_bytes(json.dumps(["unavailable", str(error)]).encode())
        return
    except BaseException as error:  # noqa: BLE001 - reported to the parent as Lambda's init error
        traceback.print_exc()
        connection.send_bytes(json.dumps(["failed", "Runtime.ImportModuleError", repr(error)]).encode())
        return
    connection.send_bytes(json.dumps(["ready", os.getpid()]).encode())
    while True:
        try:
            request = connection.recv_bytes()
        except (EOFError, OSError):
            return
        if not request:
            return
        request_id, event = json.loads(request)
        context = LambdaContext(function_name=function.name, region=region, timeout_seconds=timeout,
                                aws_request_id=request_id)  # fmt: skip
        try:
            result = handler(event, context)
        except Exception as error:  # noqa: BLE001 - the invocation's error, as Lambda reports it
            traceback.print_exc()
            answer = ["failed", type(error).__name__, str(error)]
        else:
            try:
                answer = ["ok", json.loads(json.dumps(result))]
            except (TypeError, ValueError) as error:
                answer = ["failed", "Runtime.MarshalError", f"the result is not JSON: {error}"]
        connection.send_bytes(json.dumps(answer).encode())


# ---------------------------------------------------------------------------------------------
# In the stack's process


class Worker:
    """One execution environment: a process running one function, one invocation at a time."""

    def __init__(self, function: LambdaFunction, region: str, environ: Mapping[str, str], timeout: int) -> None:
        context = _multiprocessing()
        self.function = function
        self.timeout = timeout
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=_serve,
            args=(child, function, region, dict(environ), timeout),
            name=f"bbws-{function.name}",
            daemon=True,
        )
        with _context_lock, _main_module_hidden():
            self.process.start()
        child.close()
        self.pid: int | None = None

    def wait_ready(self, timeout: float = INIT_TIMEOUT_SECONDS) -> None:
        """Block until the handler is imported; raises what the import raised."""
        try:
            if not self.connection.poll(timeout):
                self.kill()
                raise EnvironmentFailed(f"{self.function.name}: the handler was not imported in {timeout:.0f} s")
            answer = json.loads(self.connection.recv_bytes())
        except (EOFError, OSError) as error:
            self.kill()
            raise EnvironmentFailed(f"{self.function.name}: the worker exited while importing the handler") from error
        if answer[0] == "ready":
            self.pid = int(answer[1])
            return
        self.kill()
        if answer[0] == "unavailable":
            raise FunctionUnavailable(answer[1])
        raise FunctionFailed(answer[1], answer[2])

    def invoke(self, event: dict[str, Any], request_id: str) -> Any:
        try:
            self.connection.send_bytes(json.dumps([request_id, event]).encode())
            if not self.connection.poll(self.timeout):
                self.kill()
                raise EnvironmentFailed(f"{self.function.name} timed out after {self.timeout} s")
            answer = json.loads(self.connection.recv_bytes())
        except (EOFError, OSError) as error:
            code = self.kill()
            raise EnvironmentFailed(f"{self.function.name}: the execution environment exited ({code})") from error
        if answer[0] == "ok":
            return answer[1]
        raise FunctionFailed(answer[1], answer[2])

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> int | None:
        """End the process now (a crash or a timeout); returns its exit code."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(CLOSE_TIMEOUT_SECONDS)
        self.connection.close()
        return self.process.exitcode

    def close(self) -> None:
        """Ask the worker to exit after its current invocation; kill it if it does not."""
        with contextlib.suppress(OSError):
            self.connection.send_bytes(b"")
        self.process.join(CLOSE_TIMEOUT_SECONDS)
        self.kill()


@dataclass
class PoolStats:
    workers: int
    busy: int
    started: int
    replaced: int


class FunctionPool:
    """The execution environments of one function: at most `size`, started on demand, each
    running one invocation at a time; a failed one is replaced by the next invocation."""

    def __init__(
        self,
        function: LambdaFunction,
        region: str,
        environ: Callable[[], Mapping[str, str]],
        size: int = 1,
        timeout: int = 30,
    ) -> None:
        self.function = function
        self.region = region
        self.size = max(1, size)
        self.timeout = timeout
        self._environ = environ
        self._idle: list[Worker] = []
        self._count = 0  # workers that exist or are starting
        self._busy = 0
        self._generation = 0
        self._generations: dict[int, int] = {}  # id(worker) -> generation it was started in
        self._unavailable: str | None = None  # the module is missing (until the next recycle)
        self._closed = False
        self._started = 0
        self._replaced = 0
        self._changed = threading.Condition()

    def _environment(self) -> dict[str, str]:
        environ = dict(self._environ())
        if environ.get("AWS_ACCESS_KEY_ID") == LOCAL_ACCESS_KEY:  # the stack's own emulator: sign as itself
            environ["AWS_ACCESS_KEY_ID"] = caller_key(self.function.name)
        module, attribute = self.function.handler.split(":", 1)
        environ.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": self.function.name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
                "AWS_LAMBDA_FUNCTION_TIMEOUT": str(self.timeout),
                "_HANDLER": f"{module}.{attribute}",
                # As Terraform sets it: each function logs under its service's name.
                "POWERTOOLS_SERVICE_NAME": self.function.service,
            }
        )
        return environ

    def _acquire(self) -> Worker:
        with self._changed:
            while True:
                if self._closed:
                    raise EnvironmentFailed(f"{self.function.name}: the local stack is stopping")
                if self._unavailable is not None:
                    raise FunctionUnavailable(self._unavailable)
                if self._idle:
                    worker = self._idle.pop()
                    self._busy += 1
                    return worker
                if self._count < self.size:
                    self._count += 1
                    self._busy += 1
                    generation = self._generation
                    break
                self._changed.wait()
        try:
            worker = Worker(self.function, self.region, self._environment(), self.timeout)
            worker.wait_ready()
        except BaseException as error:
            with self._changed:
                self._count -= 1
                self._busy -= 1
                if isinstance(error, FunctionUnavailable) and generation == self._generation:
                    self._unavailable = str(error)
                self._changed.notify_all()
            raise
        with self._changed:
            self._started += 1
            self._generations[id(worker)] = generation
        return worker

    def _release(self, worker: Worker, failed: bool) -> None:
        with self._changed:
            self._busy -= 1
            stale = self._generations.get(id(worker)) != self._generation or self._closed
            if failed or stale or not worker.alive:
                self._count -= 1
                self._generations.pop(id(worker), None)
                if failed:
                    self._replaced += 1
                retire: Worker | None = worker
            else:
                self._idle.append(worker)
                retire = None
            self._changed.notify_all()
        if retire is not None:
            retire.close()

    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        worker = self._acquire()
        failed = False
        try:
            return worker.invoke(event, request_id or str(uuid.uuid4()))
        except EnvironmentFailed:
            failed = True
            raise
        finally:
            self._release(worker, failed)

    def start(self, count: int = 1) -> None:
        """Start up to `count` environments now (before traffic), waiting until they are ready."""
        workers = []
        try:
            for _ in range(min(count, self.size)):
                workers.append(self._acquire())
        finally:
            for worker in workers:
                self._release(worker, failed=False)

    def available(self) -> bool:
        """False if the function's module does not exist; starts one environment to find out."""
        try:
            self.start(1)
        except FunctionUnavailable:
            return False
        except InvocationError as error:  # it exists but fails: its invocations will say why
            log.error("%s fails to initialise: %s", self.function.name, error)
        return True

    def recycle(self) -> None:
        """New code: idle environments end now, busy ones after their invocation."""
        with self._changed:
            self._generation += 1
            self._unavailable = None
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            for worker in idle:
                self._generations.pop(id(worker), None)
            self._changed.notify_all()
        for worker in idle:
            worker.close()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._changed.notify_all()
        for worker in idle:
            worker.close()

    def stats(self) -> PoolStats:
        with self._changed:
            return PoolStats(self._count, self._busy, self._started, self._replaced)

    def pids(self) -> list[int]:
        with self._changed:
            return [worker.pid for worker in self._idle if worker.pid is not None]

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no invocation is running (for a graceful stop)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True
