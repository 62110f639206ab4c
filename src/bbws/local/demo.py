"""Demo data for the local stack, created through the API itself with an admin token.

Going through the gateway and the real handlers means the demo data passes the same validation
as anything a user creates; creating it again is harmless (a 409 for what exists is success).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from bbws.core.routes import BASE_PATH
from bbws.local.gateway import Gateway, HttpRequest, HttpResponse

log = logging.getLogger("bbws.local.demo")

DEMO_PRODUCTS: tuple[dict[str, Any], ...] = (
    {
        "productId": "website-starter",
        "name": "Starter Website",
        "description": "A five-page responsive website, ready in two weeks.",
        "price": "4999.00",
        "currency": "ZAR",
        "features": ["Five pages", "Mobile friendly", "Contact form", "Basic SEO"],
        "billingCycle": "once",
    },
    {
        "productId": "website-business",
        "name": "Business Website",
        "description": "A custom website with a content management system and a blog.",
        "price": "12999.00",
        "currency": "ZAR",
        "features": ["Up to twenty pages", "Content management", "Blog", "Analytics", "Advanced SEO"],
        "billingCycle": "once",
    },
    {
        "productId": "hosting-basic",
        "name": "Basic Hosting",
        "description": "Managed hosting for small sites.",
        "price": "149.00",
        "currency": "ZAR",
        "features": ["10 GB storage", "Free TLS certificate", "Daily backups"],
        "billingCycle": "monthly",
    },
    {
        "productId": "hosting-pro",
        "name": "Pro Hosting",
        "description": "Managed hosting with staging and priority support.",
        "price": "399.00",
        "currency": "ZAR",
        "features": ["50 GB storage", "Staging site", "Hourly backups", "Priority support"],
        "billingCycle": "monthly",
    },
)

DEMO_CAMPAIGN: dict[str, Any] = {
    "code": "LAUNCH10",
    "description": "10% off the whole catalog to celebrate the launch.",
    "discountPercent": "10",
    "productIds": [],
    "startsAt": "2026-01-01T00:00:00Z",
}

DEMO_TENANT: dict[str, Any] = {"name": "Demo Client (Pty) Ltd", "contactEmail": "owner@demo-client.example"}


@dataclass
class DemoData:
    products: list[str] = field(default_factory=list)
    campaign: str | None = None
    tenant_id: str | None = None
    skipped: list[str] = field(default_factory=list)


class _Api:
    def __init__(self, gateway: Gateway, token: str) -> None:
        self.gateway = gateway
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> HttpResponse:
        headers = [("Authorization", f"Bearer {self.token}"), ("Host", "127.0.0.1")]
        raw = b""
        if body is not None:
            raw = json.dumps(body).encode()
            headers.append(("Content-Type", "application/json"))
        return self.gateway.handle(HttpRequest(method, BASE_PATH + path, headers, raw))


def _created_or_exists(response: HttpResponse, what: str, skipped: list[str]) -> bool:
    if response.status in (200, 201, 409):
        return True
    if response.status == 503:  # the service's function is not built yet
        skipped.append(what)
        log.info("demo data: skipped %s (%s)", what, response.body.decode(errors="replace"))
        return False
    log.warning("demo data: %s answered %s: %s", what, response.status, response.body.decode(errors="replace"))
    skipped.append(what)
    return False


def _find_tenant(api: _Api, email: str) -> str | None:
    cursor: str | None = None
    for _ in range(100):  # bounded: 100 pages of 100 tenants
        query = "?limit=100" + (f"&cursor={cursor}" if cursor else "")
        response = api.call("GET", "/tenants" + query)
        if response.status != 200:
            return None
        page = json.loads(response.body)
        for tenant in page.get("items", []):
            if str(tenant.get("contactEmail", "")).lower() == email.lower():
                return str(tenant["tenantId"])
        cursor = page.get("nextCursor")
        if not cursor:
            return None
    return None


def seed(gateway: Gateway, admin_token: str) -> DemoData:
    """Create the demo products, campaign and tenant that do not exist yet."""
    api = _Api(gateway, admin_token)
    demo = DemoData()
    for product in DEMO_PRODUCTS:
        if _created_or_exists(api.call("POST", "/products", product), f"product {product['productId']}", demo.skipped):
            demo.products.append(product["productId"])
    if _created_or_exists(api.call("POST", "/campaigns", DEMO_CAMPAIGN), "campaign", demo.skipped):
        demo.campaign = DEMO_CAMPAIGN["code"]
    demo.tenant_id = _find_tenant(api, DEMO_TENANT["contactEmail"])
    if demo.tenant_id is None:
        response = api.call("POST", "/tenants", DEMO_TENANT)
        if _created_or_exists(response, "tenant", demo.skipped) and response.status == 201:
            demo.tenant_id = str(json.loads(response.body)["tenantId"])
    return demo
