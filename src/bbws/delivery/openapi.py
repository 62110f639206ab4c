"""`bbws openapi`: write each API service's OpenAPI document, generated from its resolver.

The documents are generated from the same Powertools resolvers that serve the requests, then
corrected where Powertools' defaults do not describe this platform: request validation errors
are 400 problem+json here (Powertools declares a 422 `HTTPValidationError`), every API function
answers 413 to an oversized body and 415 to a body that is not JSON, a 204 has no content, and
every operation a token may call takes `X-Tenant-Id` (applied before routing by
`bbws.core.api.api_entry_point`, the same rule on every route; docs/security.md).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer, SecurityScheme, Server

from bbws import __version__
from bbws.core.functions import FUNCTIONS, LambdaFunction, Trigger
from bbws.core.identity import MAX_TENANT_ID_LENGTH, TENANT_HEADER, TENANT_ID_PATTERN
from bbws.core.openapi import API_KEY, BEARER, PROBLEM_JSON, Problem, problem_responses
from bbws.core.routes import BASE_PATH

# Powertools' own error schemas, in the order they can be dropped (the first two refer to the last).
_POWERTOOLS_VALIDATION_SCHEMAS = ("HTTPValidationError", "ResponseValidationError", "ValidationError")
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

SECURITY_SCHEMES: dict[str, SecurityScheme] = {
    BEARER: HTTPBearer(
        bearerFormat="JWT",
        description="Cognito JWT: `cognito:groups` containing `admin`, or a `custom:tenantId` claim.",
    ),
    API_KEY: APIKey(
        name="X-Api-Key",
        **{"in": APIKeyIn.header},
        description="Storefront key of the API Gateway usage plan.",
    ),
}


TENANT_PARAMETER: dict[str, Any] = {
    "name": TENANT_HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Admins: the tenant to act on (lists and reads show only its data, writes touch only its "
        "orders); tenants: their own id only (another is a 403). Ignored without a token."
    ),
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_TENANT_ID_LENGTH,
        "pattern": TENANT_ID_PATTERN,
        "title": TENANT_HEADER,
    },
}


def _takes_a_token(operation: dict[str, Any]) -> bool:
    return any(BEARER in requirement for requirement in operation.get("security", []))


def _problem_response(status: int) -> dict[str, Any]:
    declared = problem_responses(status)[status]
    return {
        "description": declared["description"],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _is_powertools_validation_error(response: dict[str, Any]) -> bool:
    text = json.dumps(response.get("content", {}))
    return any(f"#/components/schemas/{name}" in text for name in _POWERTOOLS_VALIDATION_SCHEMAS)


def _correct_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if _takes_a_token(operation):
        parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
        if not any(p.get("name") == TENANT_HEADER and p.get("in") == "header" for p in parameters):
            parameters.append(TENANT_PARAMETER)
        if "403" not in responses:
            responses["403"] = _problem_response(403)
    # Path parameters are plain strings (an impossible id is a 404), so only a query, header or
    # body can fail validation.
    validated = bool(operation.get("requestBody")) or any(
        parameter.get("in") != "path" for parameter in operation.get("parameters", [])
    )
    if "422" in responses and _is_powertools_validation_error(responses["422"]):
        del responses["422"]
    if validated and "400" not in responses:
        responses["400"] = _problem_response(400)
    if "413" not in responses:  # bbws.core.api.api_entry_point refuses bodies over 64 KiB
        responses["413"] = _problem_response(413)
    if operation.get("requestBody") and "415" not in responses:  # bbws.core.api: body not JSON
        responses["415"] = _problem_response(415)
    if "204" in responses:
        responses["204"].pop("content", None)


def _referenced(document: dict[str, Any], name: str) -> bool:
    return f'"#/components/schemas/{name}"' in json.dumps(document)


def _correct(document: dict[str, Any]) -> dict[str, Any]:
    for path_item in document.get("paths", {}).values():
        for method in _METHODS:
            if method in path_item:
                _correct_operation(path_item[method])
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _POWERTOOLS_VALIDATION_SCHEMAS:
        if name in schemas and not _referenced(document, name):
            del schemas[name]
    if _referenced(document, "Problem") and "Problem" not in schemas:
        # Routes that declare no problem of their own still answer 413 with one.
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
    return document


def service_app(function: LambdaFunction) -> APIGatewayRestResolver | None:
    """The resolver of an API function, or None while its service does not exist yet."""
    try:
        module = importlib.import_module(function.module)
    except ModuleNotFoundError as exc:
        # Only the service's own missing package counts as "not built yet"; a missing
        # dependency inside an existing service is a real error.
        missing = exc.name or ""
        if function.module == missing or function.module.startswith(missing + "."):
            return None
        raise
    app = getattr(module, "app", None)
    if not isinstance(app, APIGatewayRestResolver):
        raise TypeError(f"{function.module}.app is not an APIGatewayRestResolver")
    return app


def build_document(function: LambdaFunction, app: APIGatewayRestResolver) -> dict[str, Any]:
    """The OpenAPI document of one API service, as a plain JSON object."""
    raw = app.get_openapi_json_schema(
        title=f"BBWS {function.service} API",
        version=__version__,
        description=(
            f"The {function.service} service of the BBWS Commerce Platform. Errors are RFC 9457 "
            "`application/problem+json`; money is a string with the currency's minor-unit digits."
        ),
        servers=[Server(url=BASE_PATH, description="API Gateway stage base path")],
        security_schemes=SECURITY_SCHEMES,
    )
    document: dict[str, Any] = json.loads(raw)
    return _correct(document)


def render(document: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, two-space indent, one trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """`<service>.json` -> document text, for every API service that exists."""
    documents: dict[str, str] = {}
    for function in FUNCTIONS:
        if function.trigger is not Trigger.API:
            continue
        app = service_app(function)
        if app is not None:
            documents[f"{function.service}.json"] = render(build_document(function, app))
    return documents


def write(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in sorted(generate().items()):
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale(out: Path) -> list[str]:
    """Names of documents in `out` that differ from, or are missing against, the code."""
    differing = []
    for name, text in sorted(generate().items()):
        path = out / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            differing.append(name)
    return differing


def register(app: typer.Typer) -> None:
    """Add the `openapi` command to the top-level `bbws` application."""

    @app.command("openapi")
    def openapi_command(
        out: Annotated[Path, typer.Option("--out", help="Directory for <service>.json")] = Path("openapi"),
        check: Annotated[
            bool, typer.Option("--check", help="Only report documents that drifted from the code")
        ] = False,
    ) -> None:
        """Generate the OpenAPI document of every API service (openapi/<service>.json)."""
        if check:
            differing = stale(out)
            if differing:
                typer.echo("out of date: " + ", ".join(differing) + " (run `make openapi`)", err=True)
                raise typer.Exit(1)
            typer.echo("OpenAPI documents are up to date")
            return
        for path in write(out):
            typer.echo(f"wrote {path}")
