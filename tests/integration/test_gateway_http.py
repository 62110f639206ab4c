"""The local gateway at the HTTP level, over raw sockets: every answer its HTTP server can give
(methods it has no handler for, request lines and headers it cannot parse, bodies it will not
read) is problem+json in the platform's words, never the server's HTML or a library's text."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import RunningStack

pytestmark = pytest.mark.integration

# Words of http.server's HTML error page, its messages, and PyJWT's and the codecs' messages.
LIBRARY_TEXT = (
    "<html", "<!DOCTYPE", "BaseHTTP", "Error response", "Unsupported method", "Bad request version",
    "Bad request syntax", "Line too long", "Too many headers", "got more than",
    "codec", "decode byte", "Invalid header", "Traceback", "Exception",
)  # fmt: skip


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def exchange(stack: RunningStack, request: bytes, *, timeout: float = 15) -> bytes:
    """Send raw bytes to the stack's port (127.0.0.1) and read until the server closes."""
    port = urlsplit(stack.api_url).port
    assert port is not None
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as client:
        client.sendall(request)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    return received


def parse(raw: bytes, *, head: bool = False) -> Reply:
    header_block, _, rest = raw.partition(b"\r\n\r\n")
    if header_block.startswith(b"HTTP/1.1 100"):  # Expect: 100-continue was answered first
        header_block, _, rest = rest.partition(b"\r\n\r\n")
    status_line, *lines = header_block.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    length = int(headers["content-length"])
    body = b"" if head else rest[:length]
    assert head or len(body) == length, raw
    return Reply(int(status_line.split()[1]), headers, body)


def problem(stack: RunningStack, request: bytes, status: int, *, head: bool = False) -> Reply:
    """The stack's answer to `request`: a `status` problem+json, with no library text."""
    raw = exchange(stack, request)
    reply = parse(raw, head=head)
    assert reply.status == status, raw[:600]
    assert reply.headers["content-type"] == "application/problem+json", raw[:600]
    assert not [text for text in LIBRARY_TEXT if text.encode() in raw], raw[:600]
    if not head:
        body = json.loads(reply.body)
        assert {"type", "title", "status", "detail"} <= set(body)
        assert body["status"] == status
        assert body["type"].startswith("https://bbws.dev/problems/")
    return reply


CLOSE = b"Host: 127.0.0.1\r\nConnection: close\r\n"


@pytest.mark.parametrize("method", [b"TRACE", b"CONNECT", b"QUERY", b"FOO", b"PROPFIND", b"get", b"PATCH"])
def test_a_method_the_path_does_not_declare_is_a_405_problem_with_allow(
    local_stack: RunningStack, method: bytes
) -> None:
    # When /v1.0/products (GET and POST) is called with a method it does not declare
    reply = problem(local_stack, method + b" /v1.0/products HTTP/1.1\r\n" + CLOSE + b"\r\n", 405)
    # Then the gateway, not the HTTP server, answers: 405 naming the methods it allows
    assert set(reply.headers["allow"].split(", ")) == {"GET", "POST"}


def test_an_undeclared_method_on_an_unknown_path_is_a_404_problem(local_stack: RunningStack) -> None:
    problem(local_stack, b"TRACE /v1.0/nothing-here HTTP/1.1\r\n" + CLOSE + b"\r\n", 404)


def test_head_is_a_405_problem_with_allow_and_no_body(local_stack: RunningStack) -> None:
    # When a GET route is asked for HEAD
    raw = exchange(local_stack, b"HEAD /v1.0/health HTTP/1.1\r\n" + CLOSE + b"\r\n")
    reply = problem(local_stack, b"HEAD /v1.0/health HTTP/1.1\r\n" + CLOSE + b"\r\n", 405, head=True)
    # Then it is refused as any undeclared method is, with headers only (RFC 9110 9.3.2)
    assert reply.headers["allow"] == "GET"
    assert raw.endswith(b"\r\n\r\n")
    assert int(reply.headers["content-length"]) > 0  # the length of the problem a GET-like answer would carry


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b"GET /v1.0/health HTTP/2.0", 400),  # http.server: 505 text/html
        (b"GET /v1.0/health HTTP/3.0", 400),
        (b"GET /v1.0/health HTTP/x", 400),
        (b"GET /v1.0/health HTTP/1", 400),
        (b"GET /v1.0/health FTP/1.1", 400),
        (b"GET /v1.0/health", 400),  # HTTP/0.9: http.server answers with no status line at all
        (b"GARBAGE", 400),
        (b"GET /v1.0/health HTTP/1.1 extra", 400),
        (b"G<T /v1.0/health HTTP/1.1", 400),  # not a method token
        (b"OPTIONS * HTTP/1.1", 400),  # not a path
        (b"CONNECT 127.0.0.1:443 HTTP/1.1", 400),  # authority form
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1", 414),
    ],
    ids=[
        "http2",
        "http3",
        "version-x",
        "version-no-minor",
        "ftp",
        "http0.9",
        "one-word",
        "four-words",
        "method-token",
        "asterisk",
        "authority",
        "line-too-long",
    ],
)
def test_a_request_line_the_server_cannot_take_is_a_problem(
    local_stack: RunningStack, request_line: bytes, status: int
) -> None:
    problem(local_stack, request_line + b"\r\n" + CLOSE + b"\r\n", status)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (b"X-Big: " + b"a" * 70_000 + b"\r\n", 431),
        (b"".join(b"X-H%d: 1\r\n" % n for n in range(120)), 431),
        (b"Content-Length : 2\r\n", 400),  # a space before the colon: a smuggling vector
        (b"No colon here\r\n", 400),
    ],
    ids=["header-too-large", "too-many-headers", "space-before-colon", "no-colon"],
)
def test_headers_the_server_cannot_take_are_a_problem(local_stack: RunningStack, headers: bytes, status: int) -> None:
    problem(local_stack, b"POST /v1.0/orders HTTP/1.1\r\n" + CLOSE + headers + b"\r\n{}", status)


