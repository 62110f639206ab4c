"""Functions run in-process as Lambda would run them."""

from __future__ import annotations

import pytest

from bbws.core.functions import LambdaFunction, Trigger
from bbws.local.lambdas import FunctionUnavailable, LambdaContext, LocalLambdas


def _lambdas(handler: str) -> LocalLambdas:
    return LocalLambdas("eu-west-1", {"f": LambdaFunction("f", "s", handler, Trigger.API, frozenset())})


def test_missing_function_module_is_unavailable() -> None:
    lambdas = _lambdas("bbws.nowhere.handlers.api:lambda_handler")
    assert lambdas.available("f") is False
    with pytest.raises(FunctionUnavailable):
        lambdas.invoke("f", {})


def test_missing_dependency_inside_an_existing_module_is_a_real_error() -> None:
    # Given a function module that exists but imports something that does not
    lambdas = _lambdas("tests.unit.local.broken_module:handler")
    # Then it is not mistaken for a service still being built
    with pytest.raises(ModuleNotFoundError):
        lambdas.handler("f")


def test_invoke_passes_a_lambda_context() -> None:
    lambdas = _lambdas("tests.unit.local.fake_functions:echo")
    response = lambdas.invoke("f", {"path": "/x"})
    assert response["statusCode"] == 200
    assert lambdas.function("f").name == "f"


def test_context_describes_the_function() -> None:
    context = LambdaContext(function_name="orders-api", region="eu-west-1", timeout_seconds=30)
    assert context.invoked_function_arn == "arn:aws:lambda:eu-west-1:123456789012:function:orders-api"
    assert context.log_group_name == "/aws/lambda/orders-api"
    assert context.log_stream_name.startswith("local/[$LATEST]")
    assert 0 < context.get_remaining_time_in_millis() <= 30_000
