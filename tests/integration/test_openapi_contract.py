"""Schemathesis against the local stack, generated from the committed OpenAPI documents.

Every operation of every committed document is called with generated inputs (valid and
invalid) by each kind of caller; no response may be a 5xx and every response must match the
schema the document declares for its status code.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.integration.conftest import REPO_ROOT, RunningStack, start_stack, stop_stack

pytestmark = pytest.mark.integration

OPENAPI_DIR = REPO_ROOT / "openapi"
SERVICES = (
    "health",
    "products",
    "campaigns",
    "orders",
    "tenants",
)
CALLERS = ("anonymous", "admin", "tenant", "storefront")
MAX_EXAMPLES = 6


@pytest.fixture(scope="module")
def contract_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A stack of its own: generated admin calls change and delete data other tests rely on."""
    stack = start_stack(tmp_path_factory.mktemp("contract-stack"))
    yield stack
    stop_stack(stack)


def _caller_headers(caller: str, stack: RunningStack) -> dict[str, str]:
    if caller == "admin":
        return stack.auth("admin")
    if caller == "tenant":
        return stack.auth("tenant", stack.info["demoTenantId"] or "no-tenant")
    if caller == "storefront":
        return {"X-Api-Key": stack.storefront_key}
    return {}


def _check_operation(operation: Any, mode: GenerationMode, stack: RunningStack, session: requests.Session) -> None:
    credentials = {caller: _caller_headers(caller, stack) for caller in CALLERS}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    def each_caller_gets_a_documented_answer(case: Any) -> None:
        for caller in CALLERS:
            names = {name.lower() for name in credentials[caller]}
            headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in names}
            case.call_and_validate(
                base_url=stack.base_url,
                session=session,
                headers=headers | credentials[caller],
                checks=[not_a_server_error, response_schema_conformance],
                timeout=30,
            )

    each_caller_gets_a_documented_answer()


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_answers_within_its_contract(service: str, contract_stack: RunningStack) -> None:
    # Given the committed OpenAPI document of a service
    path = OPENAPI_DIR / f"{service}.json"
    if not path.exists():
        pytest.skip(f"openapi/{service}.json is not committed yet")
    schema = schemathesis.openapi.from_path(str(path))
    failures: list[str] = []
    # When every operation is called with valid and invalid generated requests by every caller
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _check_operation(operation, mode, contract_stack, session)
                except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                    continue
                except Exception as error:  # noqa: BLE001 - collect every operation's failure, not just the first
                    failures.append(f"{operation.label} ({mode.value}): {error}")
    # Then no answer was a server error or off its documented schema
    assert not failures, "\n\n".join(failures)
