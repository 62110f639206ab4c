"""The function and route tables agree with each other and with the spec."""

from __future__ import annotations

from bbws.core.functions import BY_NAME, FUNCTIONS, Trigger
from bbws.core.routes import ROUTES, Access

SPEC_FUNCTIONS = {
    "health", "products-api", "campaigns-api", "orders-api", "orders-consumer", "tenants-api", "notifications-consumer",
}  # fmt: skip
# Added by issue 12: SES's bounce, complaint and reject events (docs/notifications.md).
OPERATIONS_FUNCTIONS = {"email-events-consumer"}


def test_the_seven_functions_of_the_spec_and_the_email_events_consumer() -> None:
    assert {f.name for f in FUNCTIONS} == SPEC_FUNCTIONS | OPERATIONS_FUNCTIONS
    assert len(BY_NAME) == len(FUNCTIONS)


def test_every_route_is_served_by_an_api_function() -> None:
    for route in ROUTES:
        assert BY_NAME[route.function].trigger is Trigger.API, route


def test_routes_are_unique_and_under_the_base_path() -> None:
    keys = [(r.method, r.path) for r in ROUTES]
    assert len(keys) == len(set(keys))
    assert all(r.full_path.startswith("/v1.0/") for r in ROUTES)


def test_only_the_order_submission_needs_the_storefront_key() -> None:
    assert [(r.method, r.path) for r in ROUTES if r.access is Access.API_KEY] == [("POST", "/orders")]


def test_consumers_poll_a_queue_and_lambda_handler_strings_are_dotted() -> None:
    for function in FUNCTIONS:
        assert (function.trigger is Trigger.QUEUE) == (function.queue is not None)
        assert function.lambda_handler == function.handler.replace(":", ".")
        assert function.module == function.handler.split(":")[0]