@pytest.mark.parametrize(
    ("framing", "status"),
    [
        (b"Content-Length: abc\r\n", 400),
        (b"Content-Length: -1\r\n", 400),
        (b"Content-Length: 1_0\r\n", 400),  # int() would read 10
        (b"Content-Length: \xd9\xa1\r\n", 400),  # Arabic-Indic one: int() would read 1
        (b"Content-Length: 2\r\nContent-Length: 3\r\n", 400),
        (b"Content-Length: 99999999999999999999999\r\n", 400),
        (b"Content-Length: 70000\r\n", 413),
        (b"Transfer-Encoding: chunked\r\n", 411),
        (b"Transfer-Encoding: gzip, chunked\r\nContent-Length: 2\r\n", 411),
        (b"Content-Length: 50\r\n", 400),  # then the client stops sending
    ],
    ids=[
        "letters",
        "negative",
        "underscore",
        "non-ascii-digit",
        "two-lengths",
        "huge",
        "over-64-kib",
        "chunked",
        "transfer-encoding-and-length",
        "short-body",
    ],
)
def test_a_body_the_server_will_not_read_is_a_problem(local_stack: RunningStack, framing: bytes, status: int) -> None:
    body = b"2\r\n{}\r\n0\r\n\r\n" if b"chunked" in framing else b"{}"
    port = urlsplit(local_stack.api_url).port
    with socket.create_connection(("127.0.0.1", port), timeout=15) as client:
        client.sendall(b"POST /v1.0/orders HTTP/1.1\r\nHost: 127.0.0.1\r\n" + framing + b"\r\n" + body)
        client.shutdown(socket.SHUT_WR)  # nothing more comes: a short body is seen as one
        raw = b""
        while chunk := client.recv(65536):
            raw += chunk
    reply = parse(raw)
    assert reply.status == status, raw[:600]
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.headers["connection"] == "close"  # the body is not read, so the connection ends
    assert not [text for text in LIBRARY_TEXT if text.encode() in raw]


def test_expect_100_continue_on_a_body_over_the_limit_is_a_413_before_continue(local_stack: RunningStack) -> None:
    # When a client asks whether to send a body over 64 KiB
    raw = exchange(
        local_stack,
        b"POST /v1.0/orders HTTP/1.1\r\nContent-Length: 999999\r\nExpect: 100-continue\r\n" + CLOSE + b"\r\n",
    )
    # Then it is refused at once, without a 100 Continue
    assert not raw.startswith(b"HTTP/1.1 100")
    assert parse(raw).status == 413
    assert parse(raw).headers["content-type"] == "application/problem+json"


def test_expect_100_continue_on_an_acceptable_body_continues(local_stack: RunningStack) -> None:
    raw = exchange(
        local_stack,
        b"POST /v1.0/orders HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\nX-Api-Key: "
        + local_stack.storefront_key.encode()
        + b"\r\nContent-Type: application/json\r\n"
        + CLOSE
        + b"\r\n{}",
    )
    assert raw.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    reply = parse(raw)
    assert reply.status == 400  # the order is empty: the function answered
    assert reply.headers["content-type"] == "application/problem+json"


def test_an_empty_line_before_the_request_line_is_ignored(local_stack: RunningStack) -> None:
    # RFC 9112 2.2 (http.server would close the connection without an answer)
    reply = parse(exchange(local_stack, b"\r\nGET /v1.0/health HTTP/1.1\r\n" + CLOSE + b"\r\n"))
    assert reply.status == 200


