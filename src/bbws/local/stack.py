"""The local stack as one object: emulator, resources, gateway, pollers and demo data.

Start order matters: the API's port first (bound, answering 503 "starting"), the emulator (its
URL becomes `AWS_ENDPOINT_URL`), the resources and the settings environment (which the
function workers inherit), the workers, the demo data through the gateway, the pollers, and only
then "ready". Stop runs in the order that loses nothing: the API refuses new requests and lets
those in flight finish, the pollers drain the queues, then everything else stops.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import socket
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3

from bbws.core import aws
from bbws.core.functions import FUNCTIONS, Trigger
from bbws.core.settings import get_settings
from bbws.local.defaults import (
    CODE_ROOT,
    DEFAULT_REGION,
    DEFAULT_STOREFRONT_KEY,
    LOCAL_ACCESS_KEY,
    LOCAL_VISIBILITY_TIMEOUT,
    POLLERS_CALLER,
    caller_key,
    shown_path,
)
from bbws.local.demo import DemoData, seed
from bbws.local.devtools import JWKS_PATH, DevelopmentEndpoints, QueueRef, read_depths
from bbws.local.emulator import Emulator
from bbws.local.feedback import OutboxFeedback
from bbws.local.gateway import Gateway, GatewayServer, Phase
from bbws.local.issuer import DevelopmentIssuer
from bbws.local.lambdas import LocalLambdas
from bbws.local.pollers import IDLE_WAIT_SECONDS, SCALE_OUT_IDLE_WAIT_SECONDS, QueuePoller
from bbws.local.provision import (
    DEFAULT_TEMPLATES,
    QUEUES,
    TABLE_SCHEMAS,
    TOPIC_QUEUES,
    Resources,
    provision,
    upload_templates,
)
from bbws.local.reload import Changes, Reloader, apply
from bbws.local.state import (
    SNAPSHOT_SECONDS,
    Layout,
    NamedValues,
    SavedState,
    Snapshotter,
    StateStore,
    capture,
    load_private_key,
    private_key_pem,
    restore,
)

log = logging.getLogger("bbws.local")

DRAIN_SECONDS = 15.0  # at most, on a stop: then what is left stays queued for the next start
DRAIN_POLL_SECONDS = 0.2
REQUEST_GRACE_SECONDS = 35.0  # a request in flight may take the function's 30 s timeout


@dataclass
class StopReport:
    drained: int = 0  # messages the pollers processed while the stack stopped
    left: int = 0  # messages still in the live queues (kept for the next start)
    dead_lettered: int = 0  # messages in the dead-letter queues
    requests_cut_off: int = 0  # requests still running when the grace period ended
    saved_to: Path | None = None  # where the state was written (None: not kept, or unchanged)
    save_error: str | None = None


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
    state_dir: Path | None = None  # where the state is kept across restarts (None: not kept)
    fresh: bool = False  # start empty (the saved state is set aside as state.previous.json)
    snapshot_seconds: float = SNAPSHOT_SECONDS  # while running (0: only on a clean stop)
    reload: bool = True  # hot reload: edits of src/bbws/ and templates/email/ take effect at once


class EndpointUnreachable(OSError):
    """`--aws-endpoint` names something that does not answer."""


ENDPOINT_PROBE_SECONDS = 3.0


def check_reachable(endpoint: str, timeout: float = ENDPOINT_PROBE_SECONDS) -> None:
    """A TCP connection to the endpoint, or one line saying what to do."""
    url = urllib.parse.urlsplit(endpoint)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise EndpointUnreachable(
            f"--aws-endpoint {endpoint} is not an http(s) URL (for LocalStack: http://localhost:4566)"
        )
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.hostname, port), timeout=timeout).close()
    except OSError as error:
        raise EndpointUnreachable(
            f"the AWS endpoint {endpoint} is not reachable ({error.strerror or error}): start it first "
            "(LocalStack: `localstack start`), or run without --aws-endpoint to use the built-in emulator"
        ) from error


def _configure_environment(options: StackOptions, endpoint: str) -> None:
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["AWS_DEFAULT_REGION"] = options.region
    os.environ["AWS_REGION"] = options.region
    if options.aws_endpoint is None:
        # moto accepts any credentials; fixed dummies make sure a real account is never reached.
        os.environ["AWS_ACCESS_KEY_ID"] = LOCAL_ACCESS_KEY  # moto's dummy key, not a secret
        os.environ["AWS_SECRET_ACCESS_KEY"] = LOCAL_ACCESS_KEY  # moto's dummy key, not a secret
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


CURSOR_SECRET_NAME = "cursor-signing-secret"  # noqa: S105 - the name of the kept value, not a secret


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
        self.demo_origin = "not seeded"
        # Small named strings kept across restarts with the state (e.g. a local signing secret);
        # filled from the saved state at the start of start(), before any function runs.
        self.values = NamedValues()
        self.store: StateStore | None = None
        self.state_line = "not kept (no state directory)"  # what the banner says about the state
        self._snapshotter: Snapshotter | None = None
        self._reloader: Reloader | None = None
        self._state_restored = False  # saving is safe only once the saved state is back in place
        self.skipped_consumers: list[str] = []
        self._available: dict[str, bool] = {}
        self._sqs: Any = None
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
        """Start everything; the API answers 503 until the stack is ready, then 200s."""
        options = self.options
        saved = self._load_state()  # first: an unreadable state stops the start before anything runs
        if options.aws_endpoint:
            check_reachable(options.aws_endpoint)
        # The API's port first: a port in use fails at once, and from here on clients get a 503
        # "starting" (never a refused connection, never a 200 before the stack is ready).
        self.server = GatewayServer(port=options.port)
        self._server_thread = threading.Thread(target=self.server.serve_forever, name="gateway", daemon=True)
        self._server_thread.start()
        if options.aws_endpoint is None:
            self.emulator = Emulator(port=options.aws_port, region=options.region)
            self.emulator.start()
        _configure_environment(options, self.aws_endpoint)
        aws.reset()
        # The cursor secret is kept with the state, so cursors handed out before a restart stay valid.
        self.resources = provision(
            options.prefix, options.region, options.visibility_timeout,
            cursor_secret=self.values.secret(CURSOR_SECRET_NAME),
        )  # fmt: skip
        os.environ.update(self.resources.environ())
        get_settings.cache_clear()

        self.issuer = self._issuer(f"{self.server.url}/_local", saved)
        lambdas = self.lambdas = LocalLambdas(options.region)
        # Every function's first execution environment starts now, in parallel, so the first
        # requests do not each pay a cold start (and a missing module is known before routing).
        self._available = lambdas.start()
        session = boto3.session.Session(region_name=options.region)
        self._sqs = session.client("sqs")
        endpoints = DevelopmentEndpoints(
            self.issuer,
            self.info,
            self._queue_refs(),
            self._sqs,
            self.emulator.app if self.emulator else None,
            feedback=OutboxFeedback(
                self.emulator.app if self.emulator else None,
                session.client("sns"),
                self.resources.topics.get(TOPIC_QUEUES["email-events"]),
            ),
            lambdas=lambdas,
        )
        gateway = Gateway(lambdas, self.issuer, options.storefront_key, endpoints)
        self.server.gateway = gateway

        if saved is not None and self.emulator is not None:
            restore(self.emulator.app, self._layout(), saved)
            # The files in templates/email/ are the templates' source, as Terraform's upload is:
            # they win over saved copies of the same keys.
            upload_templates(self.resources.settings["templates_bucket_name"], options.region)
        if saved is not None and saved.demo:
            self.demo, self.demo_origin = DemoData(**saved.demo), "restored"
        if options.demo and self._tables_empty():  # demo data only ever goes into empty state
            self.demo = seed(gateway, self.issuer.mint("admin", subject="local-demo-seeder"))
            self.demo_origin = "seeded into the empty state"
        if options.pollers:
            self._start_pollers(lambdas, session)
        if self.store is not None:
            self._state_restored = True
            self.save_state()  # the issuer's key and the demo ids are on disk from the start
            self._snapshotter = Snapshotter(self.save_state, options.snapshot_seconds)
            self._snapshotter.start()
        if options.reload:
            self._reloader = Reloader(CODE_ROOT, DEFAULT_TEMPLATES, self._reload)
            self._reloader.start()
        self.server.phase = Phase.READY

    def _reload(self, changes: Changes) -> None:
        if self.lambdas is None:
            return
        s3 = boto3.session.Session(region_name=self.options.region).client("s3")
        log.info("%s", apply(changes, self.lambdas, s3, self.resources.settings.get("templates_bucket_name")))
        self.lambdas.start()  # the new environments start now, so the next request pays no cold start

    def _load_state(self) -> SavedState | None:
        options = self.options
        if options.state_dir is None:
            return None
        self.store = StateStore(options.state_dir)
        where = shown_path(options.state_dir)
        if options.fresh:
            previous = self.store.set_aside()
            self.state_line = "fresh start (--fresh)" + (
                f": the previous state is kept as {shown_path(previous)}" if previous else f": nothing saved in {where}"
            )
            return None
        saved = self.store.load()
        if saved is None:
            self.state_line = f"fresh start: nothing saved in {where} yet"
        elif self.options.aws_endpoint:
            self.state_line = (
                f"restored the issuer key, demo ids and named values from {where} (the data: {options.aws_endpoint})"
            )
        else:
            self.state_line = f"restored {saved.summary()} from {where}"
        if saved is not None:
            self.values = NamedValues(saved.values)
        return saved

    @staticmethod
    def _issuer(url: str, saved: SavedState | None) -> DevelopmentIssuer:
        if saved is not None and saved.issuer.get("privateKey"):
            return DevelopmentIssuer(
                issuer=url, key=load_private_key(saved.issuer["privateKey"]), key_id=saved.issuer["keyId"]
            )
        return DevelopmentIssuer(issuer=url)

    def _layout(self) -> Layout:
        prefix = self.options.prefix + "-"
        return Layout(
            tables={name: self.resources.settings[name] for name in TABLE_SCHEMAS if name in self.resources.settings},
            buckets={"templates_bucket_name": self.resources.settings["templates_bucket_name"]},
            queues={queue.name.removeprefix(prefix): queue.name for queue in self._queue_refs()},
        )

    def _tables_empty(self) -> bool:
        dynamodb = boto3.session.Session(region_name=self.options.region).client("dynamodb")
        return not any(
            dynamodb.scan(TableName=self.resources.settings[name], Limit=1, Select="COUNT")["Count"]
            for name in TABLE_SCHEMAS
            if name in self.resources.settings
        )

    def save_state(self) -> bool:
        """Save the state now (atomically; nothing is written when nothing changed)."""
        if self.store is None or self.issuer is None:
            return False
        data = capture(self.emulator.app, self._layout()) if self.emulator is not None else {}
        state = SavedState(
            **data,
            issuer={"keyId": self.issuer.key_id, "privateKey": private_key_pem(self.issuer.key)},
            demo=asdict(self.demo),
            values=self.values.snapshot(),
        )
        return self.store.save(state)

    @property
    def ready(self) -> bool:
        return self.server is not None and self.server.phase is Phase.READY

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
        key = secret = None  # an external endpoint: the environment's credentials
        if self.emulator is not None:
            # The pollers and the queue consumers sign as themselves, and the emulator serves
            # their calls after the API's that clients wait on (`emulator.PriorityLock`).
            key, secret = caller_key(POLLERS_CALLER), LOCAL_ACCESS_KEY
            consumers = (function.name for function in FUNCTIONS if function.trigger is Trigger.QUEUE)
            self.emulator.app.background_callers = frozenset(map(caller_key, [POLLERS_CALLER, *consumers]))
        sqs = session.client("sqs", aws_access_key_id=key, aws_secret_access_key=secret)
        for function in FUNCTIONS:
            if function.trigger is not Trigger.QUEUE or function.queue is None:
                continue
            if not self._available.get(function.name, False):
                log.warning("no poller for %s: %s does not exist yet", function.name, function.module)
                self.skipped_consumers.append(function.name)
                continue
            for number in range(lambdas.concurrency(function.name)):  # one batch per environment at once
                poller = QueuePoller(
                    function.name,
                    self.resources.queue_url(function.queue),
                    functools.partial(lambdas.invoke, function.name),
                    sqs,
                    self.options.region,
                    # The first poller answers a quiet queue within IDLE_WAIT_SECONDS; the others
                    # are for backlogs and look at an empty queue less often (each empty receive
                    # is an emulator call).
                    idle_wait=IDLE_WAIT_SECONDS if number == 0 else SCALE_OUT_IDLE_WAIT_SECONDS,
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
            "pollers": list(dict.fromkeys(poller.function_name for poller in self.pollers)),
            "ready": self.ready,
            "resources": resources,
        }

    def write_ready_file(self, path: Path) -> None:
        """The stack's info as JSON, written atomically so a reader never sees half of it."""
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(self.info(), indent=2))
        partial.replace(path)

    def queue_depths(self) -> dict[str, int]:
        """Messages in each queue (visible, in flight or delayed), by queue name."""
        refs = self._queue_refs()
        app = self.emulator.app if self.emulator is not None else None
        return {queue.name: sum(depth) for queue, depth in zip(refs, read_depths(refs, self._sqs, app), strict=True)}

    def _drain(self, seconds: float, hurry: threading.Event | None) -> None:
        """Let the pollers empty the live queues, for at most `seconds`."""
        live = {queue.name for queue in self._queue_refs() if not queue.dead_letter}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (hurry and hurry.is_set()):
            if not any(depth for name, depth in self.queue_depths().items() if name in live):
                return
            time.sleep(DRAIN_POLL_SECONDS)

    def _save_on_stop(self, report: StopReport) -> None:
        if self._snapshotter is not None:
            self._snapshotter.stop()
            self._snapshotter = None
        # Never before the restore: a start that failed half-way must not overwrite the saved state.
        if self._state_restored and self.store is not None:
            try:
                self.save_state()
                report.saved_to = self.store.path
            except Exception as error:  # said on the terminal; the previous snapshot stays whole
                log.exception("could not save the local state")
                report.save_error = f"{type(error).__name__}: {error}"

    def stop(self, drain_seconds: float = DRAIN_SECONDS, hurry: threading.Event | None = None) -> StopReport:
        """Stop in the order that loses nothing: refuse new requests and let those in flight
        finish; let the pollers drain the queues (bounded; `hurry` cuts it short); stop the
        pollers after their batch in hand; then the rest. Returns what happened."""
        report = StopReport()
        if self._reloader is not None:  # no environment is replaced while the stack stops
            self._reloader.stop()
            self._reloader = None
        drained_before = sum(poller.deleted for poller in self.pollers)
        if self.server is not None:
            self.server.phase = Phase.STOPPING
            if self._server_thread is not None:  # shutdown() waits for serve_forever to notice
                self.server.shutdown()
                self._server_thread.join(timeout=5)
                self._server_thread = None
            self.server.server_close()  # new connections are refused from here on
            report.requests_cut_off = self.server.wait_idle(REQUEST_GRACE_SECONDS)
        if self.pollers and (self.emulator is not None or self.options.aws_endpoint):
            with contextlib.suppress(Exception):  # an emulator that went away: nothing to drain
                self._drain(drain_seconds, hurry)
        for poller in self.pollers:  # every poller told first, so none starts a batch while others finish
            poller.signal_stop()
        for poller in self.pollers:
            poller.stop()
        report.drained = sum(poller.deleted for poller in self.pollers) - drained_before
        self._save_on_stop(report)
        if self.emulator is not None or self.options.aws_endpoint:
            with contextlib.suppress(Exception):
                refs = {queue.name: queue for queue in self._queue_refs()}
                for name, depth in self.queue_depths().items():
                    if refs[name].dead_letter:
                        report.dead_lettered += depth
                    else:
                        report.left += depth
        self.pollers.clear()
        if self.lambdas is not None:
            self.lambdas.close()
        if self.emulator is not None:
            self.emulator.stop()
        aws.reset()
        return report
