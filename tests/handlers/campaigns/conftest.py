"""Calling the campaigns function the way API Gateway does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bbws.campaigns.handlers.api import lambda_handler
from bbws.local.provision import Resources
from tests.support.events import LambdaContext, admin_claims, api_event

Call = Callable[..., dict[str, Any]]

CAMPAIGN = {
    "code": "SPRING-25",
    "description": "Spring sale",
    "discountPercent": "15",
    "productIds": [],
    "startsAt": "2020-01-01T00:00:00Z",
}


@pytest.fixture
def send() -> Call:
    """Send one request to campaigns-api (`code` fills {code}); no AWS behind it."""

    def request(method: str, path: str, *, code: str | None = None, **kwargs: Any) -> dict[str, Any]:
        if code is not None:
            kwargs.setdefault("resource", "/campaigns/{code}")
            kwargs.setdefault("path_parameters", {"code": code})
        return lambda_handler(api_event(method, path, **kwargs), LambdaContext())

    return request


@pytest.fixture
def call(aws_resources: Resources, send: Call) -> Call:
    """Send one request to campaigns-api with an emulated AWS behind it."""
    return send


@pytest.fixture
def admin() -> dict[str, str]:
    return admin_claims()


@pytest.fixture
def add_campaign(call: Call, admin: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Given a campaign (an admin starts it)."""

    def add(**overrides: Any) -> dict[str, Any]:
        response = call("POST", "/campaigns", body={**CAMPAIGN, **overrides}, claims=admin)
        assert response["statusCode"] == 201, response["body"]
        return response

    return add
