"""The development-only endpoints under `/_local/` (never in the route table, never deployed)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from bbws.core.errors import PROBLEM_BASE, InvalidInput, NotFound, ProblemDetails
from bbws.local.devpages import DevelopmentPages
from bbws.local.emulator import SerialisedApp
from bbws.local.feedback import OutboxFeedback
from bbws.local.gateway import HttpRequest, HttpResponse
from bbws.local.issuer import DevelopmentIssuer
from bbws.local.lambdas import EnvironmentFailed, FunctionFailed, FunctionUnavailable, LocalLambdas
from bbws.local.outbox import read_outbox, render_outbox_page

JWKS_PATH = "/_local/.well-known/jwks.json"
INVOKE_PREFIX = "/_local/invoke/"
DEPTH_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


@dataclass(frozen=True)
class QueueRef:
    name: str
    url: str
    dead_letter: bool


def read_depths(queues: list[QueueRef], sqs: Any, emulator_app: SerialisedApp | None) -> list[tuple[int, int, int]]:
    """(visible, in flight, delayed) of each queue: from the stack's own emulator directly when
    it has one, else (an external endpoint) through SQS's GetQueueAttributes."""
    depths = []
    for queue in queues:
        depth = emulator_app.queue_depth(queue.name) if emulator_app is not None else None
        if depth is None:
            counts = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=list(DEPTH_ATTRIBUTES))["Attributes"]
            visible, in_flight, delayed = (int(counts.get(name, 0)) for name in DEPTH_ATTRIBUTES)
            depth = (visible, in_flight, delayed)
        depths.append(depth)
    return depths


