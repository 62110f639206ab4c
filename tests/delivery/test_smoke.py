"""`bbws smoke` against a stub API on 127.0.0.1: what it checks, and that PROD stays read-only."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery import accounts
from bbws.delivery.smoke import Client, SmokeError, run_smoke

from .conftest import TEST_ENVIRONMENTS, Cloud, StubApi


def test_a_healthy_deployment_passes_every_read_check(api: tuple[str, StubApi]) -> None:
    url, state = api
    result = run_smoke(Client(url, read_only=True))
    assert result.ok
    assert [check.name for check in result.checks] == ["GET /health", "GET /products", "GET /products/<missing>"]
    assert {method for method, *_ in state.requests} == {"GET"}


def test_an_unhealthy_deployment_fails(api: tuple[str, StubApi]) -> None:
    url, state = api
    state.health_status = "degraded"
    state.missing_type = "text/html"
    result = run_smoke(Client(url + "/v1.0/", read_only=True))
    assert not result.ok
    assert [check.name for check in result.checks if not check.ok] == ["GET /health", "GET /products/<missing>"]


def test_outside_prod_a_storefront_key_adds_one_order(api: tuple[str, StubApi]) -> None:
    url, state = api
    result = run_smoke(Client(url, read_only=False), storefront_key="key-1")
    assert result.ok
    posts = [(path, headers, body) for method, path, headers, body in state.requests if method == "POST"]
    assert len(posts) == 1
    path, headers, body = posts[0]
    assert path == "/v1.0/orders"
    assert headers["X-Api-Key"] == "key-1"
    assert body["items"] == [{"productId": "web-basic", "quantity": 1}]
    assert body["currency"] == "ZAR"


def test_a_read_only_client_refuses_to_write() -> None:
    with pytest.raises(SmokeError, match="refusing POST /orders: this smoke test is read-only"):
        Client("http://127.0.0.1:9", read_only=True).request("POST", "/orders", {})


def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(SmokeError, match="not an http"):
        Client("file:///etc/passwd", read_only=True)


def test_prod_is_never_written_even_with_a_storefront_key(
    api: tuple[str, StubApi], monkeypatch: pytest.MonkeyPatch, cloud: Cloud
) -> None:
    # Given a storefront key and --env prod (whose SES has production access)
    url, state = api
    monkeypatch.setattr(accounts, "ENVIRONMENTS", TEST_ENVIRONMENTS)
    cloud.grant_ses_production_access("prod")
    # When the smoke command runs
    result = CliRunner().invoke(app, ["smoke", "--base-url", url, "--env", "prod", "--storefront-key", "key-1"])
    # Then it passes on reads alone and sent no write
    assert result.exit_code == 0, result.output
    assert "read-only run" in result.output
    assert {method for method, *_ in state.requests} == {"GET"}


def test_the_command_fails_when_a_check_fails(api: tuple[str, StubApi]) -> None:
    url, state = api
    state.health_status = "down"
    result = CliRunner().invoke(app, ["smoke", "--base-url", url])
    assert result.exit_code == 1
    assert "FAIL GET /health" in " ".join(result.output.split())


def test_an_unreachable_api_is_an_error() -> None:
    result = CliRunner().invoke(app, ["smoke", "--base-url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "error:" in result.output


def test_an_order_needs_a_listed_product_with_an_id_and_currency(api: tuple[str, StubApi]) -> None:
    url, state = api
    state.products = [{"productId": "web-basic"}]
    result = run_smoke(Client(url, read_only=False), storefront_key="key-1")
    assert [check.name for check in result.checks if not check.ok] == ["POST /orders"]
