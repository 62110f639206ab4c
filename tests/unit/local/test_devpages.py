"""The start page `/` and Swagger UI at `/_local/docs`, answered without a running server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws

from bbws.core.routes import ROUTES
from bbws.local.devpages import (
    ASSETS,
    ASSETS_PREFIX,
    DOCS_PATH,
    ENDPOINTS,
    SWAGGER_UI_VERSION,
    DevelopmentPages,
    api_services,
    wants_json,
)
from bbws.local.devtools import INVOKE_PREFIX, DevelopmentEndpoints, QueueRef
from bbws.local.gateway import Gateway, HttpRequest, HttpResponse
from bbws.local.issuer import DevelopmentIssuer
from bbws.local.lambdas import LocalLambdas

REPO_OPENAPI = Path(__file__).resolve().parents[3] / "openapi"
HOSTILE = '<script>alert("x")</script>&\'"'


def _info(**changes: Any) -> dict[str, Any]:
    info = {
        "apiUrl": "http://127.0.0.1:3000",
        "baseUrl": "http://127.0.0.1:3000/v1.0",
        "awsEndpoint": "http://127.0.0.1:4000",
        "region": "eu-west-1",
        "storefrontApiKey": "local-storefront-key",
        "demoTenantId": "tenant-1",
        "demoCampaign": "LAUNCH10",
        "demoProducts": ["hosting-basic", "website-starter"],
        "pollers": ["orders-consumer"],
        "ready": True,
    }
    return {**info, **changes}


def _pages(
    info: dict[str, Any] | None = None,
    queues: Callable[[], list[dict[str, Any]]] = list,
    openapi_dir: Path = REPO_OPENAPI,
) -> DevelopmentPages:
    return DevelopmentPages(lambda: info or _info(), queues, openapi_dir=openapi_dir)


def _get(pages: DevelopmentPages, path: str, *headers: tuple[str, str], method: str = "GET") -> HttpResponse:
    response = pages.handle(HttpRequest(method, path, list(headers)))
    assert response is not None, f"{path} is not a page"
    return response


def _header(response: HttpResponse, name: str) -> str | None:
    values = [value for key, value in response.headers if key.lower() == name.lower()]
    return values[-1] if values else None


class _References(HTMLParser):
    """Every URL a page loads or links to (src, href)."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.linked: list[str] = []
        self.texts: dict[str, str] = {}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img") and values.get("src"):
            self.loaded.append(str(values["src"]))
        if tag == "link" and values.get("href"):
            self.loaded.append(str(values["href"]))
        if tag == "a" and values.get("href"):
            self.linked.append(str(values["href"]))
        self._in = values.get("id")

    def handle_data(self, data: str) -> None:
        if self._in:
            self.texts[self._in] = self.texts.get(self._in, "") + data

    def handle_endtag(self, tag: str) -> None:  # noqa: ARG002 - HTMLParser's signature
        self._in = None


def _references(response: HttpResponse) -> _References:
    parser = _References()
    parser.feed(response.body.decode())
    return parser


# -- the start page


def test_start_page_shows_the_demo_tenant_and_readiness_and_links_everything() -> None:
    queues = [{"name": "bbws-local-orders", "visible": 3, "inFlight": 1, "deadLetter": False}]
    response = _get(_pages(queues=lambda: queues), "/", ("Accept", "text/html"))
    assert response.status == 200
    assert _header(response, "Content-Type") == "text/html; charset=utf-8"
    assert _header(response, "Cache-Control") == "no-store"
    page = response.body.decode()
    assert "tenant-1" in page
    assert '<span class="ready">ready</span>' in page
    assert "<td><code>bbws-local-orders</code></td><td>3</td><td>1</td>" in page
    links = set(_references(response).linked)
    assert {
        "/v1.0/health",
        "/v1.0/products",
        DOCS_PATH,
        "/_local/outbox",
        "/_local/queues.json",
        "/_local/info",
    } <= links
    assert all(link.startswith("/") for link in links)  # nothing off this machine


