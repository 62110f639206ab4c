"""`bbws openapi`: documents that describe what the functions really answer."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate
from typer.testing import CliRunner

from bbws.cli import app as cli
from bbws.core.functions import LambdaFunction, Trigger
from bbws.delivery.openapi import generate, service_app

DOCUMENTS = {name: json.loads(text) for name, text in generate().items()}


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_document_is_valid_openapi(name) -> None:
    validate(DOCUMENTS[name])


def test_the_catalog_services_have_documents() -> None:
    assert {"health.json", "products.json", "campaigns.json"} <= set(DOCUMENTS)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_no_powertools_422_and_every_error_is_problem_json(name) -> None:
    document = DOCUMENTS[name]
    assert "HTTPValidationError" not in json.dumps(document)
    for route, operation in operations(document):
        assert "413" in operation["responses"], route
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (route, status)


def test_catalog_routes_document_their_status_codes() -> None:
    products = dict(operations(DOCUMENTS["products.json"]))
    campaigns = dict(operations(DOCUMENTS["campaigns.json"]))
    # Every route a token may call can refuse an X-Tenant-Id (400 malformed, 403 another tenant).
    expected = {
        "POST /products": {"201", "400", "401", "403", "409", "413", "415"},
        "PUT /products/{productId}": {"200", "400", "401", "403", "404", "412", "413", "415"},
        "DELETE /products/{productId}": {"204", "400", "401", "403", "404", "413"},
        "GET /products": {"200", "400", "401", "403", "413", "503"},  # 503: the cursor secret unreadable
        "GET /products/{productId}": {"200", "400", "401", "403", "404", "413"},
    }
    for route, statuses in expected.items():
        assert set(products[route]["responses"]) == statuses, route
    assert "409" in campaigns["POST /campaigns"]["responses"]
    assert "content" not in campaigns["DELETE /campaigns/{code}"]["responses"]["204"]


def test_every_operation_a_token_may_call_documents_x_tenant_id() -> None:
    for document in DOCUMENTS.values():
        for route, operation in operations(document):
            takes_token = any("bearerAuth" in requirement for requirement in operation.get("security", []))
            headers = [p for p in operation.get("parameters", []) if p["in"] == "header" and p["name"] == "X-Tenant-Id"]
            assert len(headers) == (1 if takes_token else 0), route
            if takes_token:
                assert headers[0]["schema"]["maxLength"] == 128
                assert {"400", "403"} <= set(operation["responses"]), route


def test_admin_routes_need_a_bearer_token_and_public_ones_allow_none() -> None:
    products = dict(operations(DOCUMENTS["products.json"]))
    assert products["POST /products"]["security"] == [{"bearerAuth": []}]
    assert {} in products["GET /products"]["security"]
    schemes = DOCUMENTS["products.json"]["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["apiKey"] == {
        "description": schemes["apiKey"]["description"],
        "in": "header",
        "name": "X-Api-Key",
        "type": "apiKey",
    }


def test_documents_are_served_below_the_base_path() -> None:
    assert all(
        document["servers"] == [{"description": "API Gateway stage base path", "url": "/v1.0"}]
        for document in DOCUMENTS.values()
    )


def test_created_responses_document_location_and_etag() -> None:
    created = dict(operations(DOCUMENTS["products.json"]))["POST /products"]["responses"]["201"]
    assert set(created["headers"]) == {"ETag", "Location"}


def test_a_service_not_built_yet_is_skipped() -> None:
    future = LambdaFunction("x-api", "x", "bbws.not_built_yet.handlers.api:lambda_handler", Trigger.API, frozenset())
    assert service_app(future) is None


def test_a_missing_dependency_inside_a_service_is_not_skipped(tmp_path, monkeypatch) -> None:
    package = tmp_path / "broken_service"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "api.py").write_text("import no_such_dependency_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    broken = LambdaFunction("b-api", "b", "broken_service.api:lambda_handler", Trigger.API, frozenset())
    with pytest.raises(ModuleNotFoundError):
        service_app(broken)


def test_a_handler_module_without_a_resolver_is_an_error() -> None:
    odd = LambdaFunction("o-api", "o", "bbws.core.clock:now_iso", Trigger.API, frozenset())
    with pytest.raises(TypeError):
        service_app(odd)


def test_the_command_writes_documents_and_checks_drift(tmp_path) -> None:
    runner = CliRunner()
    stale = runner.invoke(cli, ["openapi", "--out", str(tmp_path), "--check"])
    assert stale.exit_code == 1
    written = runner.invoke(cli, ["openapi", "--out", str(tmp_path)])
    assert written.exit_code == 0
    assert (tmp_path / "products.json").read_text().endswith("}\n")
    fresh = runner.invoke(cli, ["openapi", "--out", str(tmp_path), "--check"])
    assert fresh.exit_code == 0, fresh.output
