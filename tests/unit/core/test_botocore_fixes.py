"""bbws.core.botocore_fixes: each workaround still needed (its `_still_needed` test fails once
botocore no longer has the cost), and the patched client sends what botocore would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.useragent
import pytest
from botocore.useragent import register_feature_id

from bbws.core import aws

QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/000000000000/bbws-test"


@pytest.fixture
def sanitised(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every User-Agent part botocore sanitises (the per-character work of building it)."""
    seen: list[str] = []
    original = botocore.useragent.sanitize_user_agent_string_component

    def counting(raw_str: str, allow_hash: bool) -> str:
        seen.append(raw_str)
        return original(raw_str, allow_hash)

    monkeypatch.setattr(botocore.useragent, "sanitize_user_agent_string_component", counting)
    return seen


class _Sent:
    """A `before-call` handler: answers every call (nothing is sent) and keeps its User-Agent."""

    def __init__(self) -> None:
        self.user_agents: list[str] = []

    def __call__(self, params: dict[str, Any], **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse, HTTPHeaders

        self.user_agents.append(params["headers"]["User-Agent"])
        return AWSResponse("https://test.invalid/", 200, HTTPHeaders(), None), {"Attributes": {}}


@pytest.fixture
def sent() -> Iterator[_Sent]:
    handler = _Sent()
    aws.session().events.register("before-call", handler, unique_id="test-botocore-fixes")
    yield handler
    aws.session().events.unregister("before-call", unique_id="test-botocore-fixes")


def _plain_sqs() -> Any:
    """An SQS client as botocore makes it, with the configuration of `bbws.core.aws`'s own."""
    return aws.new_session().client("sqs", config=aws._CONFIG)


def test_user_agent_per_request_still_needed(sanitised: list[str]) -> None:
    """Given an unpatched client that already made a request, when it makes another, then
    botocore builds its User-Agent from the parts again (fails once botocore caches it: then
    delete `cache_user_agent`)."""
    client = _plain_sqs()
    stub = _Sent()
    client.meta.events.register("before-call", stub)
    client.get_queue_attributes(QueueUrl=QUEUE_URL)
    sanitised.clear()
    client.get_queue_attributes(QueueUrl=QUEUE_URL)
    assert sanitised, "botocore no longer rebuilds the User-Agent per request: delete cache_user_agent"
    assert stub.user_agents[0] == stub.user_agents[1]


def test_a_client_of_bbws_core_aws_builds_its_user_agent_once(sanitised: list[str], sent: _Sent) -> None:
    """Given a client from bbws.core.aws that made a request, when it makes more, then no part
    of the User-Agent is built again and each request carries the same header."""
    client = aws.sqs()
    client.get_queue_attributes(QueueUrl=QUEUE_URL)
    sanitised.clear()
    client.get_queue_attributes(QueueUrl=QUEUE_URL)
    client.get_queue_attributes(QueueUrl=QUEUE_URL)
    assert sanitised == []
    assert len(set(sent.user_agents)) == 1


def test_the_cached_user_agent_is_botocores_own_and_follows_each_requests_features(sent: _Sent) -> None:
    """Given the patched client and an unpatched one with the same configuration, then both send
    the same User-Agent; a request that registers a feature carries it (botocore's feature code
    in `m/`), and the next request without it is back to the plain header."""
    patched, plain = aws.sqs(), _plain_sqs()
    plain.meta.events.register("before-call", sent)
    plain.get_queue_attributes(QueueUrl=QUEUE_URL)
    patched.get_queue_attributes(QueueUrl=QUEUE_URL)
    assert sent.user_agents[0] == sent.user_agents[1]

    def transfer(**_: Any) -> None:  # a feature registered inside the request's context
        register_feature_id("S3_TRANSFER")

    patched.meta.events.register("before-parameter-build.sqs.GetQueueAttributes", transfer)
    patched.get_queue_attributes(QueueUrl=QUEUE_URL)
    patched.meta.events.unregister("before-parameter-build.sqs.GetQueueAttributes", transfer)
    patched.get_queue_attributes(QueueUrl=QUEUE_URL)
    with_feature, after = sent.user_agents[2], sent.user_agents[3]
    features = next(part for part in with_feature.split() if part.startswith("m/"))
    assert "G" in features.removeprefix("m/").split(",")  # botocore's code for S3_TRANSFER
    assert with_feature != sent.user_agents[0]
    assert after == sent.user_agents[0]