def test_start_page_says_when_the_stack_is_not_ready() -> None:
    page = _get(_pages(_info(ready=False, demoTenantId=None)), "/").body.decode()
    assert '<span class="not-ready">not ready</span>' in page
    assert "tenants service is not available" in page


def test_start_page_escapes_what_it_shows() -> None:
    info = _info(demoTenantId=HOSTILE, demoProducts=[HOSTILE], demoCampaign=HOSTILE, storefrontApiKey=HOSTILE)
    queues = [{"name": HOSTILE, "visible": 0, "inFlight": 0, "deadLetter": True}]
    page = _get(_pages(info, queues=lambda: queues), "/").body.decode()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&#39;&#34;" in page


def test_start_page_without_queue_depths_still_answers() -> None:
    def unreachable() -> list[dict[str, Any]]:
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    response = _get(_pages(queues=unreachable), "/")
    assert response.status == 200
    assert "Queue depths unavailable: EndpointConnectionError" in response.body.decode()


@pytest.mark.parametrize(
    ("accept", "json_wanted"),
    [
        (None, False),
        ("*/*", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),  # a browser
        ("application/json, text/html", False),  # a tie: the page
        ("application/json", True),
        ("application/problem+json", True),
        ("text/html;q=0.5, application/json", True),
    ],
)
def test_accept_decides_between_the_page_and_json(accept: str | None, json_wanted: bool) -> None:
    assert wants_json(accept) is json_wanted


def test_a_json_client_at_the_root_gets_the_apis_404() -> None:
    response = _get(_pages(), "/", ("Accept", "application/json"))
    assert response.status == 404
    assert _header(response, "Content-Type") == "application/problem+json"
    assert _header(response, "Vary") == "Accept"
    problem = json.loads(response.body)
    assert problem["status"] == 404
    assert "/v1.0" in problem["detail"]
    assert "/_local/info" in problem["detail"]


def test_the_start_page_lists_every_development_endpoint() -> None:
    with mock_aws():
        endpoints = DevelopmentEndpoints(DevelopmentIssuer(issuer="http://x/_local"), _info, [], None)
    listed = {(endpoint.method, endpoint.path) for endpoint in ENDPOINTS}
    assert set(endpoints._routes) <= listed
    assert ("POST", INVOKE_PREFIX + "<function>") in listed
    assert ("GET", DOCS_PATH) in listed


@pytest.mark.parametrize("path", ["/", DOCS_PATH, f"{ASSETS_PREFIX}swagger-ui.css"])
def test_pages_are_read_only(path: str) -> None:
    response = _get(_pages(), path, method="POST")
    assert response.status == 405
    assert _header(response, "Allow") == "GET, HEAD"


def test_other_paths_are_not_pages() -> None:
    pages = _pages()
    for path in ["/_local/info", "/_local/docsx", "/v1.0/health", "//"]:
        assert pages.handle(HttpRequest("GET", path)) is None


# -- the gateway: development only, before routing


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-west-1")
        url = sqs.create_queue(QueueName="work")["QueueUrl"]
        endpoints = DevelopmentEndpoints(
            DevelopmentIssuer(issuer="http://x/_local"), _info, [QueueRef("work", url, dead_letter=False)], sqs
        )
        yield Gateway(LocalLambdas("eu-west-1"), DevelopmentIssuer(issuer="http://x/_local"), "key", endpoints)


def test_the_gateway_answers_the_start_page_before_routing(gateway: Gateway) -> None:
    assert not any(route.full_path == "/" or route.full_path.startswith("/_local") for route in ROUTES)
    response = gateway.handle(HttpRequest("GET", "/"))
    assert response.status == 200
    assert "<td><code>work</code></td><td>0</td>" in response.body.decode()
    assert gateway.handle(HttpRequest("GET", DOCS_PATH)).status == 200


def test_without_development_endpoints_the_root_is_the_apis_404() -> None:
    bare = Gateway(LocalLambdas("eu-west-1"), DevelopmentIssuer(issuer="http://x/_local"), "key")
    response = bare.handle(HttpRequest("GET", "/"))
    assert response.status == 404
    assert _header(response, "Content-Type") == "application/problem+json"


