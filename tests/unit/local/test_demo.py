"""Demo data goes in through the API itself, once, however often the seeding runs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bbws.core import aws
from bbws.core.functions import BY_NAME, LambdaFunction
from bbws.core.settings import get_settings
from bbws.local.demo import DEMO_PRODUCTS, seed
from bbws.local.emulator import Emulator
from bbws.local.gateway import Gateway, HttpRequest
from bbws.local.issuer import DevelopmentIssuer
from bbws.local.lambdas import LocalLambdas
from bbws.local.provision import Resources, provision


@pytest.fixture(scope="module")
def emulated_aws() -> Iterator[Resources]:
    """Given the emulator with every resource, and the settings environment pointing at it (the
    functions run in worker processes, so they need a real endpoint, not an in-process mock)."""
    emulator = Emulator()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", emulator.start())
        patch.setenv("ENVIRONMENT", "local")
        aws.reset()
        resources = provision(prefix="demo")
        for name, value in resources.environ().items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        try:
            yield resources
        finally:
            emulator.stop()


@pytest.fixture(scope="module")
def lambdas(emulated_aws: Resources) -> Iterator[LocalLambdas]:
    lambdas = LocalLambdas("eu-west-1")
    yield lambdas
    lambdas.close()


@pytest.fixture
def gateway(lambdas: LocalLambdas) -> Gateway:
    return Gateway(lambdas, DevelopmentIssuer(issuer="http://local/_local"), "key")


def test_seeding_twice_creates_everything_once(gateway: Gateway) -> None:
    # Given demo data seeded once
    admin = gateway.issuer.mint("admin")
    first = seed(gateway, admin)
    # When it is seeded again
    second = seed(gateway, admin)
    # Then the same products, campaign and tenant are reported, and nothing was duplicated
    assert first.products == second.products == [p["productId"] for p in DEMO_PRODUCTS]
    assert first.campaign == second.campaign == "LAUNCH10"
    assert first.tenant_id is not None
    assert first.tenant_id == second.tenant_id
    assert not second.skipped
    tenants = gateway.handle(HttpRequest("GET", "/v1.0/tenants", [("Authorization", f"Bearer {admin}")]))
    assert len(json.loads(tenants.body)["items"]) == 1


def test_services_not_built_yet_are_skipped(emulated_aws: Resources) -> None:
    # Given a platform whose tenants function does not exist yet
    functions = dict(BY_NAME)
    functions["tenants-api"] = LambdaFunction(
        "tenants-api", "tenants", "bbws.not_yet.handlers.api:lambda_handler", BY_NAME["tenants-api"].trigger,
        frozenset(),
    )  # fmt: skip
    lambdas = LocalLambdas("eu-west-1", functions)
    gateway = Gateway(lambdas, DevelopmentIssuer(issuer="http://local/_local"), "key")
    # When the demo data is seeded
    try:
        demo = seed(gateway, gateway.issuer.mint("admin"))
    finally:
        lambdas.close()
    # Then the catalog is there and the tenant is skipped, not an error
    assert demo.tenant_id is None
    assert demo.skipped == ["tenant"]
    assert len(demo.products) == len(DEMO_PRODUCTS)


def test_rejected_demo_data_is_reported_as_skipped(gateway: Gateway) -> None:
    # Given a token the gateway does not accept
    demo = seed(gateway, "not-a-token")
    # Then nothing is claimed as created
    assert demo.products == []
    assert demo.campaign is None
    assert "campaign" in demo.skipped
