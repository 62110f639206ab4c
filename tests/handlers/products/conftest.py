"""Calling the products function the way API Gateway does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bbws.local.provision import Resources
from bbws.products.handlers.api import lambda_handler
from tests.support.events import LambdaContext, admin_claims, api_event

Call = Callable[..., dict[str, Any]]

PRODUCT = {
    "productId": "web-basic",
    "name": "Website Basic",
    "description": "Five pages",
    "price": "1499.00",
    "currency": "ZAR",
    "features": ["5 pages", "Contact form"],
    "billingCycle": "once",
}


@pytest.fixture
def send() -> Call:
    """Send one request to products-api (`product_id` fills {productId}); no AWS behind it."""

    def request(method: str, path: str, *, product_id: str | None = None, **kwargs: Any) -> dict[str, Any]:
        if product_id is not None:
            kwargs.setdefault("resource", "/products/{productId}")
            kwargs.setdefault("path_parameters", {"productId": product_id})
        return lambda_handler(api_event(method, path, **kwargs), LambdaContext())

    return request


@pytest.fixture
def call(aws_resources: Resources, send: Call) -> Call:
    """Send one request to products-api with an emulated AWS behind it."""
    return send


@pytest.fixture
def admin() -> dict[str, str]:
    return admin_claims()


@pytest.fixture
def add_product(call: Call, admin: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Given a product in the catalog (an admin adds it)."""

    def add(**overrides: Any) -> dict[str, Any]:
        response = call("POST", "/products", body={**PRODUCT, **overrides}, claims=admin)
        assert response["statusCode"] == 201, response["body"]
        return response

    return add