# -- Swagger UI


def _config(response: HttpResponse) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(_references(response).texts["bbws-docs-config"])
    return config


def test_docs_page_loads_only_the_stacks_own_files() -> None:
    response = _get(_pages(), DOCS_PATH)
    assert response.status == 200
    assert _header(response, "Content-Type") == "text/html; charset=utf-8"
    assert "script-src 'self'" in (_header(response, "Content-Security-Policy") or "")
    loaded = _references(response).loaded
    assert loaded
    assert all(url.startswith("/_local/docs/") for url in loaded)
    assert "http" not in response.body.decode().replace("http://127.0.0.1:3000", "")  # no other origin named
    for url in loaded:
        asset = _get(_pages(), url)
        assert asset.status == 200, url
        assert asset.body


def test_docs_page_offers_every_service_and_the_demo_credentials() -> None:
    config = _config(_get(_pages(), DOCS_PATH))
    assert [entry["name"] for entry in config["urls"]] == api_services()
    assert {"orders", "products", "tenants", "campaigns", "health"} <= set(api_services())
    assert config["primaryName"] == "orders"
    assert config["demoTenantId"] == "tenant-1"
    assert config["storefrontApiKey"] == "local-storefront-key"
    assert config["tokensUrl"] == "/_local/tokens"
    for service in api_services():
        document = json.loads((REPO_OPENAPI / f"{service}.json").read_text())
        assert config["bearerScheme"] in document["components"]["securitySchemes"]
        assert config["apiKeyScheme"] in document["components"]["securitySchemes"]


def test_docs_config_is_escaped_inside_its_script_element() -> None:
    response = _get(_pages(_info(demoTenantId="</script><script>alert(1)</script>")), DOCS_PATH)
    assert "</script><script>alert(1)" not in response.body.decode()
    assert _config(response)["demoTenantId"] == "</script><script>alert(1)</script>"


def test_the_bundled_swagger_ui_renders_openapi_3_1() -> None:
    # Swagger UI reads OpenAPI 3.1 from release 5 on; the documents are 3.1.
    assert int(SWAGGER_UI_VERSION.split(".")[0]) >= 5
    assert json.loads((REPO_OPENAPI / "orders.json").read_text())["openapi"].startswith("3.1")


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "text/css; charset=utf-8"),
        ("swagger-ui.css.map", "application/json"),
        ("favicon-32x32.png", "image/png"),
    ],
)
def test_assets_have_their_content_type_and_are_kept_by_version(name: str, content_type: str) -> None:
    response = _get(_pages(), ASSETS_PREFIX + name)
    assert response.status == 200
    assert _header(response, "Content-Type") == content_type
    assert _header(response, "Cache-Control") == "public, max-age=604800, immutable"
    assert _header(response, "X-Content-Type-Options") == "nosniff"
    assert SWAGGER_UI_VERSION in ASSETS_PREFIX


def test_a_held_version_is_a_304() -> None:
    first = _get(_pages(), ASSETS_PREFIX + "swagger-ui.css")
    tag = _header(first, "ETag")
    assert tag
    again = _get(_pages(), ASSETS_PREFIX + "swagger-ui.css", ("If-None-Match", tag))
    assert again.status == 304
    assert again.body == b""
    changed = _get(_pages(), ASSETS_PREFIX + "swagger-ui.css", ("If-None-Match", '"other"'))
    assert changed.status == 200


@pytest.mark.parametrize(
    "name",
    [
        "../../../../pyproject.toml",
        "..%2f..%2fpyproject.toml",
        "%2e%2e/%2e%2e/pyproject.toml",
        "index.html",
        "index.j2",
        "swagger-initializer.js",  # in the bundle, but not served: it names petstore.swagger.io
        "/etc/passwd",
        "swagger-ui.css/",
        "swagger-ui.css%00",
        "SWAGGER-UI.CSS",
        "..\\..\\pyproject.toml",
        "",
    ],
)
def test_no_path_reaches_another_file(name: str) -> None:
    for prefix in (ASSETS_PREFIX, f"{DOCS_PATH}/openapi/", f"{DOCS_PATH}/", f"{DOCS_PATH}/swagger-ui/"):
        response = _get(_pages(), prefix + name)
        assert response.status in (404, 308), prefix + name
        assert response.status == 404 or (prefix + name == f"{DOCS_PATH}/")
        if response.status == 404:
            assert _header(response, "Content-Type") == "application/problem+json"


