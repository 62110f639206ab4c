"""Running the platform's Lambda functions as the Lambda service would: each function in its
own execution environments (worker processes, `bbws.local.workers`), one invocation at a time
per environment, never two invocations in one interpreter.

Functions come from the one function table (`bbws.core.functions`); their handlers are imported
inside the workers, never in the stack's own process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bbws.core.functions import BY_NAME, LambdaFunction
from bbws.local.lambda_context import ACCOUNT_ID, TIMEOUT_SECONDS, LambdaContext
from bbws.local.workers import (
    EnvironmentFailed,
    FunctionFailed,
    FunctionPool,
    FunctionUnavailable,
    InvocationError,
    PoolStats,
)

__all__ = [
    "ACCOUNT_ID",
    "DEFAULT_POOL_SIZE",
    "POOL_SIZES",
    "EnvironmentFailed",
    "FunctionFailed",
    "FunctionUnavailable",
    "InvocationError",
    "LambdaContext",
    "LocalLambdas",
]

log = logging.getLogger("bbws.local.lambdas")

# Execution environments per function at most. orders-api takes the storefront's bursts; the
# other functions see one caller at a time in daily use. A consumer's queue gets one poller per
# environment (`LocalStack`), so it runs that many batches at once, as Lambda's event source
# mapping runs several. notifications-consumer has two: it sends each order's two emails and,
# with one, it was busy for the whole of a 200-order burst (one batch at a time, most of it
# waiting on the emulator); orders-consumer has one: on two cores a second one took CPU and
# emulator time from orders-api during a burst without processing faster (docs/local-stack.md).
DEFAULT_POOL_SIZE = 2
POOL_SIZES: dict[str, int] = {"orders-api": 4, "orders-consumer": 1, "notifications-consumer": 2}


class LocalLambdas:
    """Invokes functions by name, each in a pool of worker processes."""

    def __init__(
        self,
        region: str,
        functions: Mapping[str, LambdaFunction] | None = None,
        *,
        pool_sizes: Mapping[str, int] | None = None,
        timeout: int = TIMEOUT_SECONDS,
        environ: Callable[[], Mapping[str, str]] = lambda: os.environ,
    ) -> None:
        self.region = region
        self._functions = dict(BY_NAME if functions is None else functions)
        sizes = {**POOL_SIZES, **(pool_sizes or {})}
        self.pools = {
            name: FunctionPool(function, region, environ, sizes.get(name, DEFAULT_POOL_SIZE), timeout)
            for name, function in self._functions.items()
        }

    def concurrency(self, name: str) -> int:
        """How many invocations of the function can run at once (its environments at most)."""
        return self.pools[name].size

    def function(self, name: str) -> LambdaFunction:
        return self._functions[name]

    def available(self, name: str) -> bool:
        """Whether the function's module exists (starting its first environment to find out)."""
        return self.pools[name].available()

    def invoke(self, name: str, event: dict[str, Any], request_id: str | None = None) -> Any:
        """The handler's result; raises an InvocationError subclass when there is none."""
        return self.pools[name].invoke(event, request_id)

    def start(self, names: Iterable[str] | None = None) -> dict[str, bool]:
        """Start one environment of each function now (in parallel); name -> available."""
        import concurrent.futures  # noqa: PLC0415 - only the stack's start needs it

        wanted = list(self.pools if names is None else names)
        with concurrent.futures.ThreadPoolExecutor(max(1, len(wanted))) as pool:
            return dict(zip(wanted, pool.map(self.available, wanted), strict=True))

    def recycle(self) -> None:
        """New code on disk: every function's next invocation runs in a new environment."""
        for pool in self.pools.values():
            pool.recycle()

    def wait_idle(self, timeout: float) -> bool:
        return all(pool.wait_idle(timeout) for pool in self.pools.values())

    def stats(self) -> dict[str, PoolStats]:
        return {name: pool.stats() for name, pool in self.pools.items()}

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()
