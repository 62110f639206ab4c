"""The one synthetic event `verify` sends each function booted under the runtime client.

Each needs no AWS: for the health route a plain GET; for every other API a request that the
function must refuse before any data access (request validation of an empty body: 400 with
problem+json); for each queue consumer a batch of one malformed message, which must come back
as that one item failed (partial batch response) — so the handler, the API resolver and its
validation (pydantic-core's native code), the batch processor and the response serialisation
all run for real. The boot's AWS endpoint is the verifier itself, so a probe that did reach for
AWS is reported rather than sent anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bbws.core.functions import BY_NAME, Trigger
from bbws.core.routes import BASE_PATH

PROBE_MESSAGE_ID = "bbws-verify-0001"
_STAGE = "v1"


@dataclass(frozen=True)
class Probe:
    description: str
    event: dict[str, Any]
    check: Callable[[Any], str | None]  # why the answer is wrong, or None when it is right


def api_event(method: str, path: str, body: str | None = None) -> dict[str, Any]:
    """An API Gateway REST API proxy event (what the `live` alias receives)."""
    full = f"{BASE_PATH}{path}"
    headers = {"Accept": "application/json", "Content-Type": "application/json", "Host": "verify.invalid"}
    return {
        "resource": "/{proxy+}",
        "path": full,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": full.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{_STAGE}{full}",
            "stage": _STAGE,
            "requestId": "bbws-verify-request",
            "accountId": "000000000000",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "bbws-verify"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def sqs_event(body: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": PROBE_MESSAGE_ID,
                "receiptHandle": "bbws-verify",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:000000000000:bbws-verify",
                "awsRegion": "eu-west-1",
            }
        ]
    }


def _status(answer: Any) -> tuple[int | None, dict[str, str], Any]:
    if not isinstance(answer, dict):
        return None, {}, answer
    # The REST resolver answers in `multiValueHeaders` when the event had them, else `headers`.
    headers = {str(k).lower(): str(v) for k, v in (answer.get("headers") or {}).items()}
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        if isinstance(values, list) and values:
            headers.setdefault(str(name).lower(), str(values[0]))
    body = answer.get("body")
    try:
        parsed = json.loads(body) if isinstance(body, str) and body else body
    except ValueError:
        parsed = body
    status = answer.get("statusCode")
    return (status if isinstance(status, int) else None), headers, parsed


def _expect_health(answer: Any) -> str | None:
    status, _, body = _status(answer)
    if status == 200 and isinstance(body, dict) and body.get("status") == "ok":
        return None
    return f'expected 200 with status "ok", got {_short(answer)}'


def _expect_problem(wanted: int) -> Callable[[Any], str | None]:
    def check(answer: Any) -> str | None:
        status, headers, body = _status(answer)
        problem = headers.get("content-type", "").startswith("application/problem+json")
        if status == wanted and problem and isinstance(body, dict) and body.get("status") == wanted:
            return None
        return f"expected {wanted} application/problem+json, got {_short(answer)}"

    return check


def _expect_one_failed_item(answer: Any) -> str | None:
    if answer == {"batchItemFailures": [{"itemIdentifier": PROBE_MESSAGE_ID}]}:
        return None
    return f"expected the one malformed message reported as a failed item, got {_short(answer)}"


def _short(answer: Any) -> str:
    text = json.dumps(answer, default=str)
    return text if len(text) <= 300 else f"{text[:300]}..."


# The API route of each function that refuses an empty body before touching any data.
_VALIDATED_ROUTES = {
    "products-api": "/products",
    "campaigns-api": "/campaigns",
    "orders-api": "/orders",
    "tenants-api": "/tenants",
}


def probe_for(function: str) -> Probe:
    """The synthetic event for one of the seven functions. Raises KeyError for another name."""
    definition = BY_NAME[function]
    if function == "health":
        return Probe(f"GET {BASE_PATH}/health", api_event("GET", "/health"), _expect_health)
    if definition.trigger is Trigger.QUEUE:
        return Probe("an SQS batch of one malformed message", sqs_event("{}"), _expect_one_failed_item)
    route = _VALIDATED_ROUTES[function]
    return Probe(f"POST {BASE_PATH}{route} with an empty object", api_event("POST", route, "{}"), _expect_problem(400))
