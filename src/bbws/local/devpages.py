"""The local stack's pages for people: the start page at `/` and Swagger UI at `/_local/docs`.

Development only, like every `/_local/` endpoint: the gateway hands `/` and `/_local/*` to the
development endpoints before routing, and neither is in the route table, so neither exists in a
deployed stage. Swagger UI's files come from the `swagger-ui-bundle-v2` package (swagger-ui-dist,
unmodified) and are served from an allowlist by exact name, so the page works with no internet
and no request path can name any other file.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from swagger_ui_bundle import swagger_ui_path

from bbws.core.errors import NotFound
from bbws.core.functions import FUNCTIONS, Trigger
from bbws.core.routes import BASE_PATH
from bbws.local.defaults import PROJECT_ROOT
from bbws.local.gateway import LANDING_PATH, HttpRequest, HttpResponse, wants_json

DOCS_PATH = "/_local/docs"
DOCS_SCRIPT = "bbws-docs.js"
SPECS_PREFIX = DOCS_PATH + "/openapi/"
OPENAPI_DIR = PROJECT_ROOT / "openapi"
PAGES = Path(__file__).resolve().parent / "pages"  # the pages' templates and the docs page's script
# The bundle's directory is named after the Swagger UI release it holds ("swagger-ui-5.31.0").
SWAGGER_UI_VERSION = Path(str(swagger_ui_path)).name.removeprefix("swagger-ui-")
ASSETS_PREFIX = f"{DOCS_PATH}/swagger-ui/{SWAGGER_UI_VERSION}/"
# The files the page uses (and the stylesheet's source map, which browsers' tools ask for).
ASSETS = (
    "swagger-ui.css",
    "swagger-ui.css.map",
    "index.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
)
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
    ".png": "image/png",
}
# Vendor assets: the URL names the release, so a browser may keep them (an upgrade changes the URL).
ASSET_CACHE = "public, max-age=604800, immutable"
REVALIDATE = "no-cache"  # the page, its script and the documents: kept, but checked (ETag) each time
LIVE = "no-store"  # the start page shows live state
READ_METHODS = ("GET", "HEAD")
SECURITY_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
# Scripts only from the stack itself; Swagger UI sets inline styles and uses data: images.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'{api}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
LANDING_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
BEARER_SCHEME = "bearerAuth"  # the security schemes' names in openapi/*.json
API_KEY_SCHEME = "apiKey"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    what: str


# What the start page lists; tests/unit/local/test_devpages.py holds it to the endpoints that exist.
ENDPOINTS = (
    Endpoint("GET", DOCS_PATH, "Swagger UI of every service, with Try it out against this stack"),
    Endpoint("GET", "/_local/outbox", "the emails the platform sent, with bounce and complaint buttons"),
    Endpoint("GET", "/_local/outbox.json", "the same emails as JSON"),
    Endpoint("POST", "/_local/outbox/events", "publish SES's bounce or complaint event about an email"),
    Endpoint("GET", "/_local/queues.json", "messages visible and in flight in every queue and dead-letter queue"),
    Endpoint("GET", "/_local/info", "this stack's URLs, resources and demo ids as JSON (ready: 200)"),
    Endpoint("POST", "/_local/tokens", 'an id token: {"role":"admin"} or {"role":"tenant","tenantId":"..."}'),
    Endpoint(
        "POST", "/_local/invoke/<function>", "run one event in a function (bbws local invoke FUNCTION --event FILE)"
    ),
    Endpoint("GET", "/_local/emulator.json", "the AWS calls the emulator served and the time they took"),
    Endpoint("GET", "/_local/.well-known/jwks.json", "the development issuer's public key"),
)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _cached(request: HttpRequest, body: bytes, content_type: str, cache: str, *extra: tuple[str, str]) -> HttpResponse:
    """The response with its ETag; a 304 when the client already holds this version."""
    tag = _etag(body)
    headers = [("ETag", tag), ("Cache-Control", cache), *SECURITY_HEADERS, *extra]
    held = [value.strip() for value in (request.header("if-none-match") or "").split(",")]
    if tag in held or "*" in held:
        return HttpResponse(304, headers)
    return HttpResponse(200, [("Content-Type", content_type), *headers], body)


def _to_docs(_: HttpRequest) -> HttpResponse:
    return HttpResponse(308, [("Location", DOCS_PATH)])


def _docs_script(request: HttpRequest) -> HttpResponse:
    return _cached(request, (PAGES / DOCS_SCRIPT).read_bytes(), CONTENT_TYPES[".js"], REVALIDATE)


def _loopback_origin(host: str | None, port: int | None) -> str | None:
    """`http://<host>` when the Host header names this machine's loopback at the stack's port."""
    if not host:
        return None
    try:
        parsed = urlsplit("//" + host)
        name, given_port = parsed.hostname, parsed.port
    except ValueError:
        return None
    if name is None or given_port != port:
        return None
    if name != "localhost":
        try:
            if not ipaddress.ip_address(name).is_loopback:
                return None
        except ValueError:
            return None
        name = f"[{name}]" if ":" in name else name
    return f"http://{name}:{given_port}"


def api_services() -> list[str]:
    """Every API service, in the function table's order (one OpenAPI document each)."""
    return list(dict.fromkeys(function.service for function in FUNCTIONS if function.trigger is Trigger.API))


