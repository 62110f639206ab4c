"""The /_local/ endpoints answered without a running server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bbws.local.devtools import JWKS_PATH, DevelopmentEndpoints, QueueRef
from bbws.local.gateway import HttpRequest, HttpResponse
from bbws.local.issuer import DevelopmentIssuer


@pytest.fixture
def endpoints() -> Iterator[DevelopmentEndpoints]:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-west-1")
        work = sqs.create_queue(QueueName="work")["QueueUrl"]
        dead = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
        sqs.send_message(QueueUrl=work, MessageBody="waiting")
        yield DevelopmentEndpoints(
            DevelopmentIssuer(issuer="http://local/_local"),
            lambda: {"apiUrl": "http://local"},
            [QueueRef("work", work, dead_letter=False), QueueRef("work-dlq", dead, dead_letter=True)],
            sqs,
        )


def _call(endpoints: DevelopmentEndpoints, method: str, path: str, body: Any = None) -> HttpResponse:
    raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    return endpoints.handle(HttpRequest(method, path, [], raw))


def test_info(endpoints: DevelopmentEndpoints) -> None:
    assert json.loads(_call(endpoints, "GET", "/_local/info").body) == {"apiUrl": "http://local"}


def test_tenant_token_is_issued(endpoints: DevelopmentEndpoints) -> None:
    response = _call(endpoints, "POST", "/_local/tokens", {"role": "tenant", "tenantId": "t-1"})
    token = json.loads(response.body)["token"]
    assert endpoints.issuer.verify(token)["custom:tenantId"] == "t-1"


@pytest.mark.parametrize("body", [b"{not json", b"[]", {"role": "owner"}, {"role": "tenant", "tenantId": 5}])
def test_bad_token_requests_are_400(endpoints: DevelopmentEndpoints, body: Any) -> None:
    response = _call(endpoints, "POST", "/_local/tokens", body)
    assert response.status == 400
    assert json.loads(response.body)["title"] == "Invalid request"


def test_queue_depths_count_visible_and_in_flight(endpoints: DevelopmentEndpoints) -> None:
    # Given one waiting message, then one taken by a consumer and not yet deleted
    queues = json.loads(_call(endpoints, "GET", "/_local/queues.json").body)["queues"]
    assert [(q["name"], q["visible"], q["inFlight"], q["deadLetter"]) for q in queues] == [
        ("work", 1, 0, False),
        ("work-dlq", 0, 0, True),
    ]
    endpoints.sqs.receive_message(QueueUrl=endpoints.queues[0].url)
    queues = json.loads(_call(endpoints, "GET", "/_local/queues.json").body)["queues"]
    assert (queues[0]["visible"], queues[0]["inFlight"]) == (0, 1)


def test_outbox_without_moto_is_empty_not_an_error(endpoints: DevelopmentEndpoints) -> None:
    # Given a stack pointed at an external endpoint (no in-process moto to read)
    assert json.loads(_call(endpoints, "GET", "/_local/outbox.json").body) == {"messages": []}
    page = _call(endpoints, "GET", "/_local/outbox")
    assert page.status == 200
    assert b"No emails yet" in page.body


def test_jwks_is_published(endpoints: DevelopmentEndpoints) -> None:
    keys = json.loads(_call(endpoints, "GET", JWKS_PATH).body)["keys"]
    assert keys[0]["kid"] == endpoints.issuer.key_id
    assert keys[0]["alg"] == "RS256"


def test_wrong_method_is_405_and_unknown_path_404(endpoints: DevelopmentEndpoints) -> None:
    wrong = _call(endpoints, "DELETE", "/_local/info")
    assert wrong.status == 405
    assert ("Allow", "GET") in wrong.headers
    assert _call(endpoints, "GET", "/_local/secrets").status == 404


def test_emulator_stats_need_an_emulator_of_its_own(endpoints: DevelopmentEndpoints) -> None:
    # Given a stack pointed at an external endpoint: nothing to describe, said plainly
    response = _call(endpoints, "GET", "/_local/emulator.json")
    assert response.status == 404
    assert "external AWS endpoint" in json.loads(response.body)["detail"]
