"""The one route table: every public HTTP route, the function serving it and who may call it.

The local gateway routes and authenticates from this table, and the Terraform checks hold the
REST API definition against it, so there is no second hand-kept list of routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

BASE_PATH = "/v1.0"


class Access(StrEnum):
    """What the gateway demands before the function sees a request."""

    PUBLIC = "public"  # no credentials; a bearer token, if sent, is verified and passed on
    API_KEY = "api_key"  # storefront: X-Api-Key of the usage plan
    TOKEN = "token"  # noqa: S105 - an access mode, not a secret; tenant or admin: a verified bearer JWT (the handler checks the role)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # below BASE_PATH, with {parameters} as API Gateway writes them
    function: str
    access: Access

    @property
    def full_path(self) -> str:
        return BASE_PATH + self.path


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", "health", Access.PUBLIC),
    Route("GET", "/products", "products-api", Access.PUBLIC),
    Route("POST", "/products", "products-api", Access.TOKEN),
    Route("GET", "/products/{productId}", "products-api", Access.PUBLIC),
    Route("PUT", "/products/{productId}", "products-api", Access.TOKEN),
    Route("DELETE", "/products/{productId}", "products-api", Access.TOKEN),
    Route("GET", "/campaigns", "campaigns-api", Access.PUBLIC),
    Route("POST", "/campaigns", "campaigns-api", Access.TOKEN),
    Route("GET", "/campaigns/{code}", "campaigns-api", Access.PUBLIC),
    Route("PUT", "/campaigns/{code}", "campaigns-api", Access.TOKEN),
    Route("DELETE", "/campaigns/{code}", "campaigns-api", Access.TOKEN),
    Route("POST", "/orders", "orders-api", Access.API_KEY),
    Route("GET", "/orders", "orders-api", Access.TOKEN),
    Route("GET", "/orders/{orderId}", "orders-api", Access.TOKEN),
    Route("PATCH", "/orders/{orderId}", "orders-api", Access.TOKEN),
    Route("GET", "/tenants", "tenants-api", Access.TOKEN),
    Route("POST", "/tenants", "tenants-api", Access.TOKEN),
    Route("GET", "/tenants/{tenantId}", "tenants-api", Access.TOKEN),
)
