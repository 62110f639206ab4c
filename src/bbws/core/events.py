"""Synthetic Lambda events in the shapes AWS delivers them: an API Gateway REST API proxy event
(what a route's function receives through the `{proxy+}` integration) and an SQS batch (what a
consumer's event source mapping delivers).

One builder for every synthetic invocation: SnapStart priming (`bbws.core.priming`), the
deployed-alias probes of `bbws verify` (`bbws.delivery.probe_events`) and the sample events of
`bbws local event` (`bbws.local.invoke`). The local gateway builds its events from real HTTP
requests (`bbws.local.gateway.build_api_event`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bbws.core.routes import BASE_PATH

STAGE = "v1"
EXAMPLE_ACCOUNT = "000000000000"  # events built here never name a real account
EXAMPLE_REGION = "eu-west-1"


def api_event(
    method: str,
    path: str,
    *,
    body: str | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    claims: Mapping[str, str] | None = None,
    api_key: str | None = None,
    request_id: str = "bbws-synthetic-request",
    source: str = "bbws",
) -> dict[str, Any]:
    """An API Gateway REST API proxy event for `method` on `path` (below the base path, e.g.
    "/products"), as the `live` alias receives it: `claims` as the Cognito authorizer passes
    them (`requestContext.authorizer.claims`), `api_key` as the usage plan's key."""
    full = BASE_PATH + path
    all_headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Host": f"{source}.invalid",
        **(headers or {}),
    }
    context: dict[str, Any] = {
        "resourcePath": "/{proxy+}",
        "httpMethod": method,
        "path": f"/{STAGE}{full}",
        "stage": STAGE,
        "requestId": request_id,
        "accountId": EXAMPLE_ACCOUNT,
        "identity": {"sourceIp": "127.0.0.1", "userAgent": source, "apiKey": api_key},
    }
    if claims:
        context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": "/{proxy+}",
        "path": full,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {name: [value] for name, value in query.items()} if query else None,
        "pathParameters": {"proxy": full.lstrip("/")},
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": False,
    }


def sqs_event(body: str, *, message_id: str, queue: str = "bbws-queue", receive_count: int = 1) -> dict[str, Any]:
    """A batch of one SQS message, as an event source mapping delivers it to a consumer."""
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": message_id,
                "body": body,
                "attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "0"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{EXAMPLE_REGION}:{EXAMPLE_ACCOUNT}:{queue}",
                "awsRegion": EXAMPLE_REGION,
            }
        ]
    }
