"""OpenAPI declarations every API function shares: the problem+json error responses and the
security requirements, so each route documents exactly what it can answer.

Handlers import this at cold start, so it stays light: the security scheme objects (Powertools'
OpenAPI models, a quarter of a second to import) live with the generator in `bbws.delivery`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader
from pydantic import BaseModel, ConfigDict, Field

PROBLEM_JSON = "application/problem+json"

# Names of the security schemes (defined in bbws.delivery.openapi.SECURITY_SCHEMES).
BEARER = "bearerAuth"
API_KEY = "apiKey"

# Security requirements per caller. `{}` in a list means "no credentials is also fine".
ADMIN_ONLY: list[dict[str, list[str]]] = [{BEARER: []}]
ANYONE: list[dict[str, list[str]]] = [{}, {BEARER: []}]
STOREFRONT: list[dict[str, list[str]]] = [{API_KEY: []}]


class ProblemFieldError(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error response of the platform carries them."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="URI identifying the kind of problem")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="Per-field messages of a validation error (400)"
    )


_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed or invalid input, unknown fields included (with `errors`)",
    401: "Missing or invalid credentials",
    403: "Authenticated but not allowed",
    404: "Not found",
    409: "Conflict with the current state",
    412: "`If-Match` does not match the current version",
    413: "Request body over 64 KiB",
    415: "Request body is not application/json",
    422: "Well formed but breaks a business rule",
    429: "Throttled",
    503: "A dependency failed; nothing was done, retry later",
}


def problem_responses(*statuses: int) -> dict[int, OpenAPIResponse]:
    """problem+json responses for these status codes, for a route's `responses=`."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_JSON: {"model": Problem}},
        }
        for status in statuses
    }


def header(description: str, schema: dict[str, Any] | None = None) -> OpenAPIResponseHeader:
    return {"description": description, "schema": schema or {"type": "string"}}
