"""The development-only endpoints under /_local/."""

from __future__ import annotations

import jwt
import pytest
import requests

from tests.integration.conftest import RunningStack

pytestmark = pytest.mark.integration


def test_info_says_where_everything_is(local_stack: RunningStack) -> None:
    # When a developer asks the stack about itself
    info = requests.get(local_stack.api_url + "/_local/info", timeout=10).json()
    # Then it names the API, the emulator, the region, the storefront key and the resources
    assert info["apiUrl"] == local_stack.api_url
    assert info["awsEndpoint"].startswith("http://127.0.0.1:")
    assert info["region"] == "eu-west-1"
    assert info["storefrontApiKey"]
    assert info["resources"]["products_table_name"]
    assert set(info["resources"]["deadLetterQueues"]) == {"orders", "notifications", "email-events"}


def test_admin_token_carries_the_admin_group(local_stack: RunningStack) -> None:
    # When an admin token is requested
    response = requests.post(local_stack.api_url + "/_local/tokens", json={"role": "admin"}, timeout=10)
    # Then it is an id token with the admin group, verifiable with the published JWKS
    assert response.status_code == 200
    token = response.json()["token"]
    jwks = jwt.PyJWKClient(local_stack.api_url + "/_local/.well-known/jwks.json")
    claims = jwt.decode(
        token, jwks.get_signing_key_from_jwt(token).key, algorithms=["RS256"], audience="bbws-local-client"
    )
    assert claims["cognito:groups"] == ["admin"]
    assert claims["token_use"] == "id"
    assert claims["iss"] == local_stack.info["issuer"]


def test_tenant_token_carries_the_tenant(local_stack: RunningStack) -> None:
    token = local_stack.token("tenant", "tenant-42")
    assert jwt.decode(token, options={"verify_signature": False})["custom:tenantId"] == "tenant-42"


@pytest.mark.parametrize("body", [{"role": "root"}, {"role": "tenant"}, [], {"role": "tenant", "tenantId": ""}])
def test_token_request_without_a_valid_role_is_400(local_stack: RunningStack, body: object) -> None:
    response = requests.post(local_stack.api_url + "/_local/tokens", json=body, timeout=10)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"


def test_outbox_json_lists_messages(local_stack: RunningStack) -> None:
    # When the outbox is read as JSON (it may be empty)
    response = requests.get(local_stack.api_url + "/_local/outbox.json", timeout=10)
    # Then every message has the documented fields
    assert response.status_code == 200
    for message in response.json()["messages"]:
        assert {"id", "from", "to", "subject", "html", "text", "sentAt"} <= set(message)


def test_outbox_page_is_html(local_stack: RunningStack) -> None:
    response = requests.get(local_stack.api_url + "/_local/outbox", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Outbox" in response.text


def test_queue_depths_include_dead_letter_queues(local_stack: RunningStack) -> None:
    # When the queue depths are read
    queues = requests.get(local_stack.api_url + "/_local/queues.json", timeout=10).json()["queues"]
    # Then both queues and their DLQs are listed, the DLQs flagged
    by_name = {queue["name"]: queue for queue in queues}
    assert by_name["bbws-local-orders-dlq"]["deadLetter"] is True
    assert by_name["bbws-local-notifications"]["deadLetter"] is False
    assert len(queues) == 6  # orders, notifications, email-events: each with its DLQ
    assert all(isinstance(queue["visible"], int) and isinstance(queue["inFlight"], int) for queue in queues)


def test_unknown_local_endpoint_is_404(local_stack: RunningStack) -> None:
    assert requests.get(local_stack.api_url + "/_local/nothing", timeout=10).status_code == 404


def test_wrong_method_on_a_local_endpoint_is_405(local_stack: RunningStack) -> None:
    assert requests.get(local_stack.api_url + "/_local/tokens", timeout=10).status_code == 405
