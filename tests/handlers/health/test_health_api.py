"""GET /health answers who is running, without credentials or AWS."""

from __future__ import annotations

from bbws import __version__
from bbws.health.handlers.api import lambda_handler
from tests.support.events import LambdaContext, api_event, header, response_json


def test_health_reports_version_and_environment(monkeypatch) -> None:
    # Given a function configured for the sit environment
    monkeypatch.setenv("ENVIRONMENT", "sit")
    # When anyone asks for its health
    response = lambda_handler(api_event("GET", "/health"), LambdaContext())
    # Then it is ok, with the deployed version and environment
    assert response["statusCode"] == 200
    assert response_json(response) == {"status": "ok", "version": __version__, "environment": "sit"}


def test_unknown_route_is_a_problem_document() -> None:
    response = lambda_handler(api_event("GET", "/nowhere"), LambdaContext())
    assert response["statusCode"] == 404
    assert header(response, "Content-Type") == "application/problem+json"
    assert response_json(response)["status"] == 404


def test_body_over_64_kib_is_refused_with_413() -> None:
    response = lambda_handler(api_event("GET", "/health", raw_body="x" * (64 * 1024 + 1)), LambdaContext())
    assert response["statusCode"] == 413
    assert response_json(response)["title"] == "Payload Too Large"
