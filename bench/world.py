"""An emulated AWS account (moto) holding every resource, with the functions' settings pointing
at it and the bench's call hooks on the boto3 session the functions' clients come from."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto import mock_aws
from tests.support.events import LambdaContext

from bbws.core import aws
from bbws.core.functions import BY_NAME
from bbws.core.settings import get_settings
from bbws.local import moto_fixes
from bbws.local.provision import Resources, provision
from bench.calls import AwsCallHooks, Call, CallLog
from bench.environment import REGION

Handler = Callable[[dict[str, Any], Any], Any]

_FIXED_ENVIRON = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "ENVIRONMENT": "local",
    "LOG_LEVEL": "INFO",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "BBWS",
}


@dataclass(frozen=True)
class Invocation:
    """One call of a function's lambda_handler and every AWS call it made."""

    response: Any
    calls: list[Call]

    @property
    def status(self) -> int | None:
        return self.response.get("statusCode") if isinstance(self.response, dict) else None

    def counts(self) -> dict[str, dict[str, int]]:
        return CallLog(calls=self.calls).counts()


@dataclass
class World:
    resources: Resources
    hooks: AwsCallHooks
    unavailable: dict[str, str] = field(default_factory=dict)
    _handlers: dict[str, Handler] = field(default_factory=dict)

    def handler(self, function: str) -> Handler | None:
        """The function's lambda_handler, or None (reason in `unavailable`) if it cannot load."""
        if function in self._handlers:
            return self._handlers[function]
        if function in self.unavailable:
            return None
        module, attribute = BY_NAME[function].handler.split(":", 1)
        try:
            handler: Handler = getattr(importlib.import_module(module), attribute)
        except Exception as error:  # noqa: BLE001 - a service not written yet, or mid-edit
            self.unavailable[function] = f"{type(error).__name__}: {error}"
            return None
        self._handlers[function] = handler
        return handler

    def invoke(self, function: str, event: dict[str, Any]) -> Invocation | None:
        handler = self.handler(function)
        if handler is None:
            return None
        log = CallLog()
        with self.hooks.logging(log):
            response = handler(event, LambdaContext())
        return Invocation(response, list(log.calls))

    def table_names(self) -> dict[str, str]:
        """Each provisioned table's name -> its short name (`orders` for orders_table_name)."""
        return {
            name: field.removesuffix("_table_name")
            for field, name in self.resources.settings.items()
            if field.endswith("_table_name")
        }

    def client(self, service: str) -> Any:
        """A client of the bench itself (reading queues): not hooked, never counted."""
        return boto3.session.Session().client(service, region_name=REGION)  # type: ignore[call-overload]


@contextmanager
def emulated_world(prefix: str = "bench") -> Iterator[World]:
    saved = dict(os.environ)
    try:
        os.environ.update(_FIXED_ENVIRON)
        os.environ.pop("AWS_ENDPOINT_URL", None)
        os.environ.pop("AWS_PROFILE", None)
        with mock_aws():
            moto_fixes.apply()  # the SES calls the emulator adds to moto (suppression list)
            aws.reset()
            resources = provision(prefix=prefix, region=REGION)
            os.environ.update(resources.environ())
            get_settings.cache_clear()
            # Hooks go on the session before any function creates a client from it: botocore
            # copies a session's handlers into each client it makes.
            hooks = AwsCallHooks(aws._session().events)
            yield World(resources, hooks)
    finally:
        aws.reset()
        get_settings.cache_clear()
        os.environ.clear()
        os.environ.update(saved)
