"""The local API gateway: HTTP in, API Gateway REST proxy events to the functions, HTTP out.

It routes and authenticates from the one route table (`bbws.core.routes.ROUTES`), so the local
API has exactly the deployed API's routes and access rules: TOKEN routes need a bearer id token
from the development issuer (as the Cognito authorizer demands), API_KEY routes the storefront
key (as the usage plan does), and on PUBLIC routes a token, if sent, is verified and its claims
passed on. Rejections happen here, before any function runs, as in API Gateway.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from bbws.core import jsonutil
from bbws.core.api import MAX_BODY_BYTES, PROBLEM_JSON
from bbws.core.errors import PROBLEM_BASE, NotFound, PayloadTooLarge, ProblemDetails, Unauthorized
from bbws.core.routes import ROUTES, Access, Route
from bbws.local.issuer import DevelopmentIssuer, InvalidToken, authorizer_claims
from bbws.local.lambdas import ACCOUNT_ID, EnvironmentFailed, FunctionFailed, FunctionUnavailable, LocalLambdas

log = logging.getLogger("bbws.local.gateway")

LOCAL_PREFIX = "/_local/"
LANDING_PATH = "/"  # the start page (bbws.local.devpages): development only, like /_local/
INFO_PATH = "/_local/info"
STAGE = "v1"
API_ID = "local"
API_KEY_HEADER = "x-api-key"
# RFC 9110 sections 5.6.2 and 5.5: a method or header name is a token; a header value is
# visible Latin-1 text, spaces and tabs (no CR, LF or NUL).
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


@dataclass
class HttpRequest:
    method: str
    target: str  # path and query string, as on the request line
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[-1] if values else None


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    function: str | None = None  # the function that answered (for the request log)

    @classmethod
    def json(
        cls,
        status: int,
        value: Any,
        headers: Iterable[tuple[str, str]] = (),
        content_type: str = "application/json",
    ) -> HttpResponse:
        return cls(status, [("Content-Type", content_type), *headers], jsonutil.dumps(value).encode())

    @classmethod
    def problem(cls, problem: ProblemDetails | Any, headers: Iterable[tuple[str, str]] = ()) -> HttpResponse:
        response = cls.json(problem.status, problem.to_problem(), content_type=PROBLEM_JSON)
        response.headers.extend(headers)
        return response

    @classmethod
    def method_not_allowed(cls, request: HttpRequest, allowed: Iterable[str]) -> HttpResponse:
        """405 with `Allow`: the path exists, the method does not."""
        problem = ProblemDetails(
            405, "Method Not Allowed", f"{request.method} is not allowed on {request.path}",
            PROBLEM_BASE + "method-not-allowed",
        )  # fmt: skip
        return cls.problem(problem, [("Allow", ", ".join(sorted(set(allowed))))])


class Phase(StrEnum):
    STARTING = "starting"
    READY = "ready"
    STOPPING = "stopping"


class LocalEndpoints(Protocol):
    def handle(self, request: HttpRequest) -> HttpResponse: ...


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[A-Za-z0-9_]+\})", template)
    regex = "".join(f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(f"^{regex}$")


class RouteTable:
    """The route table compiled for matching request paths (under the base path)."""

    def __init__(self, routes: Iterable[Route] = ROUTES) -> None:
        self._routes = [(route, _template_pattern(route.full_path)) for route in routes]

    def match(self, method: str, path: str) -> RouteMatch | list[str]:
        """The matching route, or the methods the path allows (empty: no such path)."""
        allowed: list[str] = []
        for route, pattern in self._routes:
            found = pattern.match(path)
            if found is None:
                continue
            if route.method == method:
                return RouteMatch(route, {name: unquote(value) for name, value in found.groupdict().items()})
            allowed.append(route.method)
        return allowed


def _gateway_problem(status: int, title: str, detail: str, slug: str) -> ProblemDetails:
    return ProblemDetails(status, title, detail, PROBLEM_BASE + slug)


def _body_field(body: bytes) -> tuple[str | None, bool]:
    """The event's body. The API declares no binary media types, so, as API Gateway does, the
    payload is passed as text (bytes that are not UTF-8 become U+FFFD), never base64."""
    if not body:
        return None, False
    return body.decode("utf-8", errors="replace"), False


def build_api_event(
    request: HttpRequest,
    match: RouteMatch,
    *,
    claims: Mapping[str, str] | None = None,
    api_key: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event, as Lambda receives it behind the deployed API."""
    single_headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in [*request.headers, ("X-Forwarded-For", request.source_ip), ("X-Forwarded-Proto", "http")]:
        single_headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    pairs = parse_qsl(request.query, keep_blank_values=True)
    single_query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in pairs:
        single_query[name] = value
        multi_query.setdefault(name, []).append(value)
    body, is_base64 = _body_field(request.body)
    request_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    request_context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "resourceId": API_ID,
        "stage": STAGE,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "resourcePath": match.route.full_path,
        "httpMethod": request.method,
        "path": f"/{STAGE}{request.path}",
        "protocol": "HTTP/1.1",
        "domainName": request.header("host") or "127.0.0.1",
        "identity": {
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent"),
            "apiKey": api_key,
            "apiKeyId": "local-storefront" if api_key else None,
        },
    }
    if claims is not None:
        request_context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": match.route.full_path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def response_from_lambda(result: Any) -> HttpResponse:
    """The HTTP response API Gateway makes of a proxy integration's result (502 if malformed)."""
    if not isinstance(result, Mapping) or not isinstance(result.get("statusCode"), int):
        return HttpResponse.problem(
            _gateway_problem(502, "Bad Gateway", "the function returned a malformed proxy response", "bad-gateway")
        )
    headers: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, values in (result.get("multiValueHeaders") or {}).items():
        seen.add(name.lower())
        headers.extend((name, str(value)) for value in (values if isinstance(values, list) else [values]))
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in seen:
            headers.append((name, str(value)))
    if not all(_TOKEN.fullmatch(str(name)) and _FIELD_VALUE.fullmatch(value) for name, value in headers):
        # A header that cannot be written as HTTP/1.1 (CR or LF in it: a split response; a
        # character beyond Latin-1) would drop the connection without an answer.
        return HttpResponse.problem(
            _gateway_problem(502, "Bad Gateway", "the function returned a header HTTP cannot carry", "bad-gateway")
        )
    raw_body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw_body, validate=True)
        except (binascii.Error, ValueError):
            return HttpResponse.problem(
                _gateway_problem(502, "Bad Gateway", "the function returned an invalid base64 body", "bad-gateway")
            )
    else:
        body = str(raw_body).encode()
    return HttpResponse(result["statusCode"], headers, body)


