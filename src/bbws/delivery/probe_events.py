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

from bbws.core.events import api_event, sqs_event
from bbws.core.functions import BY_NAME, Trigger
from bbws.core.routes import BASE_PATH

PROBE_MESSAGE_ID = "bbws-verify-0001"


@dataclass(frozen=True)
class Probe:
    description: str
    event: dict[str, Any]
    check: Callable[[Any], str | None]  # why the answer is wrong, or None when it is right


def _api(method: str, path: str, body: str | None = None) -> dict[str, Any]:
    return api_event(method, path, body=body, request_id="bbws-verify-request", source="bbws-verify")


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
        return Probe(f"GET {BASE_PATH}/health", _api("GET", "/health"), _expect_health)
    if definition.trigger is Trigger.QUEUE:
        return Probe(
            "an SQS batch of one malformed message",
            sqs_event("{}", message_id=PROBE_MESSAGE_ID, queue="bbws-verify"),
            _expect_one_failed_item,
        )
    route = _VALIDATED_ROUTES[function]
    return Probe(f"POST {BASE_PATH}{route} with an empty object", _api("POST", route, "{}"), _expect_problem(400))
