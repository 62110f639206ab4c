"""The one exception hierarchy of the platform; each error knows its RFC 9457 problem shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

PROBLEM_BASE = "https://bbws.dev/problems/"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class BbwsError(Exception):
    """Base of every error the platform raises on purpose."""


class ConfigurationError(BbwsError):
    """A function was started without a setting it needs: an operator error, never a client's."""


class ProblemError(BbwsError):
    """An error that is answered to the caller as `application/problem+json`."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal Server Error"
    slug: ClassVar[str] = "internal"

    def __init__(self, detail: str, *, extensions: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions: dict[str, Any] = extensions or {}

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug

    def to_problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        body.update(self.extensions)
        return body


class InvalidInput(ProblemError):
    status = 400
    title = "Invalid request"
    slug = "invalid-request"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(
            detail,
            extensions={"errors": [{"field": e.field, "message": e.message} for e in errors or []]},
        )


class Unauthorized(ProblemError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(ProblemError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class NotFound(ProblemError):
    status = 404
    title = "Not Found"
    slug = "not-found"


class Conflict(ProblemError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class PreconditionFailed(ProblemError):
    status = 412
    title = "Precondition Failed"
    slug = "precondition-failed"


class PayloadTooLarge(ProblemError):
    status = 413
    title = "Payload Too Large"
    slug = "payload-too-large"


class BusinessRuleViolation(ProblemError):
    """422: the request is well formed but breaks a business rule (price, currency, inactive)."""

    status = 422
    title = "Unprocessable Content"
    slug = "business-rule"


class Throttled(ProblemError):
    status = 429
    title = "Too Many Requests"
    slug = "throttled"


class ServiceUnavailable(ProblemError):
    """503: a dependency (a queue, a table, Secrets Manager) failed; nothing was promised, so
    the caller retries (with the same Idempotency-Key, if it sent one)."""

    status = 503
    title = "Service Unavailable"
    slug = "unavailable"


@dataclass
class ProblemDetails:
    """Plain holder used where a problem is built without raising (for example by the gateway)."""

    status: int
    title: str
    detail: str
    type: str = PROBLEM_BASE + "about-blank"
    extensions: dict[str, Any] = field(default_factory=dict)

    def to_problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        body.update(self.extensions)
        return body