class DevelopmentEndpoints:
    """Answers `/_local/*`: stack info, tokens, the outbox, queue depths, the issuer's JWKS, and
    the pages for people (the start page `/`, Swagger UI at `/_local/docs`: devpages.py)."""

    def __init__(
        self,
        issuer: DevelopmentIssuer,
        info: Callable[[], dict[str, Any]],
        queues: list[QueueRef],
        sqs: Any,
        emulator_app: SerialisedApp | None = None,
        *,
        feedback: OutboxFeedback | None = None,
        lambdas: LocalLambdas | None = None,
    ) -> None:
        self.issuer = issuer
        self.info = info
        self.queues = queues
        self.sqs = sqs
        self.emulator_app = emulator_app
        self.feedback = feedback
        self.pages = DevelopmentPages(info, self.queue_depths)
        self.lambdas = lambdas
        self._routes: dict[tuple[str, str], Callable[[HttpRequest], HttpResponse]] = {
            ("GET", "/_local/info"): self._info,
            ("POST", "/_local/tokens"): self._token,
            ("GET", "/_local/outbox"): self._outbox_page,
            ("GET", "/_local/outbox.json"): self._outbox_json,
            ("POST", "/_local/outbox/events"): self._mark_outbox_message,
            ("GET", "/_local/queues.json"): self._queues,
            ("GET", "/_local/emulator.json"): self._emulator,
            ("GET", JWKS_PATH): lambda _: HttpResponse.json(200, self.issuer.jwks()),
        }

    def handle(self, request: HttpRequest) -> HttpResponse:
        page = self.pages.handle(request)
        if page is not None:
            return page
        endpoint = self._routes.get((request.method, request.path))
        if request.path.startswith(INVOKE_PREFIX):
            endpoint = self._invoke if request.method == "POST" else None
            if endpoint is None:
                return HttpResponse.method_not_allowed(request, ["POST"])
        if endpoint is not None:
            try:
                return endpoint(request)
            except (InvalidInput, NotFound) as error:
                return HttpResponse.problem(error)
        allowed = sorted(method for method, path in self._routes if path == request.path)
        if allowed:
            return HttpResponse.method_not_allowed(request, allowed)
        return HttpResponse.problem(NotFound(f"no development endpoint {request.path}"))

    def _invoke(self, request: HttpRequest) -> HttpResponse:
        """`POST /_local/invoke/<function>` with an event as the body (`bbws local invoke`): the
        function runs it in one of its execution environments, against this stack's resources,
        as Lambda's Invoke API would. A handler error is the invocation's outcome (200 with
        `error`, as Lambda answers 200 with `X-Amz-Function-Error`); the endpoint's own errors
        are problem+json."""
        name = request.path.removeprefix(INVOKE_PREFIX)
        if self.lambdas is None:
            raise NotFound("this stack runs no functions")
        known = sorted(self.lambdas.pools)
        if name not in known:
            raise NotFound(f"no function {name!r}: the functions are {', '.join(known)}")
        event = _json_object(request, "the event must be a JSON object (`bbws local event ...` prints one)")
        request_id = str(uuid.uuid4())
        answer: dict[str, Any] = {"function": name, "requestId": request_id}
        try:
            answer["result"] = self.lambdas.invoke(name, event, request_id)
        except FunctionFailed as error:
            answer["error"] = {"errorType": error.error_type, "errorMessage": error.error_message}
        except FunctionUnavailable as error:
            return HttpResponse.problem(
                ProblemDetails(503, "Service Unavailable", str(error), PROBLEM_BASE + "function-unavailable")
            )
        except EnvironmentFailed as error:
            return HttpResponse.problem(ProblemDetails(502, "Bad Gateway", str(error), PROBLEM_BASE + "bad-gateway"))
        response = HttpResponse.json(200, answer)
        response.function = name
        return response

    def _info(self, _: HttpRequest) -> HttpResponse:
        info = self.info()
        # 200 only once the stack is ready (state restored or demo seeded, pollers running).
        return HttpResponse.json(200 if info.get("ready", True) else 503, info)

    def _token(self, request: HttpRequest) -> HttpResponse:
        body = _json_object(request, 'send {"role":"admin"} or {"role":"tenant","tenantId":"..."}')
        role, tenant_id = body.get("role"), body.get("tenantId")
        if role not in ("admin", "tenant"):
            raise InvalidInput('role must be "admin" or "tenant"')
        if role == "tenant" and not (isinstance(tenant_id, str) and tenant_id):
            raise InvalidInput("a tenant token needs a tenantId")
        token = self.issuer.mint(role, tenant_id if role == "tenant" else None)
        return HttpResponse.json(200, {"token": token})

    def _outbox_messages(self) -> list[dict[str, Any]]:
        if self.emulator_app is None:  # pointed at an external endpoint: no moto to read
            return []
        return [message.to_json() for message in read_outbox(self.emulator_app)]

    def _outbox_json(self, _: HttpRequest) -> HttpResponse:
        return HttpResponse.json(200, {"messages": self._outbox_messages()})

    def _outbox_page(self, _: HttpRequest) -> HttpResponse:
        messages = read_outbox(self.emulator_app) if self.emulator_app is not None else []
        page = render_outbox_page(messages).encode()
        # Each email sits in a sandboxed srcdoc frame: no scripts, no access to this page.
        return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8")], page)

    def _mark_outbox_message(self, request: HttpRequest) -> HttpResponse:
        """`{"id": <outbox message id>, "event": "bounce"|"soft-bounce"|"complaint"|"reject",
        "recipient"?: one of its recipients}`: SES's event about it, through the real path. A
        form post (the outbox page's buttons) is answered with a redirect back to the page."""
        form = (request.header("Content-Type") or "").startswith("application/x-www-form-urlencoded")
        if form:
            fields = {key: values[0] for key, values in parse_qs(request.body.decode("utf-8", "replace")).items()}
            body: Any = fields
        else:
            body = _json_object(request, 'send {"id": "...", "event": "bounce"}')
        if self.feedback is None:
            raise NotFound("this stack has no email-events topic")
        event = self.feedback.mark(body.get("id"), body.get("event"), body.get("recipient"))
        if form:
            return HttpResponse(303, [("Location", "/_local/outbox")])
        return HttpResponse.json(202, {"published": event})

    def _queues(self, _: HttpRequest) -> HttpResponse:
        return HttpResponse.json(200, {"queues": self.queue_depths()})

    def queue_depths(self) -> list[dict[str, Any]]:
        return [
            {
                "name": queue.name,
                "url": queue.url,
                "visible": visible,
                "inFlight": in_flight,
                "deadLetter": queue.dead_letter,
            }
            for queue, (visible, in_flight, _) in zip(
                self.queues, read_depths(self.queues, self.sqs, self.emulator_app), strict=True
            )
        ]

    def _emulator(self, _: HttpRequest) -> HttpResponse:
        if self.emulator_app is None:
            raise NotFound("this stack uses an external AWS endpoint: no emulator of its own to describe")
        return HttpResponse.json(200, self.emulator_app.stats())


def _json_object(request: HttpRequest, hint: str) -> dict[str, Any]:
    """The request's body as a JSON object (an empty body is `{}`); 400 saying `hint` otherwise."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as error:
        raise InvalidInput("the body is not JSON") from error
    if not isinstance(body, dict):
        raise InvalidInput(hint)
    return body
