"""`bbws smoke --base-url URL`: a few requests that prove a deployment serves traffic.

Reads only, unless the environment is not PROD and a storefront key is given, in which case one
order is submitted too. Against PROD the HTTP client itself refuses every method but GET, so no
code path can write there.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

_TIMEOUT_SECONDS = 15
_MISSING_PRODUCT = "bbws-smoke-no-such-product"


class SmokeError(Exception):
    pass


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: Any


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class SmokeResult:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)


class Client:
    def __init__(self, base_url: str, *, read_only: bool, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise SmokeError(f"{base_url!r} is not an http(s) URL")
        self.base = base_url.rstrip("/").removesuffix("/v1.0")
        self.read_only = read_only
        self.headers = headers or {}

    def request(self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None) -> Reply:
        if self.read_only and method != "GET":
            raise SmokeError(f"refusing {method} {path}: this smoke test is read-only")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            f"{self.base}/v1.0{path}",
            data=data,
            method=method,
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json",
                **self.headers,
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:  # noqa: S310
                return _reply(response.status, response.headers.get("Content-Type", ""), response.read())
        except urllib.error.HTTPError as error:
            return _reply(error.code, error.headers.get("Content-Type", ""), error.read())
        except OSError as error:  # refused, reset, timed out, unresolvable (URLError is an OSError)
            raise SmokeError(f"{method} {self.base}/v1.0{path}: {error}") from error


def _reply(status: int, content_type: str, raw: bytes) -> Reply:
    try:
        body: Any = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")[:200]
    return Reply(status, content_type.split(";", 1)[0].strip().lower(), body)


def _check(result: SmokeResult, name: str, ok: bool, detail: str) -> bool:
    result.checks.append(Check(name, ok, detail))
    return ok


def run_smoke(
    client: Client,
    *,
    storefront_key: str | None = None,
    report: Callable[[Check], None] = lambda _check: None,
) -> SmokeResult:
    result = SmokeResult()

    def check(name: str, ok: bool, detail: str) -> bool:
        passed = _check(result, name, ok, detail)
        report(result.checks[-1])
        return passed

    health = client.request("GET", "/health")
    status = health.body.get("status") if isinstance(health.body, dict) else None
    check("GET /health", health.status == 200 and status == "ok", f"{health.status} status={status!r}")

    products = client.request("GET", "/products")
    items = products.body.get("items") if isinstance(products.body, dict) else None
    listed = products.status == 200 and isinstance(items, list) and "nextCursor" in products.body
    check("GET /products", listed, f"{products.status} {len(items) if isinstance(items, list) else 'no'} items")

    missing = client.request("GET", f"/products/{_MISSING_PRODUCT}")
    problem = (
        missing.status == 404
        and missing.content_type == "application/problem+json"
        and isinstance(missing.body, dict)
        and missing.body.get("status") == 404
    )
    check("GET /products/<missing>", problem, f"{missing.status} {missing.content_type}")

    if client.read_only or storefront_key is None:
        return result
    if not isinstance(items, list) or not items:
        check("POST /orders", False, "no active product to order")
        return result
    product = items[0]
    if not isinstance(product, dict) or not {"productId", "currency"} <= product.keys():
        check("POST /orders", False, f"the listed product has no productId/currency: {product!r}")
        return result
    order = client.request(
        "POST",
        "/orders",
        {
            "customerEmail": f"smoke+{uuid.uuid4().hex[:12]}@example.com",
            "currency": product["currency"],
            "items": [{"productId": product["productId"], "quantity": 1}],
        },
        headers={"X-Api-Key": storefront_key, "Idempotency-Key": f"smoke-{uuid.uuid4()}"},
    )
    accepted = order.status == 202 and isinstance(order.body, dict) and order.body.get("status") == "PENDING"
    check("POST /orders", accepted, f"{order.status} {order.body if not accepted else order.body.get('orderId')}")
    return result
