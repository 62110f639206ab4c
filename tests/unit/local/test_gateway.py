"""The local gateway without sockets: routing, authentication, events and responses."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bbws.core.functions import LambdaFunction, Trigger
from bbws.core.routes import ROUTES, Access, Route
from bbws.local.gateway import (
    Gateway,
    GatewayServer,
    HttpRequest,
    HttpResponse,
    Phase,
    RouteTable,
    response_from_lambda,
)
from bbws.local.issuer import DevelopmentIssuer
from bbws.local.lambdas import LocalLambdas

KEY = "unit-storefront-key"
FAKES = "tests.unit.local.fake_functions"


def _function(name: str, attribute: str, module: str = FAKES) -> LambdaFunction:
    return LambdaFunction(name, "fake", f"{module}:{attribute}", Trigger.API, frozenset())


FUNCTIONS = {
    "echo": _function("echo", "echo"),
    "binary": _function("binary", "binary"),
    "malformed": _function("malformed", "malformed"),
    "crash": _function("crash", "crash"),
    "exit": _function("exit", "exit_process"),
    "missing": _function("missing", "lambda_handler", module="bbws.nowhere.handlers.api"),
}
ROUTE_TABLE = RouteTable(
    [
        Route("GET", "/things", "echo", Access.PUBLIC),
        Route("POST", "/things", "echo", Access.TOKEN),
        Route("GET", "/things/{thingId}", "echo", Access.PUBLIC),
        Route("POST", "/orders", "echo", Access.API_KEY),
        Route("GET", "/binary", "binary", Access.PUBLIC),
        Route("GET", "/malformed", "malformed", Access.PUBLIC),
        Route("GET", "/crash", "crash", Access.PUBLIC),
        Route("GET", "/exit", "exit", Access.PUBLIC),
        Route("GET", "/missing", "missing", Access.PUBLIC),
    ]
)


class _NoLocal:
    def handle(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(200, {"local": request.path})


@pytest.fixture(scope="module")
def issuer() -> DevelopmentIssuer:
    return DevelopmentIssuer(issuer="http://127.0.0.1/_local")


@pytest.fixture(scope="module")
def lambdas() -> Iterator[LocalLambdas]:
    lambdas = LocalLambdas("eu-west-1", FUNCTIONS)
    yield lambdas
    lambdas.close()


@pytest.fixture
def gateway(issuer: DevelopmentIssuer, lambdas: LocalLambdas) -> Gateway:
    return Gateway(lambdas, issuer, KEY, _NoLocal(), ROUTE_TABLE)


def _get(gateway: Gateway, target: str, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
    return gateway.handle(HttpRequest("GET", "/v1.0" + target, headers or []))


def _event(response: HttpResponse) -> dict[str, Any]:
    assert response.status == 200, response.body
    return dict(json.loads(response.body)["event"])


def _bearer(issuer: DevelopmentIssuer, role: str = "admin", tenant: str | None = None) -> list[tuple[str, str]]:
    return [("Authorization", f"Bearer {issuer.mint(role, tenant)}")]


def test_route_table_matches_every_route_of_the_platform() -> None:
    # Given the platform's own route table
    table = RouteTable()
    # Then every route matches its own template, with parameters filled in
    for route in ROUTES:
        path = route.full_path.replace("{", "").replace("}", "")
        match = table.match(route.method, path)
        assert not isinstance(match, list)
        assert match.route == route


def test_path_parameters_are_decoded() -> None:
    match = ROUTE_TABLE.match("GET", "/v1.0/things/a%20b")
    assert not isinstance(match, list)
    assert match.path_parameters == {"thingId": "a b"}


def test_public_route_builds_a_rest_proxy_event(gateway: Gateway) -> None:
    # When an anonymous caller sends a request with repeated query parameters and headers
    response = _get(gateway, "/things/t-1?tag=a&tag=b&q=", [("X-Trace", "1"), ("X-Trace", "2")])
    event = _event(response)
    # Then the event is API Gateway's REST proxy shape
    assert event["resource"] == "/v1.0/things/{thingId}"
    assert event["path"] == "/v1.0/things/t-1"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"thingId": "t-1"}
    assert event["queryStringParameters"] == {"tag": "b", "q": ""}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "q": [""]}
    assert event["headers"]["X-Trace"] == "2"
    assert event["multiValueHeaders"]["X-Trace"] == ["1", "2"]
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["resourcePath"] == "/v1.0/things/{thingId}"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["apiKey"] is None
    assert "authorizer" not in context
    assert json.loads(response.body)["function"] == "echo"


def test_response_headers_merge_single_and_multi_values(gateway: Gateway) -> None:
    response = _get(gateway, "/things")
    assert ("Set-Cookie", "a=1") in response.headers
    assert ("Set-Cookie", "b=2") in response.headers
    assert ("X-Single", "yes") in response.headers


def test_token_route_passes_verified_claims(gateway: Gateway, issuer: DevelopmentIssuer) -> None:
    # When an admin posts with a valid token
    request = HttpRequest("POST", "/v1.0/things", [*_bearer(issuer), ("Content-Type", "application/json")], b'{"a":1}')
    event = _event(gateway.handle(request))
    # Then the function sees the claims as the Cognito authorizer passes them, and the body as text
    assert event["requestContext"]["authorizer"]["claims"]["cognito:groups"] == "[admin]"
    assert event["body"] == '{"a":1}'


@pytest.mark.parametrize(
    "headers",
    [[], [("Authorization", "Bearer not-a-jwt")], [("Authorization", "Basic dXNlcjpwdw==")]],
    ids=["missing", "garbage", "basic"],
)
def test_token_route_without_a_valid_token_is_401(gateway: Gateway, headers: list[tuple[str, str]]) -> None:
    response = gateway.handle(HttpRequest("POST", "/v1.0/things", headers, b"{}"))
    assert response.status == 401
    assert json.loads(response.body)["title"] == "Unauthorized"
    assert ("WWW-Authenticate", 'Bearer realm="bbws"') in response.headers
    assert ("Content-Type", "application/problem+json") in response.headers


def test_public_route_passes_claims_of_a_sent_token(gateway: Gateway, issuer: DevelopmentIssuer) -> None:
    event = _event(_get(gateway, "/things", _bearer(issuer, "tenant", "t-7")))
    assert event["requestContext"]["authorizer"]["claims"]["custom:tenantId"] == "t-7"


def test_public_route_with_an_invalid_token_is_401(gateway: Gateway) -> None:
    assert _get(gateway, "/things", [("Authorization", "Bearer junk")]).status == 401


def test_api_key_route_accepts_the_storefront_key(gateway: Gateway) -> None:
    event = _event(gateway.handle(HttpRequest("POST", "/v1.0/orders", [("X-Api-Key", KEY)], b"{}")))
    assert event["requestContext"]["identity"]["apiKey"] == KEY


@pytest.mark.parametrize("headers", [[], [("X-Api-Key", "wrong")]], ids=["missing", "wrong"])
def test_api_key_route_refuses_other_callers(gateway: Gateway, headers: list[tuple[str, str]]) -> None:
    response = gateway.handle(HttpRequest("POST", "/v1.0/orders", headers, b"{}"))
    assert response.status == 401
    assert not [name for name, _ in response.headers if name == "WWW-Authenticate"]


def test_unknown_path_is_404_and_wrong_method_405(gateway: Gateway) -> None:
    assert _get(gateway, "/nothing").status == 404
    response = gateway.handle(HttpRequest("DELETE", "/v1.0/things"))
    assert response.status == 405
    assert ("Allow", "GET, POST") in response.headers


def test_body_over_64_kib_is_413(gateway: Gateway, issuer: DevelopmentIssuer) -> None:
    response = gateway.handle(HttpRequest("POST", "/v1.0/things", _bearer(issuer), b"x" * (64 * 1024 + 1)))
    assert response.status == 413


def test_body_that_is_not_utf8_reaches_the_function_as_text(gateway: Gateway, issuer: DevelopmentIssuer) -> None:
    event = _event(gateway.handle(HttpRequest("POST", "/v1.0/things", _bearer(issuer), b"\xff{")))
    assert event["body"] == "\ufffd{"
    assert event["isBase64Encoded"] is False


def test_base64_response_bodies_are_decoded(gateway: Gateway) -> None:
    assert _get(gateway, "/binary").body == b"\x89PNG"


def test_malformed_function_response_is_502(gateway: Gateway) -> None:
    assert _get(gateway, "/malformed").status == 502


def test_crashing_function_is_502_without_internals(gateway: Gateway) -> None:
    response = _get(gateway, "/crash")
    assert response.status == 502
    assert b"boom" not in response.body


def test_crashed_execution_environment_is_a_502_problem_and_is_replaced(gateway: Gateway) -> None:
    # When the process running the function dies during the request
    response = _get(gateway, "/exit")
    # Then the caller gets a problem+json 502 saying so, and the gateway goes on serving
    assert response.status == 502
    assert ("Content-Type", "application/problem+json") in response.headers
    assert "execution environment exited" in json.loads(response.body)["detail"]
    assert _get(gateway, "/exit").status == 502  # a new environment, which dies again
    assert _get(gateway, "/things/x").status == 200


def test_function_whose_module_is_missing_is_503(gateway: Gateway) -> None:
    assert _get(gateway, "/missing").status == 503


def test_invalid_base64_in_a_response_is_502() -> None:
    response = response_from_lambda({"statusCode": 200, "body": "***", "isBase64Encoded": True})
    assert response.status == 502


@pytest.mark.parametrize(
    "headers",
    [
        {"Location": "/a\r\nSet-Cookie: x=1"},  # a split response
        {"X-Name": "\u20ac"},  # beyond Latin-1: http.server would drop the connection
        {"X-Nul": "a\x00b"},
        {"Bad Name": "x"},
    ],
)
def test_a_header_http_cannot_carry_is_a_502_problem(headers: dict[str, str]) -> None:
    response = response_from_lambda({"statusCode": 200, "headers": headers, "body": "{}"})
    assert response.status == 502
    assert ("Content-Type", "application/problem+json") in response.headers
    assert json.loads(response.body)["detail"] == "the function returned a header HTTP cannot carry"


def test_latin1_and_tabs_in_a_function_header_pass() -> None:
    response = response_from_lambda({"statusCode": 200, "headers": {"X-Name": "caf\u00e9\tok"}, "body": ""})
    assert response.status == 200


def test_local_paths_go_to_the_development_endpoints(gateway: Gateway) -> None:
    response = gateway.handle(HttpRequest("GET", "/_local/info"))
    assert json.loads(response.body) == {"local": "/_local/info"}


@pytest.fixture
def server(gateway: Gateway) -> Iterator[GatewayServer]:
    server = GatewayServer(gateway, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_server_round_trip_over_http(server: GatewayServer) -> None:
    response = requests.get(server.url + "/v1.0/things/x?y=1", timeout=5)
    assert response.status_code == 200
    assert response.json()["event"]["queryStringParameters"] == {"y": "1"}


def test_server_refuses_a_declared_oversized_body_without_reading_it(server: GatewayServer) -> None:
    # When a client announces a body over the limit and sends none of it
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(b"POST /v1.0/things HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n")
        reply = client.recv(4096)
    # Then it is answered at once with 413 and the connection closed
    assert reply.startswith(b"HTTP/1.1 413")
    assert b"Connection: close" in reply


def test_server_refuses_chunked_bodies(server: GatewayServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(b"POST /v1.0/things HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        assert client.recv(4096).startswith(b"HTTP/1.1 411")


def test_server_refuses_an_invalid_content_length(server: GatewayServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(b"POST /v1.0/things HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
        assert client.recv(4096).startswith(b"HTTP/1.1 400")


def test_server_without_gateway_is_a_programming_error() -> None:
    server = GatewayServer(port=0)
    try:
        with pytest.raises(RuntimeError):
            _ = server.gateway
    finally:
        server.server_close()


def test_server_answers_only_when_ready_and_refuses_the_api_while_stopping(gateway: Gateway) -> None:
    # Given the stack's server, bound before the stack is ready
    server = GatewayServer(port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # Then while it starts the API and the info say so, with 503s
        starting = requests.get(server.url + "/v1.0/things/x", timeout=5)
        assert (starting.status_code, starting.json()["detail"]) == (503, "the local stack is starting")
        assert starting.headers["Retry-After"] == "1"
        info = requests.get(server.url + "/_local/info", timeout=5)
        assert (info.status_code, info.json()) == (503, {"ready": False, "phase": "starting"})
        # And a browser opened on the start page gets a page that reloads itself, a JSON client a problem
        browser = requests.get(server.url + "/", headers={"Accept": "text/html,*/*;q=0.8"}, timeout=5)
        assert (browser.status_code, browser.headers["Content-Type"]) == (503, "text/html; charset=utf-8")
        assert (browser.headers["Refresh"], browser.headers["Retry-After"]) == ("1", "1")
        assert "The local stack is starting" in browser.text
        client = requests.get(server.url + "/", headers={"Accept": "application/json"}, timeout=5)
        assert (client.status_code, client.json()["detail"]) == (503, "the local stack is starting")
        # When it is ready, it serves
        server.gateway = gateway
        server.phase = Phase.READY
        assert requests.get(server.url + "/v1.0/things/x", timeout=5).status_code == 200
        # When it stops, the API refuses new requests and closes the connection; /_local/ still answers
        server.phase = Phase.STOPPING
        stopping = requests.get(server.url + "/v1.0/things/x", timeout=5)
        assert (stopping.status_code, stopping.headers["Connection"]) == (503, "close")
        assert requests.get(server.url + "/_local/queues.json", timeout=5).status_code == 200
        assert server.wait_idle(1) == 0
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
