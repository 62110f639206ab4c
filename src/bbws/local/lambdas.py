"""Running the platform's Lambda functions in this process, as the Lambda service would.

Handlers are imported on first use from the one function table (`bbws.core.functions`). Each
function runs one invocation at a time, like one Lambda execution environment: Powertools keeps
the current event on the module's resolver, so two concurrent invocations of the same module
would read each other's requests (and callers' identities).
"""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bbws.core.functions import BY_NAME, LambdaFunction

ACCOUNT_ID = "123456789012"
TIMEOUT_SECONDS = 30

Handler = Callable[[dict[str, Any], Any], Any]


class FunctionUnavailable(Exception):
    """The function's module does not exist (yet): a service still being built."""


@dataclass
class LambdaContext:
    """The context object Lambda passes to a handler (the attributes Powertools reads)."""

    function_name: str
    region: str
    timeout_seconds: int = TIMEOUT_SECONDS
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[{self.function_version}]{self.aws_request_id[:8]}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LocalLambdas:
    """Invokes functions by name: lazy import, one invocation at a time per function."""

    def __init__(self, region: str, functions: dict[str, LambdaFunction] | None = None) -> None:
        self.region = region
        self._functions = BY_NAME if functions is None else functions
        self._handlers: dict[str, Handler] = {}
        self._locks: dict[str, threading.Lock] = {name: threading.Lock() for name in self._functions}
        self._import_lock = threading.Lock()

    def function(self, name: str) -> LambdaFunction:
        return self._functions[name]

    def handler(self, name: str) -> Handler:
        """The function's `lambda_handler`, imported once; FunctionUnavailable if its module is missing."""
        with self._import_lock:
            if name not in self._handlers:
                function = self._functions[name]
                module_name, attribute = function.handler.split(":", 1)
                try:
                    module = importlib.import_module(module_name)
                except ModuleNotFoundError as error:
                    # Only the function's own module missing means "not built yet"; a missing
                    # dependency inside an existing module is a real error.
                    if error.name and module_name.startswith(error.name):
                        raise FunctionUnavailable(f"{name}: module {module_name} does not exist yet") from error
                    raise
                self._handlers[name] = getattr(module, attribute)
            return self._handlers[name]

    def available(self, name: str) -> bool:
        try:
            self.handler(name)
        except FunctionUnavailable:
            return False
        return True

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        handler = self.handler(name)
        context = LambdaContext(function_name=name, region=self.region)
        with self._locks[name]:
            return handler(event, context)
