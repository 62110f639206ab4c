"""The HTTP side of every API function: one resolver setup and one place mapping errors to
RFC 9457 problem+json responses."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from bbws.core import jsonutil
from bbws.core.errors import PROBLEM_BASE, FieldError, InvalidInput, PayloadTooLarge, ProblemDetails, ProblemError
from bbws.core.identity import Principal, principal_from_event
from bbws.core.observability import instrument, logger
from bbws.core.routes import BASE_PATH

PROBLEM_JSON = "application/problem+json"
_PRINCIPAL = "principal"  # the resolver context key of the request's caller
MAX_BODY_BYTES = 64 * 1024
UNSUPPORTED_MEDIA_TYPE = ProblemDetails(
    415, "Unsupported Media Type", "send the request body as application/json", PROBLEM_BASE + "unsupported-media-type"
)


def problem_response(problem: ProblemError | ProblemDetails, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=problem.status,
        content_type=PROBLEM_JSON,
        body=jsonutil.dumps(problem.to_problem()),
        headers=headers,
    )


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    # Powertools locations look like ("body", "items", 0, "quantity") or ("query", "limit").
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "body"


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        # Powertools says only "JSON decode error"; the parser's own reason says which bound.
        return f"malformed JSON: {(error.get('ctx') or {}).get('error', 'not a JSON document')}"
    location = list(error.get("loc", ()))
    if location[:1] == ["query"] and isinstance(error.get("input"), list):
        # a repeated key (`?limit=1&limit=2`): API Gateway passes every value, and a list is
        # "not a valid integer" to pydantic, which says nothing of what went wrong
        return "may be given only once"
    message = str(error.get("msg", "is invalid"))
    # pydantic prefixes messages of custom validators with "Value error, ".
    return message.removeprefix("Value error, ")


def validation_problem(errors: list[dict[str, Any]]) -> ProblemDetails:
    field_errors = [
        {"field": "body" if e.get("type") == "json_invalid" else _field_name(e.get("loc", ())), "message": _message(e)}
        for e in errors
    ]
    return ProblemDetails(
        status=400,
        title="Invalid request",
        detail="the request has invalid or unknown fields",
        type="https://bbws.dev/problems/invalid-request",
        extensions={"errors": field_errors},
    )


def build_resolver(*, validation: bool = True) -> APIGatewayRestResolver:
    """An API Gateway REST resolver with request validation (pydantic; a function without input
    passes `validation=False` and never loads pydantic), exact JSON numbers and problem
    responses for every error (no stack traces or internals ever reach the caller)."""
    app = APIGatewayRestResolver(
        enable_validation=validation,
        strip_prefixes=[BASE_PATH],
        serializer=jsonutil.dumps,
        json_body_deserializer=jsonutil.loads,
    )

    @app.exception_handler(ProblemError)
    def _problem(error: ProblemError) -> Response[str]:
        return problem_response(error)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response[str]:
        return problem_response(validation_problem(list(error.errors())))

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_media_type(_: RequestUnsupportedContentType) -> Response[str]:
        # A body the API cannot read is the client's mistake (415), never a server error.
        return problem_response(UNSUPPORTED_MEDIA_TYPE)

    @app.not_found
    def _no_route(_: NotFoundError) -> Response[str]:
        return problem_response(
            ProblemDetails(404, "Not Found", "no such resource", "https://bbws.dev/problems/not-found")
        )

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[str]:
        logger.exception("unhandled error", extra={"error_type": type(error).__name__})
        return problem_response(
            ProblemDetails(
                500, "Internal Server Error", "the request could not be completed", "https://bbws.dev/problems/internal"
            )
        )

    return app


def current_principal(app: APIGatewayRestResolver) -> Principal:
    """The caller of the request being resolved (established once, before routing, by
    `api_entry_point`; derived here when a test resolves an event directly)."""
    principal = app.context.get(_PRINCIPAL)
    return principal if isinstance(principal, Principal) else principal_from_event(app.current_event.raw_event)


def _body_bytes(event: dict[str, Any]) -> bytes | None:
    """The raw body, or None when base64 that does not decode (Powertools would raise)."""
    body = event.get("body") or ""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else bytes(body)
    if not event.get("isBase64Encoded"):
        return raw
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None


def _content_type(event: dict[str, Any]) -> str:
    headers = event.get("headers") or {}
    content_type = next((str(v) for k, v in headers.items() if k.lower() == "content-type"), "")
    return content_type.split(";", 1)[0].strip().lower()


_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def body_problem(event: dict[str, Any]) -> ProblemError | ProblemDetails | None:
    """What is wrong with a request body before any route sees it: over 64 KiB (413), not JSON
    (415), or not UTF-8 text (400); None when it may go on to routing and validation."""
    if not event.get("body"):
        return None
    raw = _body_bytes(event)
    if raw is not None and len(raw) > MAX_BODY_BYTES:
        return PayloadTooLarge(f"the request body exceeds {MAX_BODY_BYTES} bytes")
    if str(event.get("httpMethod", "")).upper() not in _METHODS_WITH_BODY:
        # No GET or DELETE route reads a body, so its type and encoding are never refused (the
        # documents declare 415 only where a body is taken); the size limit holds everywhere.
        return None
    # Powertools would try to parse form and multipart bodies (and raise a bare ValueError on a
    # multipart type without a boundary); every body of this API is JSON, so refuse others first.
    if _content_type(event) not in ("", "application/json"):
        return UNSUPPORTED_MEDIA_TYPE
    if raw is None or not _is_utf8(raw):
        return InvalidInput("the request body is not UTF-8 JSON text", [FieldError("body", "must be UTF-8 text")])
    return None


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _problem_result(problem: ProblemError | ProblemDetails) -> dict[str, Any]:
    return {
        "statusCode": problem.status,
        "headers": {"Content-Type": PROBLEM_JSON},
        "body": jsonutil.dumps(problem.to_problem()),
        "isBase64Encoded": False,
    }


def api_entry_point(
    app: APIGatewayRestResolver, *, traced: bool = True, function: str | None = None
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The instrumented `lambda_handler` for an API function: body limit and type, then the
    caller and the tenant it may act on (`X-Tenant-Id`, one rule for every route, before any
    route or validation runs), then routing.
    `traced=False` for a function that makes no AWS call (health): no X-Ray SDK in its init.
    `function` names it in `bbws.core.functions` for its SnapStart priming (`bbws.core.priming`)."""

    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        problem = body_problem(event)
        if problem is not None:
            return _problem_result(problem)
        try:
            principal = principal_from_event(event)
        except ProblemError as refused:
            return _problem_result(refused)
        app.context[_PRINCIPAL] = principal  # resolve() clears the context when it is done
        return app.resolve(event, context)

    return instrument(lambda_handler, traced=traced, function=function)
