"""Functions run as Lambda runs them: each invocation in an execution environment of its own
(a worker process), one at a time per environment, a failed environment replaced."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bbws.core.functions import LambdaFunction, Trigger
from bbws.local.lambdas import EnvironmentFailed, FunctionFailed, FunctionUnavailable, LambdaContext, LocalLambdas

FAKES = "tests.unit.local.fake_functions"


def _function(name: str, handler: str) -> LambdaFunction:
    return LambdaFunction(name, f"{name}-service", handler, Trigger.API, frozenset())


FUNCTIONS = {
    "probe": _function("probe", f"{FAKES}:probe"),
    "other": _function("other", f"{FAKES}:probe"),
    "exit": _function("exit", f"{FAKES}:exit_process"),
    "hang": _function("hang", f"{FAKES}:hang"),
    "raise": _function("raise", f"{FAKES}:crash"),
    "not-json": _function("not-json", f"{FAKES}:not_json"),
    "missing": _function("missing", "bbws.nowhere.handlers.api:lambda_handler"),
    "broken": _function("broken", "tests.unit.local.broken_module:handler"),
}


@pytest.fixture(scope="module")
def lambdas() -> Iterator[LocalLambdas]:
    lambdas = LocalLambdas("eu-west-1", FUNCTIONS, pool_sizes={"probe": 2, "hang": 1}, timeout=2)
    yield lambdas
    lambdas.close()


def _probe(lambdas: LocalLambdas, name: str = "probe", sleep: float = 0.05) -> dict[str, Any]:
    result = lambdas.invoke(name, {"queryStringParameters": {"sleep": str(sleep)}})
    return dict(json.loads(result["body"]))


def test_concurrent_invocations_never_share_an_interpreter(lambdas: LocalLambdas) -> None:
    # Given a function with two execution environments at most, and another function
    # When eight invocations of it and four of the other arrive at once
    with ThreadPoolExecutor(12) as pool:
        first = [pool.submit(_probe, lambdas, "probe", 0.2) for _ in range(8)]
        second = [pool.submit(_probe, lambdas, "other", 0.2) for _ in range(4)]
        answers = [future.result() for future in first]
        others = [future.result() for future in second]
    # Then each ran alone in its interpreter, in at most two processes, none shared between functions
    assert {answer["concurrent"] for answer in answers + others} == {1}
    assert len({answer["pid"] for answer in answers}) == 2
    assert not {answer["pid"] for answer in answers} & {answer["pid"] for answer in others}
    # And each environment knows its function and service, as Terraform configures them
    assert {(a["function"], a["service"]) for a in answers} == {("probe", "probe-service")}


def test_an_environment_is_out_of_reach_of_signals_to_the_stacks_process_group(lambdas: LocalLambdas) -> None:
    # When an invocation runs
    answer = _probe(lambdas)
    # Then its environment leads a process group of its own: a Ctrl-C or a `kill -TERM -PGID`
    # aimed at the stack's group does not cut it off; the stack stops its workers itself
    assert answer["pgid"] == answer["pid"]
    assert answer["pgid"] != os.getpgrp()


def test_a_crashed_environment_fails_the_invocation_and_is_replaced(lambdas: LocalLambdas) -> None:
    # When the process running an invocation dies
    with pytest.raises(EnvironmentFailed, match="exited"):
        lambdas.invoke("exit", {})
    # Then the next invocation gets a new environment (which dies again here), counted as replaced
    with pytest.raises(EnvironmentFailed):
        lambdas.invoke("exit", {})
    assert lambdas.stats()["exit"].replaced == 2
    assert lambdas.stats()["exit"].workers == 0


def test_a_timed_out_invocation_is_killed_and_its_environment_replaced(lambdas: LocalLambdas) -> None:
    # When an invocation overruns the function's timeout (2 s here)
    with pytest.raises(EnvironmentFailed, match="timed out after 2 s"):
        lambdas.invoke("hang", {})
    # Then its environment is gone and nothing waits on it
    assert lambdas.stats()["hang"].workers == 0
    assert lambdas.stats()["hang"].busy == 0


def test_a_raising_handler_fails_the_invocation_and_keeps_its_environment(lambdas: LocalLambdas) -> None:
    with pytest.raises(FunctionFailed) as raised:
        lambdas.invoke("raise", {})
    assert (raised.value.error_type, raised.value.error_message) == ("RuntimeError", "boom")
    assert lambdas.stats()["raise"].workers == 1
    with pytest.raises(FunctionFailed, match=r"Runtime\.MarshalError"):
        lambdas.invoke("not-json", {})


def test_missing_function_module_is_unavailable(lambdas: LocalLambdas) -> None:
    assert lambdas.available("missing") is False
    with pytest.raises(FunctionUnavailable):
        lambdas.invoke("missing", {})


def test_missing_dependency_inside_an_existing_module_is_a_real_error(lambdas: LocalLambdas) -> None:
    # Given a function module that exists but imports something that does not
    # Then it is not mistaken for a service still being built: its invocations fail loudly
    assert lambdas.available("broken") is True
    with pytest.raises(FunctionFailed, match=r"Runtime\.ImportModuleError"):
        lambdas.invoke("broken", {})


def test_recycled_functions_run_in_new_environments(lambdas: LocalLambdas) -> None:
    before = _probe(lambdas)["pid"]
    lambdas.recycle()
    assert _probe(lambdas)["pid"] != before


def test_start_reports_which_functions_exist(lambdas: LocalLambdas) -> None:
    assert lambdas.start(["probe", "missing"]) == {"probe": True, "missing": False}
    assert lambdas.function("probe").name == "probe"


def test_context_describes_the_function() -> None:
    context = LambdaContext(function_name="orders-api", region="eu-west-1", timeout_seconds=30)
    assert context.invoked_function_arn == "arn:aws:lambda:eu-west-1:123456789012:function:orders-api"
    assert context.log_group_name == "/aws/lambda/orders-api"
    assert context.log_stream_name.startswith("local/[$LATEST]")
    assert 0 < context.get_remaining_time_in_millis() <= 30_000
