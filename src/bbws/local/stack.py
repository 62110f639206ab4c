"""The local stack as one object: emulator, resources, gateway, pollers and demo data.

Start order matters: the emulator first (its URL becomes `AWS_ENDPOINT_URL`), then the
resources and the settings environment (read by handlers on first import), then the gateway,
the demo data through it, and last the pollers. Stop runs in reverse.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from bbws.core import aws
from bbws.core.functions import FUNCTIONS, Trigger
from bbws.core.settings import get_settings
from bbws.local.defaults import DEFAULT_REGION, DEFAULT_STOREFRONT_KEY, LOCAL_VISIBILITY_TIMEOUT
from bbws.local.demo import DemoData, seed
from bbws.local.devtools import JWKS_PATH, DevelopmentEndpoints, QueueRef
from bbws.local.emulator import Emulator
from bbws.local.feedback import OutboxFeedback
from bbws.local.gateway import Gateway, GatewayServer
from bbws.local.issuer import DevelopmentIssuer
from bbws.local.lambdas import LocalLambdas
from bbws.local.pollers import QueuePoller
from bbws.local.provision import QUEUES, TOPIC_QUEUES, Resources, provision

log = logging.getLogger("bbws.local")


@dataclass(frozen=True)
class StackOptions:
    port: int = 3000
    aws_port: int = 0
    aws_endpoint: str | None = None  # an external emulator (LocalStack) instead of moto
    region: str = DEFAULT_REGION
    storefront_key: str = DEFAULT_STOREFRONT_KEY
    visibility_timeout: int = LOCAL_VISIBILITY_TIMEOUT
    prefix: str = "bbws-local"
    demo: bool = True
    pollers: bool = True


def _configure_environment(options: StackOptions, endpoint: str) -> None:
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["AWS_DEFAULT_REGION"] = options.region
    os.environ["AWS_REGION"] = options.region
    if options.aws_endpoint is None:
        # moto accepts any credentials; fixed dummies make sure a real account is never reached.
        os.environ["AWS_ACCESS_KEY_ID"] = "local"  # moto's dummy key, not a secret
        os.environ["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105 - not a secret: moto's dummy key
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.pop("AWS_PROFILE", None)
    else:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    # No X-Ray daemon and no CloudWatch agent here: traces and metric lines would only be noise.
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "bbws-local")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "BBWS")
    os.environ["ENVIRONMENT"] = "local"


class LocalStack:
    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        self.emulator: Emulator | None = None
        self.resources = Resources()
        self.server: GatewayServer | None = None
        self.issuer: DevelopmentIssuer | None = None
        self.pollers: list[QueuePoller] = []
        self.lambdas: LocalLambdas | None = None
        self.demo = DemoData()
        self.skipped_consumers: list[str] = []
        self._available: dict[str, bool] = {}
        self._server_thread: threading.Thread | None = None

    @property
    def aws_endpoint(self) -> str:
        if self.options.aws_endpoint:
            return self.options.aws_endpoint
        if self.emulator is None:
            raise RuntimeError("the stack is not running")
        return self.emulator.url

    @property
    def api_url(self) -> str:
        if self.server is None:
            raise RuntimeError("the stack is not running")
        return self.server.url

    def start(self) -> None:
        options = self.options
        if options.aws_endpoint is None:
            self.emulator = Emulator(port=options.aws_port, region=options.region)
            self.emulator.start()
        _configure_environment(options, self.aws_endpoint)
        aws.reset()
        self.resources = provision(options.prefix, options.region, options.visibility_timeout)
        os.environ.update(self.resources.environ())
        get_settings.cache_clear()

        self.server = GatewayServer(port=options.port)
        self.issuer = DevelopmentIssuer(issuer=f"{self.server.url}/_local")
        lambdas = self.lambdas = LocalLambdas(options.region)
        # Every function's first execution environment starts now, in parallel, so the first
        # requests do not each pay a cold start (and a missing module is known before routing).
        self._available = lambdas.start()
        session = boto3.session.Session(region_name=options.region)
        endpoints = DevelopmentEndpoints(
            self.issuer,
            self.info,
            self._queue_refs(),
            session.client("sqs"),
            self.emulator.app if self.emulator else None,
            feedback=OutboxFeedback(
                self.emulator.app if self.emulator else None,
                session.client("sns"),
                self.resources.topics.get(TOPIC_QUEUES["email-events"]),
            ),
        )
        gateway = Gateway(lambdas, self.issuer, options.storefront_key, endpoints)
        self.server.gateway = gateway
        self._server_thread = threading.Thread(target=self.server.serve_forever, name="gateway", daemon=True)
        self._server_thread.start()

        if options.demo:
            self.demo = seed(gateway, self.issuer.mint("admin", subject="local-demo-seeder"))
        if options.pollers:
            self._start_pollers(lambdas, session)

    def _queue_refs(self) -> list[QueueRef]:
        refs = []
        logical_urls = [(logical, self.resources.settings.get(field)) for field, logical in QUEUES.items()]
        for logical, url in [*logical_urls, *self.resources.topic_queues.items()]:
            if url:
                refs.append(QueueRef(f"{self.options.prefix}-{logical}", url, dead_letter=False))
            dlq = self.resources.dead_letter_queues.get(logical)
            if dlq:
                refs.append(QueueRef(f"{self.options.prefix}-{logical}-dlq", dlq, dead_letter=True))
        return refs

    def _start_pollers(self, lambdas: LocalLambdas, session: boto3.session.Session) -> None:
        for function in FUNCTIONS:
            if function.trigger is not Trigger.QUEUE or function.queue is None:
                continue
            if not self._available.get(function.name, False):
                log.warning("no poller for %s: %s does not exist yet", function.name, function.module)
                self.skipped_consumers.append(function.name)
                continue
            poller = QueuePoller(
                function.name,
                self.resources.queue_url(function.queue),
                functools.partial(lambdas.invoke, function.name),
                session.client("sqs"),
                self.options.region,
            )
            poller.start()
            self.pollers.append(poller)

    def info(self) -> dict[str, Any]:
        resources: dict[str, Any] = dict(self.resources.settings)
        resources["deadLetterQueues"] = dict(self.resources.dead_letter_queues)
        resources["topicQueues"] = dict(self.resources.topic_queues)
        resources["topics"] = dict(self.resources.topics)
        return {
            "apiUrl": self.api_url,
            "baseUrl": self.api_url + "/v1.0",
            "awsEndpoint": self.aws_endpoint,
            "region": self.options.region,
            "storefrontApiKey": self.options.storefront_key,
            "demoTenantId": self.demo.tenant_id,
            "demoCampaign": self.demo.campaign,
            "demoProducts": list(self.demo.products),
            "issuer": self.issuer.issuer if self.issuer else None,
            "jwksUrl": self.api_url + JWKS_PATH,
            "outboxUrl": self.api_url + "/_local/outbox",
            "pollers": [poller.function_name for poller in self.pollers],
            "resources": resources,
        }

    def write_ready_file(self, path: Path) -> None:
        """The stack's info as JSON, written atomically so a reader never sees half of it."""
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(self.info(), indent=2))
        partial.replace(path)

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()
        self.pollers.clear()
        if self.server is not None:
            if self._server_thread is not None:  # shutdown() waits for serve_forever to notice
                self.server.shutdown()
                self._server_thread.join(timeout=5)
                self._server_thread = None
            self.server.server_close()
        if self.lambdas is not None:
            self.lambdas.close()
        if self.emulator is not None:
            self.emulator.stop()
        aws.reset()