def test_only_the_allowlisted_files_are_served() -> None:
    assert set(ASSETS) <= {path.name for path in _pages().swagger_ui.iterdir()}


def _servers(*headers: tuple[str, str], service: str = "orders") -> list[dict[str, str]]:
    response = _get(_pages(), f"{DOCS_PATH}/openapi/{service}.json", *headers)
    assert response.status == 200
    assert _header(response, "Content-Type") == "application/json"
    assert _header(response, "Cache-Control") == "no-cache"
    servers: list[dict[str, str]] = json.loads(response.body)["servers"]
    return servers


@pytest.mark.parametrize(
    ("host", "base"),
    [
        (None, "http://127.0.0.1:3000/v1.0"),
        ("127.0.0.1:3000", "http://127.0.0.1:3000/v1.0"),
        ("localhost:3000", "http://localhost:3000/v1.0"),  # the page's own origin: no CORS in the way
        ("[::1]:3000", "http://[::1]:3000/v1.0"),
        ("127.0.0.2:3000", "http://127.0.0.2:3000/v1.0"),
        ("evil.example:3000", "http://127.0.0.1:3000/v1.0"),  # never another machine
        ("localhost:3001", "http://127.0.0.1:3000/v1.0"),  # nor another port
        ("localhost:notaport", "http://127.0.0.1:3000/v1.0"),
        ("10.0.0.1:3000", "http://127.0.0.1:3000/v1.0"),
    ],
)
def test_served_documents_point_try_it_out_at_the_local_gateway(host: str | None, base: str) -> None:
    headers = [("Host", host)] if host else []
    assert [server["url"] for server in _servers(*headers)] == [base]


def test_every_service_document_is_served_as_committed_but_for_its_servers() -> None:
    for service in api_services():
        served = json.loads(_get(_pages(), f"{DOCS_PATH}/openapi/{service}.json").body)
        committed = json.loads((REPO_OPENAPI / f"{service}.json").read_text())
        assert served.pop("servers") != committed.pop("servers")
        assert served == committed


def test_a_service_without_a_document_is_left_out(tmp_path: Path) -> None:
    (tmp_path / "orders.json").write_text((REPO_OPENAPI / "orders.json").read_text())
    pages = _pages(openapi_dir=tmp_path)
    assert [entry["name"] for entry in _config(_get(pages, DOCS_PATH))["urls"]] == ["orders"]
    assert _get(pages, f"{DOCS_PATH}/openapi/products.json").status == 404


def test_docs_with_a_trailing_slash_redirect() -> None:
    response = _get(_pages(), DOCS_PATH + "/")
    assert response.status == 308
    assert _header(response, "Location") == DOCS_PATH


def test_the_docs_script_is_served_and_revalidated() -> None:
    response = _get(_pages(), f"{DOCS_PATH}/bbws-docs.js")
    assert response.status == 200
    assert _header(response, "Content-Type") == "text/javascript; charset=utf-8"
    assert _header(response, "Cache-Control") == "no-cache"
    script = response.body.decode()
    assert "validatorUrl: null" in script  # Swagger UI would otherwise call validator.swagger.io
    assert "preauthorizeApiKey" in script


def test_head_answers_as_get_does() -> None:
    # The server sends no body for HEAD; the status and headers are GET's.
    for path in ["/", DOCS_PATH, f"{ASSETS_PREFIX}swagger-ui-bundle.js", f"{DOCS_PATH}/openapi/health.json"]:
        head = _get(_pages(), path, method="HEAD")
        assert head.status == 200, path
        assert _header(head, "Content-Type") == _header(_get(_pages(), path), "Content-Type")