@pytest.mark.parametrize(
    "authorization",
    [
        b"Bearer \xe1\xe1.\xe1.\xe1",  # the codec text of issue 11
        b"Bearer e30.e30.e30",
        b"Bearer " + b"A" * 5000,
        b"Bearer eyJhbGciOiJub25lIn0.e30.",  # alg none
        b"\xff\xfe",
    ],
    ids=["latin-1", "empty-objects", "long", "alg-none", "bytes"],
)
def test_a_malformed_token_is_a_401_in_the_platforms_words(local_stack: RunningStack, authorization: bytes) -> None:
    reply = problem(
        local_stack, b"GET /v1.0/tenants HTTP/1.1\r\nAuthorization: " + authorization + b"\r\n" + CLOSE + b"\r\n", 401
    )
    assert json.loads(reply.body)["detail"].startswith("the bearer token is not valid: the token ")


def test_a_refusal_keeps_nothing_of_the_request_for_the_next_one(local_stack: RunningStack) -> None:
    # Given a request whose header cannot be read, with a body holding a second request
    smuggled = b"GET /v1.0/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    raw = exchange(
        local_stack,
        b"POST /v1.0/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length : %d\r\n\r\n" % len(smuggled) + smuggled,
    )
    # Then it is one 400 and the connection is closed: the body is never read as a request
    assert raw.count(b"HTTP/1.1 ") == 1
    assert parse(raw).status == 400


# Issue 11 "hunt": odd paths, query strings, bodies and content types from outside. Each is
# answered by the gateway or a function with a documented status; an error is problem+json.
_ORDER = b"POST /v1.0/orders HTTP/1.1\r\nX-Api-Key: local-storefront-key\r\nContent-Type: "
ODD_REQUESTS = {
    "double-slash": (b"GET //v1.0//products HTTP/1.1", b"", 404),
    "encoded-nul": (b"GET /v1.0/products/%00 HTTP/1.1", b"", 404),
    "raw-nul": (b"GET /v1.0/products/a\x00b HTTP/1.1", b"", 404),
    "dot-segments": (b"GET /v1.0/../v1.0/health HTTP/1.1", b"", 404),
    "long-path": (b"GET /v1.0/products/" + b"a" * 60_000 + b" HTTP/1.1", b"", 404),
    "utf8-path": ("GET /v1.0/products/\u00fc\u20ac HTTP/1.1".encode(), b"", 404),
    "latin1-path": (b"GET /v1.0/products/\xff\xfe HTTP/1.1", b"", 404),
    "encoded-slash": (b"GET /v1.0/products/a%2Fb HTTP/1.1", b"", 404),
    "repeated-keys": (b"GET /v1.0/products?limit=1&limit=2 HTTP/1.1", b"", 400),  # limit: one integer
    "bad-percent": (b"GET /v1.0/products?limit=%zz&cursor=%ff HTTP/1.1", b"", 400),
    "raw-bytes-query": (b"GET /v1.0/products?cursor=\xff\x00 HTTP/1.1", b"", 400),
    "nul-query": (b"GET /v1.0/products?%00=%00 HTTP/1.1", b"", 200),
    "body-on-get": (b"GET /v1.0/products HTTP/1.1\r\nContent-Type: application/json", b"{not json", 200),
    "body-on-delete": (b"DELETE /v1.0/products/website-starter HTTP/1.1", b"{}", 401),
    "text-plain": (_ORDER + b"text/plain", b"{}", 415),
    "form": (_ORDER + b"application/x-www-form-urlencoded", b"a=1", 415),
    "bom": (_ORDER + b"application/json", b"\xef\xbb\xbf{}", 400),
    "not-utf8": (_ORDER + b"application/json", b"\xff\xfe{}", 400),
    "json-null": (_ORDER + b"application/json", b"null", 400),
    "deep": (_ORDER + b"application/json", b"[" * 60_000, 400),
    "exactly-64-kib": (_ORDER + b"application/json", b" " * 65_536, 400),
    # A JSON client at / (anyone else gets the start page: tests/integration/test_devpages.py)
    "root": (b"GET / HTTP/1.1\r\nAccept: application/json", b"", 404),
    "base-path": (b"GET /v1.0 HTTP/1.1", b"", 404),
}  # fmt: skip


@pytest.mark.parametrize("name", ODD_REQUESTS)
def test_odd_requests_from_outside_get_a_documented_answer(local_stack: RunningStack, name: str) -> None:
    head, body, status = ODD_REQUESTS[name]
    length = b"\r\nContent-Length: %d" % len(body) if body else b""
    raw = exchange(local_stack, head + length + b"\r\n" + CLOSE + b"\r\n" + body)
    reply = parse(raw)
    assert reply.status == status, raw[:600]
    if status >= 400:
        assert reply.headers["content-type"] == "application/problem+json", raw[:600]
        assert json.loads(reply.body)["status"] == status
    assert not [text for text in LIBRARY_TEXT if text.encode() in raw], raw[:600]
