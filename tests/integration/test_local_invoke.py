"""`bbws local invoke` and `bbws local event`, run as a user runs them, against a started stack."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.integration.conftest import RunningStack, free_port
from tests.support.polling import eventually

pytestmark = pytest.mark.integration


def _bbws(stack_port: int | None, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    environ = {"PORT": str(stack_port)} if stack_port is not None else {}
    return subprocess.run(
        [sys.executable, "-m", "bbws.cli", *args],
        input=stdin, capture_output=True, text=True, timeout=180, check=False,
        env={**_base_environ(), **environ},
    )  # fmt: skip


def _base_environ() -> dict[str, str]:
    import os

    return {name: value for name, value in os.environ.items() if name != "PORT"}


def _port(stack: RunningStack) -> int:
    return int(urlsplit(stack.api_url).port or 0)


def _sample(*args: str) -> str:
    printed = _bbws(None, "local", "event", *args)
    assert printed.returncode == 0, printed.stderr
    return printed.stdout


def test_an_api_event_runs_against_the_stacks_own_data(local_stack: RunningStack) -> None:
    # Given a sample event for the storefront's POST /orders with a demo product
    order = {
        "customerEmail": "invoke@example.com",
        "currency": "ZAR",
        "items": [{"productId": "hosting-basic", "quantity": 1}],
    }
    event = _sample("api", "--method", "POST", "--path", "/orders", "--body", json.dumps(order),
                    "--api-key", local_stack.storefront_key)  # fmt: skip
    # When it is invoked with `bbws local invoke orders-api -e -`
    ran = _bbws(_port(local_stack), "local", "invoke", "orders-api", "-e", "-", stdin=event)
    # Then the function's proxy response is printed, and the order it accepted reaches the
    # stack's queue and table: the same order is then visible over HTTP
    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout)
    assert answer["statusCode"] == 202
    order_id = json.loads(answer["body"])["orderId"]
    admin = local_stack.auth("admin")

    def stored() -> Any:
        response = requests.get(local_stack.url(f"/orders/{order_id}"), headers=admin, timeout=10)
        return response.json() if response.status_code == 200 else None

    found = eventually(stored, 30)
    assert found is not None
    assert found["customerEmail"] == "invoke@example.com"


def test_a_consumer_reports_a_malformed_message_as_its_one_failed_item(local_stack: RunningStack) -> None:
    event = _sample("sqs", "--body", '{"not": "an order"}')
    ran = _bbws(_port(local_stack), "local", "invoke", "orders-consumer", "--event", "-", stdin=event)
    assert ran.returncode == 0, ran.stderr
    message_id = json.loads(event)["Records"][0]["messageId"]
    assert json.loads(ran.stdout) == {"batchItemFailures": [{"itemIdentifier": message_id}]}


def test_a_handler_error_is_printed_and_exits_1(local_stack: RunningStack) -> None:
    # An event that is no API Gateway event at all: the handler raises, as it would in Lambda
    ran = _bbws(_port(local_stack), "local", "invoke", "orders-api", "-e", "-", stdin="{}")
    assert ran.returncode == 1
    assert json.loads(ran.stdout)["errorType"]
    assert "orders-api failed:" in ran.stderr


def test_an_unknown_function_is_named_with_the_known_ones(local_stack: RunningStack) -> None:
    ran = _bbws(_port(local_stack), "local", "invoke", "no-such-function", "-e", "-", stdin="{}")
    assert ran.returncode == 1
    assert "no function 'no-such-function'" in ran.stderr
    assert "orders-api" in ran.stderr


def test_no_running_stack_is_one_line_and_exit_1() -> None:
    ran = _bbws(free_port(), "local", "invoke", "health", "-e", "-", stdin="{}")
    assert ran.returncode == 1
    assert ran.stderr.strip().count("\n") == 0
    assert "no local stack answers" in ran.stderr
    assert "make run" in ran.stderr


@pytest.mark.parametrize(
    ("method", "body", "status"), [("GET", None, 405), ("POST", b"not json", 400), ("POST", b"[1]", 400)]
)
def test_the_invoke_endpoint_answers_problems(
    local_stack: RunningStack, method: str, body: bytes | None, status: int
) -> None:
    response = requests.request(method, local_stack.api_url + "/_local/invoke/health", data=body, timeout=10)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"


def _email_events_parse(body: str) -> Any:
    from bbws.notifications.handlers.email_events import parse_event

    return parse_event(body)


def test_sample_events_are_what_the_functions_parse() -> None:
    # The SES sample is an SES event the email-events consumer reads, tags included
    ses = json.loads(_sample("ses", "--kind", "complaint", "--recipient", "a@example.com", "--order-id", "o-1"))
    parsed = _email_events_parse(ses["Records"][0]["body"])
    assert parsed.event_type == "Complaint"
    assert parsed.mail.tag("orderId") == "o-1"
    # The API sample carries the caller the authorizer would have verified
    tenant = json.loads(_sample("api", "--tenant", "t-1", "--path", "/products"))
    assert tenant["requestContext"]["authorizer"]["claims"]["custom:tenantId"] == "t-1"
    assert tenant["path"] == "/v1.0/products"
    # A body that is not JSON is refused before anything is printed
    refused = _bbws(None, "local", "event", "api", "--body", "{nope")
    assert refused.returncode == 2
    assert not refused.stdout