class DevelopmentPages:
    """Answers `/` and `/_local/docs...`; `handle` returns None for any other path."""

    def __init__(
        self,
        info: Callable[[], dict[str, Any]],
        queues: Callable[[], list[dict[str, Any]]],
        *,
        openapi_dir: Path = OPENAPI_DIR,
        swagger_ui: Path | None = None,
    ) -> None:
        self.info = info
        self.queues = queues
        self.openapi_dir = openapi_dir
        self.swagger_ui = Path(str(swagger_ui_path)) if swagger_ui is None else swagger_ui
        # Autoescaped as every HTML template of the project; a template edit shows on the next load.
        self.templates = Environment(
            loader=FileSystemLoader(PAGES),
            autoescape=select_autoescape(enabled_extensions=("html",), default=True),
            undefined=StrictUndefined,
            auto_reload=True,
        )

    def handle(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path
        if path not in (LANDING_PATH, DOCS_PATH) and not path.startswith(DOCS_PATH + "/"):
            return None
        if request.method not in READ_METHODS:
            return HttpResponse.method_not_allowed(request, READ_METHODS)
        exact: Callable[[HttpRequest], HttpResponse] | None = {
            LANDING_PATH: self._landing,
            DOCS_PATH: self._docs_page,
            DOCS_PATH + "/": _to_docs,
            f"{DOCS_PATH}/{DOCS_SCRIPT}": _docs_script,
        }.get(path)
        if exact is not None:
            return exact(request)
        if path.startswith(SPECS_PREFIX):
            return self._document(request, path.removeprefix(SPECS_PREFIX))
        if path.startswith(ASSETS_PREFIX):
            return self._asset(request, path.removeprefix(ASSETS_PREFIX))
        return HttpResponse.problem(NotFound(f"no such file under {DOCS_PATH}: {path}"))

    # -- the start page

    def _landing(self, request: HttpRequest) -> HttpResponse:
        vary = [("Vary", "Accept")]
        if wants_json(request.header("accept")):
            # `/` is no API route: a JSON client gets what the API answers for any unknown path.
            return HttpResponse.problem(
                NotFound(
                    f"no route for /: the API is under {BASE_PATH}, the stack's info at /_local/info "
                    "(this path is the local stack's start page for browsers: Accept: text/html)"
                ),
                vary,
            )
        info = self.info()
        try:
            queues: list[dict[str, Any]] | None = self.queues()
            queue_error = None
        except (BotoCoreError, ClientError) as error:
            queues, queue_error = None, f"{type(error).__name__}: {error}"
        page = self.templates.get_template("landing.html").render(
            info=info,
            base_path=BASE_PATH,
            endpoints=ENDPOINTS,
            services=self._services(),
            docs_path=DOCS_PATH,
            queues=queues,
            queue_error=queue_error,
        )
        headers = [("Cache-Control", LIVE), ("Content-Security-Policy", LANDING_CSP), *SECURITY_HEADERS, *vary]
        return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8"), *headers], page.encode())

    # -- Swagger UI

    def _services(self) -> list[str]:
        return [service for service in api_services() if (self.openapi_dir / f"{service}.json").is_file()]

    def _docs_page(self, request: HttpRequest) -> HttpResponse:
        info = self.info()
        services = self._services()
        config = {
            "urls": [{"url": f"{SPECS_PREFIX}{service}.json", "name": service} for service in services],
            "primaryName": "orders" if "orders" in services else (services[0] if services else None),
            "tokensUrl": "/_local/tokens",
            "demoTenantId": info.get("demoTenantId"),
            "storefrontApiKey": info.get("storefrontApiKey"),
            "bearerScheme": BEARER_SCHEME,
            "apiKeyScheme": API_KEY_SCHEME,
        }
        api_url = str(info.get("apiUrl") or "")
        page = self.templates.get_template("docs.html").render(
            config=config,
            services=services,
            assets=ASSETS_PREFIX.rstrip("/"),
            script=f"{DOCS_PATH}/{DOCS_SCRIPT}",
            api_base=self._origin(request) + BASE_PATH,
            demo_tenant_id=info.get("demoTenantId"),
            version=SWAGGER_UI_VERSION,
        )
        csp = DOCS_CSP.format(api=f" {api_url}" if api_url else "")
        return _cached(request, page.encode(), "text/html; charset=utf-8", REVALIDATE, ("Content-Security-Policy", csp))

    def _origin(self, request: HttpRequest) -> str:
        """The gateway's URL as this client reaches it (localhost or 127.0.0.1: a "Try it out"
        request then goes to the page's own origin), else the stack's own `apiUrl`."""
        api_url = str(self.info().get("apiUrl") or "")
        try:
            port = urlsplit(api_url).port
        except ValueError:
            port = None
        return _loopback_origin(request.header("host"), port) or api_url

    def _document(self, request: HttpRequest, name: str) -> HttpResponse:
        service = name.removesuffix(".json")
        if not name.endswith(".json") or service not in self._services():  # by exact name only
            return HttpResponse.problem(NotFound(f"no OpenAPI document {name}: services {', '.join(self._services())}"))
        document = json.loads((self.openapi_dir / f"{service}.json").read_text(encoding="utf-8"))
        document["servers"] = [
            {"url": self._origin(request) + BASE_PATH, "description": "this local stack (development only)"}
        ]
        body = json.dumps(document, indent=2, ensure_ascii=False).encode()
        return _cached(request, body, "application/json", REVALIDATE)

    def _asset(self, request: HttpRequest, name: str) -> HttpResponse:
        if name not in ASSETS:  # by exact name from the allowlist: no path is ever built from the request
            return HttpResponse.problem(NotFound(f"no Swagger UI asset {name}"))
        body = (self.swagger_ui / name).read_bytes()
        return _cached(request, body, CONTENT_TYPES[Path(name).suffix], ASSET_CACHE)
