"""The AWS emulator of the local stack: moto's server in this process, one request at a time.

moto's backends are plain dicts and lists with no locking, so two concurrent requests can
interleave inside one operation: a conditional put or a transaction could both pass their
condition check, or a queue receive could hand the same message to two callers. AWS makes those
operations atomic, and the platform's correctness (one tenant per email, one order per message)
relies on it. So every request to the emulator runs under one lock, which makes each AWS call
atomic exactly as in AWS. The HTTP server stays threaded, so a slow client never blocks others
while it sends or reads; only the work inside moto is serialised. Code in this process that
reads moto's backends directly (the outbox, the saved state) takes the same lock.

The HTTP side is cheroot, a WSGI server with HTTP/1.1 persistent connections: boto3's clients
(in the function workers and the pollers) keep their connections open instead of paying a new
TCP connection, a new server thread and a TIME-WAIT socket per call, as werkzeug's development
server made them (it closes every connection, and waits 10 ms on each before closing).

Account and region: the emulator serves one account (`account_id`, moto's default
123456789012 unless told otherwise) by telling moto which account each request is for, whatever
access key the client signs with; `iam_managed_policies` loads AWS's managed IAM policies into
moto (`MOTO_IAM_LOAD_MANAGED_POLICIES`), which the deploy rehearsal's Terraform needs.

The emulator shares its process (and so the GIL) with the gateway and the pollers. Python's
default switch interval (5 ms) makes a thread that waited on a socket wait up to 5 ms more for
the GIL before it can serve the next call, so the emulator's process asks for 1 ms
(`GIL_SWITCH_SECONDS`): the serving thread, which holds the lock everyone waits for, gets the
GIL back sooner.

Long polling (`WaitTimeSeconds` > 0) would hold the lock while moto sleeps, so the local pollers
use short polls.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import threading
import time
import traceback as traceback_module
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from cheroot import wsgi
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.ses.models import ses_backends
from moto.sqs.models import sqs_backends

from bbws.local import moto_fixes
from bbws.local.retries import Answer, Attempt, KeptAnswers, capturing, describe_retry

LOCAL_HOST = "127.0.0.1"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class PriorityLock:
    """The emulator's one lock, handed first to callers that someone waits on.

    AWS serves an API function's calls and a queue consumer's calls side by side; the emulator
    runs one call at a time, so during a burst of orders the consumers' calls (which nobody
    waits on) queued ahead of the API's (which a client waits on) and slowed every answer. So
    a waiting urgent call (the default) gets the lock before any waiting background call (the
    queue consumers and the pollers: `SerialisedApp.background_callers`). Each call still runs
    alone and whole. A background call can wait while urgent calls keep coming, which ends
    with the burst."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._urgent_turn = threading.Condition(self._lock)
        self._background_turn = threading.Condition(self._lock)
        self._held = False
        self._urgent_waiting = 0
        self._background_waiting = 0

    def acquire(self, *, urgent: bool = True) -> None:
        with self._lock:
            if urgent:
                self._urgent_waiting += 1
                while self._held:
                    self._urgent_turn.wait()
                self._urgent_waiting -= 1
            else:
                self._background_waiting += 1
                while self._held or self._urgent_waiting:
                    self._background_turn.wait()
                self._background_waiting -= 1
            self._held = True

    def release(self) -> None:
        with self._lock:
            self._held = False
            if self._urgent_waiting:
                self._urgent_turn.notify()
            elif self._background_waiting:
                self._background_turn.notify()

    def locked(self) -> bool:
        return self._held

    def waiting(self) -> tuple[int, int]:
        """(urgent, background) callers waiting for the lock now."""
        with self._lock:
            return self._urgent_waiting, self._background_waiting

    @contextmanager
    def held(self, *, urgent: bool = True) -> Iterator[None]:
        self.acquire(urgent=urgent)
        try:
            yield
        finally:
            self.release()

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(self, *_: object) -> None:
        self.release()


