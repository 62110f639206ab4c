"""Schemathesis against the local stack, generated from the committed OpenAPI documents.

Every operation of every committed document is called with generated inputs (valid and
invalid) by each kind of caller; no response may be a 5xx and every response must match the
schema the document declares for its status code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
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


# --- schemathesis's own runner, every check -------------------------------------------------
# `st run --checks all` is how an outside tester meets the API: the coverage phase (boundary
# values, undeclared methods, missing headers), fuzzing, and stateful runs following the
# documents' links. It runs as a subprocess against the contract stack, bounded by
# ALL_CHECKS_EXAMPLES per operation, derandomised by a fixed seed, offline (127.0.0.1 only).
ALL_CHECKS_EXAMPLES = 5
# Excluded by design (docs/api.md "Contract testing"): `positive_data_acceptance` - schema-valid
# requests the API rightly refuses: an opaque cursor, a price with more digits than its currency,
# a `.test` email SES cannot deliver to, a campaign code that is not active (422);
# `use_after_free` - an admin still reads a soft-deleted product or campaign (SPEC §3).
BY_DESIGN = ("positive_data_acceptance", "use_after_free")


def _documents() -> list[str]:
    return sorted(path.stem for path in OPENAPI_DIR.glob("*.json"))


def test_every_committed_document_is_checked() -> None:
    assert set(_documents()) >= set(SERVICES)


def _all_checks(document: str, stack: RunningStack, headers: dict[str, str], workdir: Path) -> list[str]:
    report = workdir / f"{document}.json"
    command = [str(Path(sys.executable).parent / "schemathesis"), "run", str(OPENAPI_DIR / f"{document}.json")]
    command += ["--url", stack.base_url, "--checks", "all", "--exclude-checks", ",".join(BY_DESIGN)]
    command += ["--max-examples", str(ALL_CHECKS_EXAMPLES), "--seed", "11", "--workers", "1", "--no-color"]
    command += ["--request-timeout", "30", "--report", "json", "--report-json-path", str(report)]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    run = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=900, check=False)
    assert report.exists(), run.stdout + run.stderr
    result = json.loads(report.read_text())
    problems = [f"error: {error}" for error in result["errors"]]
    for failure in result["failures"]:
        problems.append(f"{failure['code']} {failure['title']}: {', '.join(failure['operations'])}")
    if problems:
        problems.append(run.stdout[-20000:])
    assert result["operations"]["tested"] == result["operations"]["selected"] > 0, run.stdout
    return problems


@pytest.mark.parametrize("document", _documents())
def test_schemathesis_with_every_check_finds_nothing(
    document: str, contract_stack: RunningStack, tmp_path: Path
) -> None:
    # Given a committed document and callers holding every credential it declares (an admin
    # token and the storefront key; `ignored_auth` drops them again to check the refusals)
    callers = [contract_stack.auth("admin") | {"X-Api-Key": contract_stack.storefront_key}]
    if document in ("orders", "tenants"):  # routes that answer a tenant differently
        callers.append(contract_stack.auth("tenant", contract_stack.info["demoTenantId"] or "no-tenant"))
    # When schemathesis runs every check against the stack
    problems = [problem for headers in callers for problem in _all_checks(document, contract_stack, headers, tmp_path)]
    # Then there is no server error, no undocumented status or content type (every error is
    # problem+json, as each document declares), no response off its schema, nothing accepted
    # that the schema refuses
    assert not problems, "\n".join(problems)
