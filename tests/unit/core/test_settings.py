"""One settings model reads every variable of SPEC §6, once."""

from __future__ import annotations

import pytest

from bbws.core.errors import ConfigurationError
from bbws.core.functions import FUNCTIONS
from bbws.core.settings import ENV_NAMES, FIELDS, Settings, get_settings

SPEC_NAMES = {
    "ENVIRONMENT", "LOG_LEVEL", "PRODUCTS_TABLE_NAME", "CAMPAIGNS_TABLE_NAME", "DYNAMODB_TABLE_NAME",
    "TENANTS_TABLE_NAME", "ORDERS_QUEUE_URL", "NOTIFICATIONS_QUEUE_URL", "TEMPLATES_BUCKET_NAME",
    "FROM_EMAIL", "INTERNAL_EMAILS", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE",
    # issue 11: the secret that signs list cursors (SPEC section 3 asks for one)
    "CURSOR_SECRET_ARN",
}  # fmt: skip


def test_the_model_reads_exactly_the_variables_the_spec_names() -> None:
    assert set(ENV_NAMES.values()) == SPEC_NAMES
    assert set(ENV_NAMES) == FIELDS


def test_values_come_from_the_environment() -> None:
    settings = Settings.from_environ(
        {"ENVIRONMENT": "prod", "DYNAMODB_TABLE_NAME": "orders", "INTERNAL_EMAILS": "a@x.com, b@x.com,,"}
    )
    assert settings.environment == "prod"
    assert settings.orders_table_name == "orders"
    assert settings.internal_emails == ("a@x.com", "b@x.com")


@pytest.mark.parametrize("name", ["Staging", "pre prod", "x", "prod-eu-west-1"])
def test_a_malformed_environment_name_is_refused(name: str) -> None:
    """Given ENVIRONMENT that could not be a defined environment's name (the stack's pattern),
    then the settings refuse it."""
    with pytest.raises(ConfigurationError, match="not an environment's name"):
        Settings.from_environ({"ENVIRONMENT": name})


def test_an_environment_an_adopter_adds_is_accepted() -> None:
    """Given an environment defined beside dev, sit and prod (infra/terraform/environments/qa),
    then its functions start: the settings do not list the environments."""
    assert Settings.from_environ({"ENVIRONMENT": "qa"}).environment == "qa"


def test_a_missing_required_resource_names_its_variable() -> None:
    with pytest.raises(ConfigurationError, match="PRODUCTS_TABLE_NAME"):
        Settings.from_environ({}).require("products_table_name")
    assert Settings.from_environ({"PRODUCTS_TABLE_NAME": "p"}).require("products_table_name") == "p"


def test_settings_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "dev")
    first = get_settings()
    monkeypatch.setenv("ENVIRONMENT", "sit")
    assert get_settings() is first
    assert first.environment == "dev"


def test_every_function_requires_only_known_settings() -> None:
    for function in FUNCTIONS:
        assert function.settings <= FIELDS, function.name