def _development_path(path: str) -> bool:
    """Handled before routing, never in the route table: `/_local/*` and the start page `/`."""
    return path.startswith(LOCAL_PREFIX) or path == LANDING_PATH


def _bearer_token(request: HttpRequest) -> str | None:
    value = request.header("authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    # API Gateway's Cognito authorizer takes the raw header; "Bearer <jwt>" is what clients send.
    return token.strip() if scheme.lower() == "bearer" else value.strip()


class Gateway:
    """Turns HTTP requests into function invocations (pure: testable without sockets)."""

    def __init__(
        self,
        lambdas: LocalLambdas,
        issuer: DevelopmentIssuer,
        storefront_key: str,
        local_endpoints: LocalEndpoints | None = None,
        routes: RouteTable | None = None,
    ) -> None:
        self.lambdas = lambdas
        self.issuer = issuer
        self.storefront_key = storefront_key
        self.local_endpoints = local_endpoints
        self.routes = routes or RouteTable()

    def handle(self, request: HttpRequest) -> HttpResponse:
        if _development_path(request.path) and self.local_endpoints is not None:
            return self.local_endpoints.handle(request)
        if len(request.body) > MAX_BODY_BYTES:
            return HttpResponse.problem(PayloadTooLarge(f"the request body exceeds {MAX_BODY_BYTES} bytes"))
        match = self.routes.match(request.method, request.path)
        if isinstance(match, list):
            if not match:
                return HttpResponse.problem(NotFound(f"no route for {request.path}"))
            return HttpResponse.method_not_allowed(request, match)
        return self._invoke(request, match)

    def _authenticate(self, request: HttpRequest, access: Access) -> tuple[dict[str, str] | None, str | None]:
        """(authorizer claims, API key) for the route's access mode; raises Unauthorized."""
        if access is Access.API_KEY:
            key = request.header(API_KEY_HEADER)
            if not key:
                raise Unauthorized("this route needs a storefront API key (X-Api-Key)")
            if key != self.storefront_key:
                raise Unauthorized("the API key is not valid")
            return None, key
        token = _bearer_token(request)
        if token is None:
            if access is Access.TOKEN:
                raise Unauthorized("this route needs a bearer token (Authorization: Bearer <JWT>)")
            return None, None
        try:
            return authorizer_claims(self.issuer.verify(token)), None
        except InvalidToken as error:  # the issuer's own words, never a library's
            raise Unauthorized(f"the bearer token is not valid: {error}") from error

    def _invoke(self, request: HttpRequest, match: RouteMatch) -> HttpResponse:
        try:
            claims, api_key = self._authenticate(request, match.route.access)
        except Unauthorized as error:
            challenge = [] if match.route.access is Access.API_KEY else [("WWW-Authenticate", 'Bearer realm="bbws"')]
            return HttpResponse.problem(error, challenge)
        event = build_api_event(request, match, claims=claims, api_key=api_key)
        name = match.route.function
        try:
            result = self.lambdas.invoke(name, event)
        except FunctionUnavailable as error:
            log.warning("%s", error)
            response = HttpResponse.problem(
                _gateway_problem(503, "Service Unavailable", str(error), "function-unavailable")
            )
        except FunctionFailed as error:  # API Gateway answers a function error with a 502
            log.error("function %s failed: %s", name, error)
            response = HttpResponse.problem(
                _gateway_problem(502, "Bad Gateway", f"the function failed ({error.error_type})", "bad-gateway")
            )
        except EnvironmentFailed as error:  # crashed or timed out: the environment is replaced
            log.error("%s", error)
            response = HttpResponse.problem(_gateway_problem(502, "Bad Gateway", str(error), "bad-gateway"))
        else:
            response = response_from_lambda(result)
        response.headers.append(("x-amzn-RequestId", event["requestContext"]["requestId"]))
        response.function = name
        return response


# What http.server itself refuses, before any route, in the platform's words (its own are only
# logged): keyed by the status it sends and the start of its message.
_SERVER_REFUSALS: tuple[tuple[int, str, int, str], ...] = (
    (400, "Bad request version", 400, "the HTTP version is not HTTP/1.0 or HTTP/1.1"),
    (505, "", 400, "the HTTP version is not HTTP/1.0 or HTTP/1.1"),
    (400, "Bad HTTP/0.9", 400, "HTTP/0.9 requests are not accepted: send HTTP/1.1"),
    (400, "Bad request syntax", 400, "the request line is not `METHOD /path HTTP/1.1`"),
    (414, "", 414, "the request line is over 64 KiB"),
    (431, "Line too long", 431, "a header line is over 64 KiB"),
    (431, "Too many headers", 431, "the request has over 100 header lines"),
)
_TITLES = {400: "Bad Request", 414: "URI Too Long", 431: "Request Header Fields Too Large"}
_HTTP_1 = "HTTP/1."  # HTTP/1.0 and 1.1 (a higher minor version is read as 1.1, RFC 9110 2.5)
_DIGITS = re.compile(r"[0-9]{1,18}")
_MAX_LINE = 65536  # http.server's own bound on the request line


def _server_problem(code: int, message: str | None) -> ProblemDetails:
    for sent, prefix, status, detail in _SERVER_REFUSALS:
        if code == sent and (message or "").startswith(prefix):
            return _gateway_problem(status, _TITLES[status], detail, "invalid-request")
    status = code if 400 <= code < 500 else 400
    return _gateway_problem(
        status, _TITLES.get(status, "Bad Request"), "the request is not valid HTTP/1.1", "invalid-request"
    )


def _bad_request(detail: str) -> HttpResponse:
    return HttpResponse.problem(_gateway_problem(400, "Bad Request", detail, "invalid-request"))


class _RequestHandler(BaseHTTPRequestHandler):
    """Every method goes to the gateway, and every answer is the gateway's: what http.server
    would answer itself (a 501 for a method it has no `do_` for, a 400, 414 or 431 for what it
    cannot parse, HTML each time) is problem+json from `send_error`, the one place it answers."""

    server: GatewayServer
    raw_requestline: bytes
    protocol_version = "HTTP/1.1"

    def __getattr__(self, name: str) -> Any:
        # http.server looks up `do_<METHOD>`; every method is the gateway's to answer (a path
        # that does not declare it: 405 with Allow), so none is the server's 501.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        log.info("refused before routing: %s %s %s", code, message or "", explain or "")
        if not self.request_version.startswith(_HTTP_1):
            # http.server writes no status line or headers for what it took as HTTP/0.9.
            self.request_version = "HTTP/1.1"
        self.close_connection = True
        self._send(HttpResponse.problem(_server_problem(code, message)))

    def parse_request(self) -> bool:
        # RFC 9112 section 2.2: ignore an empty line before the request line (http.server
        # would close the connection without an answer).
        if self.raw_requestline in (b"\r\n", b"\n"):
            self.raw_requestline = self.rfile.readline(_MAX_LINE + 1)
            if len(self.raw_requestline) > _MAX_LINE:
                self.request_version = "HTTP/1.1"
                self.send_error(414)
                return False
        return bool(super().parse_request())

    def handle_expect_100(self) -> bool:
        # Refuse at once a body that would be refused (too large, no length), rather than ask
        # the client to send it.
        refused = self._framing_problem()
        if refused is not None:
            self.close_connection = True
            self._send(refused)
            return False
        return super().handle_expect_100()

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _handle(self) -> None:
        started = time.perf_counter()
        if not self.request_version.startswith(_HTTP_1):  # http.server took it as HTTP/0.9
            self.send_error(400, "Bad HTTP/0.9 request type")
            return
        response = self._read_and_dispatch()
        self._send(response)
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.info("%s %s %s %.0f ms %s", self.command, self.path, response.status, elapsed_ms, response.function or "-")

    def _content_length(self) -> int | None:
        """The body's length (0 without one); None unless every Content-Length is the same digits."""
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or []}
        if len(lengths) > 1 or not all(_DIGITS.fullmatch(value) for value in lengths):
            return None
        return int(lengths.pop()) if lengths else 0

    def _malformed(self) -> str | None:
        """Why the request line or headers cannot be taken as they are, if they cannot."""
        if not _TOKEN.fullmatch(self.command or ""):
            return "the method is not an HTTP method name"
        if not self.path.startswith(("/", "http://", "https://")):  # origin or absolute form
            return "the request target must be a path, such as /v1.0/health"
        if self.headers.defects or self.headers.get_payload():
            return "a header line is malformed (`Name: value`, no space before the colon)"
        if self._content_length() is None:
            return "invalid Content-Length"
        return None

    def _framing_problem(self) -> HttpResponse | None:
        """What is wrong with the request line or framing, found before its body is read (the
        connection is then closed: a body left unread would be read as the next request)."""
        malformed = self._malformed()
        if malformed is not None:
            return _bad_request(malformed)
        if self.headers.get("Transfer-Encoding") is not None:
            return HttpResponse.problem(
                _gateway_problem(411, "Length Required", "send a Content-Length header", "length-required")
            )
        if (self._content_length() or 0) > MAX_BODY_BYTES:
            return HttpResponse.problem(PayloadTooLarge(f"the request body exceeds {MAX_BODY_BYTES} bytes"))
        return None

    def _read_and_dispatch(self) -> HttpResponse:
        refused = self._framing_problem()
        if refused is not None:
            self.close_connection = True
            return refused
        length = self._content_length() or 0
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client closed the connection before sending it all
            self.close_connection = True
            return _bad_request("the body is shorter than its Content-Length")
        refused = self._refused_while_not_ready()
        if refused is not None:
            return refused
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
        )
        try:
            with self.server.in_flight():
                return self.server.gateway.handle(request)
        except Exception:  # the server must answer every request, whatever went wrong
            log.exception("gateway error on %s %s", self.command, self.path)
            return HttpResponse.problem(
                _gateway_problem(500, "Internal Server Error", "the local gateway failed", "internal")
            )

    def _starting_page(self) -> HttpResponse:
        """What a browser opened on `/` too early gets: a page that reloads itself until the
        stack is ready (the start page then answers), not a JSON problem."""
        headers = [("Retry-After", "1"), ("Refresh", "1"), ("Cache-Control", "no-store"), ("Vary", "Accept")]
        return HttpResponse(503, [("Content-Type", "text/html; charset=utf-8"), *headers], STARTING_PAGE)

    def _refused_while_not_ready(self) -> HttpResponse | None:
        """Before the stack is ready nothing but `/_local/info` answers (503 with
        `"ready": false`); while it stops, the API refuses new requests (and the connection is
        closed) and only the development endpoints answer, so a client never gets a 202 for
        an order the stack will not process."""
        phase = self.server.phase
        path = urlsplit(self.path).path
        if phase is Phase.STARTING:
            if path == INFO_PATH:
                return HttpResponse.json(503, {"ready": False, "phase": phase.value}, [("Retry-After", "1")])
            if path == LANDING_PATH and not wants_json(self.headers.get("Accept")):
                return self._starting_page()
            return HttpResponse.problem(
                _gateway_problem(503, "Service Unavailable", "the local stack is starting", "starting"),
                [("Retry-After", "1")],
            )
        if phase is Phase.STOPPING and not _development_path(path):
            self.close_connection = True
            return HttpResponse.problem(
                _gateway_problem(503, "Service Unavailable", "the local stack is stopping", "stopping")
            )
        return None

    def version_string(self) -> str:
        return "bbws-local-gateway"  # not http.server's name and the Python version

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