class SerialisedApp:
    """A WSGI middleware that runs the wrapped app under one lock and, while it holds it,
    notes when each email was sent (moto keeps no send time), the plain-text part of SESv2
    simple emails (moto keeps only the HTML body of those) and each SESv2 email's tags (moto
    drops them; SES copies them into its bounce and complaint events, see `local.feedback`)."""

    def __init__(
        self,
        app: WsgiApp,
        region: str,
        account_id: str = DEFAULT_ACCOUNT_ID,
        log: Callable[[str], object] | None = None,
    ) -> None:
        self._app = app
        self.log = log  # where SDK retries are noted (None: nowhere)
        # A retry of an SDK call already answered gets that answer again (`local.retries`).
        self.kept_answers = KeptAnswers()
        self.region = region
        self.account_id = account_id
        self.lock = PriorityLock()
        # Access keys whose calls wait behind urgent ones (see `PriorityLock`).
        self.background_callers: frozenset[str] = frozenset()
        self.sent_at: dict[str, str] = {}
        self.text_parts: dict[str, str] = {}
        self.email_tags: dict[str, dict[str, str]] = {}
        self.restored_outbox: list[Any] = []  # the outbox of earlier runs (`local.state`), oldest first
        # What the emulator's work costs (the part under the lock), by operation: see `stats()`.
        self._calls: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # Buffer the request (moto reads it whole anyway) so a send can be inspected afterwards.
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > 0:
            request_body = environ["wsgi.input"].read(length)
        elif environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream for us
            request_body = environ["wsgi.input"].read()
        else:
            request_body = b""
        environ["wsgi.input"] = io.BytesIO(request_body)
        # moto picks the account from this header when MOTO_ACCOUNT_ID is not set.
        environ.setdefault("HTTP_X_MOTO_ACCOUNT_ID", self.account_id)
        operation = _operation(environ, request_body)
        attempt = Attempt.of(environ)
        arrived = time.monotonic()
        key = _ACCESS_KEY.search(environ.get("HTTP_AUTHORIZATION", ""))
        urgent = key is None or key.group(1) not in self.background_callers
        with self.lock.held(urgent=urgent):
            # Looked up under the lock: a retry sent while the first attempt is still being
            # served waits for it and then gets its answer.
            if attempt is not None and attempt.number > 1:
                kept = self.kept_answers.replay(attempt)
                if self.log is not None:
                    self.log(describe_retry(operation, attempt, kept) + "\n")
                if kept is not None:
                    start_response(kept.status, kept.headers)
                    return [kept.body]
            started, started_cpu = time.perf_counter(), time.thread_time()
            sent_before = len(self._sent_messages())
            # The response is consumed inside the lock: moto may build it lazily from its state.
            response: dict[str, Any] = {}
            body = b"".join(self._app(environ, capturing(start_response, response)))
            if "status" in response:
                self.kept_answers.keep(
                    attempt, Answer(response["status"], response["headers"], body, arrived, time.monotonic())
                )
            self._note_new_emails(sent_before, request_body, body)
            calls = self._calls[operation]
            calls[0] += 1
            calls[1] += time.perf_counter() - started
            calls[2] += time.thread_time() - started_cpu
        return [body]

    def clear(self) -> None:
        """Forget every note (a new emulator starts empty)."""
        with self.lock:
            self.sent_at.clear()
            self.text_parts.clear()
            self.email_tags.clear()
            self.restored_outbox.clear()
            self._calls.clear()
            self.kept_answers.clear()

    def stats(self) -> dict[str, Any]:
        """Calls served so far and the time they held the lock, in all and by operation
        (`dynamodb:PutItem`, `sqs:SendMessage`, `sesv2:POST`...): `busySeconds` is wall time,
        `cpuSeconds` the serving thread's CPU time (what the work itself costs, without the
        waits for the GIL that other threads of this process cause)."""
        with self.lock:
            rows = {name: list(values) for name, values in self._calls.items()}
        return {
            "requests": int(sum(row[0] for row in rows.values())),
            "busySeconds": round(sum(row[1] for row in rows.values()), 6),
            "cpuSeconds": round(sum(row[2] for row in rows.values()), 6),
            "operations": {
                name: {"requests": int(row[0]), "busySeconds": round(row[1], 6), "cpuSeconds": round(row[2], 6)}
                for name, row in sorted(rows.items())
            },
        }

    def queue_depth(self, queue_name: str) -> tuple[int, int, int] | None:
        """(visible, in flight, delayed) messages of one of moto's queues, what SQS's three
        `ApproximateNumberOfMessages*` attributes say, read under the lock without an SQS call:
        the depth pages and the stop's drain poll it several times a second, and a boto3 call
        through HTTP costs this process about 5 ms of CPU each time. None: no such queue."""
        with self.lock:
            queue = sqs_backends[self.account_id][self.region].queues.get(queue_name)
            if queue is None:
                return None
            return (
                int(queue.approximate_number_of_messages),
                int(queue.approximate_number_of_messages_not_visible),
                int(queue.approximate_number_of_messages_delayed),
            )

    def _sent_messages(self) -> list[Any]:
        messages: list[Any] = ses_backends[self.account_id][self.region].sent_messages
        return messages

    def _note_new_emails(self, sent_before: int, request_body: bytes, response_body: bytes) -> None:
        sent = self._sent_messages()
        if len(sent) == sent_before:
            return
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        for message in sent[sent_before:]:
            self.sent_at[message.id] = now
        if request_body:
            text = _simple_text_part(request_body)
            message_id = _message_id(response_body)
            if text is not None and message_id:
                self.text_parts[message_id] = text
            tags = _email_tags(request_body)
            if tags and message_id:
                self.email_tags[message_id] = tags