STARTING_PAGE = (
    b"<!doctype html>\n<html lang=en><head><meta charset=utf-8><title>BBWS local stack: starting</title></head>"
    b"<body><h1>The local stack is starting</h1><p>This page reloads every second until the API, the "
    b"queues and the demo data are ready.</p></body></html>\n"
)


def wants_json(accept: str | None) -> bool:
    """Does the client prefer JSON to HTML? (No Accept, `*/*` or a tie: HTML.)"""
    if not accept:
        return False
    offered = parse_accept_header(accept, MIMEAccept)
    return offered.best_match(["text/html", "application/json", PROBLEM_JSON]) in ("application/json", PROBLEM_JSON)


class GatewayServer(ThreadingHTTPServer):
    """The gateway on a threaded HTTP server (each connection in its own thread)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, gateway: Gateway | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self._gateway = gateway
        # Without a gateway yet, it is the stack's server, bound first and ready later.
        self.phase = Phase.READY if gateway is not None else Phase.STARTING
        self._in_flight = 0
        self._idle = threading.Condition()
        super().__init__((host, port), _RequestHandler)

    @contextmanager
    def in_flight(self) -> Iterator[None]:
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> int:
        """Wait until no request is being handled; returns how many still are (0: all done)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_flight and (remaining := deadline - time.monotonic()) > 0:
                self._idle.wait(remaining)
            return self._in_flight

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            raise RuntimeError("the server has no gateway yet")
        return self._gateway

    @gateway.setter
    def gateway(self, gateway: Gateway) -> None:
        # Set after binding when the gateway needs to know the port (the token issuer's URL).
        self._gateway = gateway

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