_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]*/[^/]*/[^/]*/([^/]+)/")
_ACCESS_KEY = re.compile(r"Credential=([^/,]*)/")


def _operation(environ: dict[str, Any], request_body: bytes) -> str:
    """`service:Operation` of a request: the service from the signature's credential scope, the
    operation from `X-Amz-Target` (JSON protocols) or `Action` (query protocols), else the
    HTTP method (REST protocols: S3, SESv2)."""
    scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope.group(1) if scope else "unsigned"
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    query = environ.get("QUERY_STRING", "")
    if str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        query = request_body.decode("utf-8", "replace")
    action = parse_qs(query).get("Action")
    return f"{service}:{action[0] if action else environ.get('REQUEST_METHOD', '?')}"


def _simple_text_part(request_body: bytes) -> str | None:
    """The plain-text part of a simple (non-raw) send that also had an HTML part (moto keeps
    only the HTML then): SESv2 JSON or SES v1 form parameters."""
    try:
        body = json.loads(request_body).get("Content", {})["Simple"]["Body"]
        return str(body["Text"]["Data"]) if "Html" in body else None
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    form = parse_qs(request_body.decode("utf-8", "replace"))
    if form.get("Action") == ["SendEmail"] and "Message.Body.Html.Data" in form and "Message.Body.Text.Data" in form:
        return form["Message.Body.Text.Data"][0]
    return None


def _email_tags(request_body: bytes) -> dict[str, str]:
    """The EmailTags of an SESv2 SendEmail request body."""
    try:
        tags = json.loads(request_body).get("EmailTags") or []
        return {str(tag["Name"]): str(tag["Value"]) for tag in tags}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def _message_id(response_body: bytes) -> str | None:
    try:
        return str(json.loads(response_body)["MessageId"])
    except (ValueError, KeyError, TypeError):
        pass
    found = re.search(rb"<MessageId>([^<]+)</MessageId>", response_body)  # SES v1 answers in XML
    return found.group(1).decode() if found else None


SERVER_THREADS = 16  # requests being handled at once (idle keep-alive connections need none)
KEEP_ALIVE_CONNECTIONS = 256  # cheroot's default of 10 would close most workers' connections
IDLE_CONNECTION_SECONDS = 300  # longer than any pause in daily use, so clients rarely reconnect
GIL_SWITCH_SECONDS = 0.001  # see the module's docstring


class Emulator:
    """moto's server on 127.0.0.1, serving every AWS service the platform uses."""

    def __init__(
        self,
        port: int = 0,
        region: str = "eu-west-1",
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        iam_managed_policies: bool = False,
        error_log: Callable[[str], object] | None = None,
    ) -> None:
        self.region = region
        self.error_log = error_log  # where the server's errors go (None: stderr, as cheroot does)
        self.account_id = account_id
        self.iam_managed_policies = iam_managed_policies
        self.app = SerialisedApp(DomainDispatcherApplication(create_backend_app), region, account_id, error_log)
        self._requested_port = port
        self._server: wsgi.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def lock(self) -> PriorityLock:
        return self.app.lock

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.bind_addr[1])

    @property
    def url(self) -> str:
        return f"http://{LOCAL_HOST}:{self.port}"

    def start(self) -> str:
        if self.iam_managed_policies:
            # Read by moto when it creates an account's IAM backend (on the first IAM call).
            os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        # moto's state lives in module globals: a new emulator in the same process starts empty.
        moto_api_backend.reset()
        moto_fixes.apply()
        self.app.clear()
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_SECONDS))
        server = wsgi.Server(
            (LOCAL_HOST, self._requested_port),
            self.app,
            numthreads=SERVER_THREADS,
            request_queue_size=128,
            timeout=IDLE_CONNECTION_SECONDS,
            server_name="bbws-local-aws",
        )
        server.keep_alive_conn_limit = KEEP_ALIVE_CONNECTIONS
        if self.error_log is not None:
            server.error_log = self._log_error  # type: ignore[method-assign]
        server.prepare()  # binds now: an error (port in use) is raised here, in the caller
        self._server = server
        self._thread = threading.Thread(target=server.serve, name="moto", daemon=True)
        self._thread.start()
        return self.url

    def _log_error(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:  # noqa: ARG002 - cheroot's signature
        assert self.error_log is not None  # noqa: S101 - installed only when set
        self.error_log(f"{msg}\n{traceback_module.format_exc() if traceback else ''}")

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
