"""`bbws local invoke` and `bbws local event`: run one function with an event of your own
against the running local stack, and print sample events to start from (as `sam local invoke`
and `sam local generate-event` do).

The invocation runs in the stack itself (`POST /_local/invoke/<function>`), so it uses the
function's execution environment, this stack's tables, queues and bucket and its settings —
nothing is configured twice. Only the standard library is used here: the command answers fast.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from bbws.core.events import api_event, sqs_event
from bbws.local.ses_events import EventKind, ses_event

INVOKE_TIMEOUT_SECONDS = 120.0  # longer than a function's timeout (the stack answers then)


class StackUnreachable(Exception):
    """No local stack answers at the URL."""


@dataclass(frozen=True)
class Invocation:
    status: int
    answer: dict[str, Any]

    @property
    def failed(self) -> bool:
        return self.status != 200 or "error" in self.answer


def invoke(url: str, function: str, event: dict[str, Any]) -> Invocation:
    """Invoke `function` with `event` in the local stack at `url` (e.g. http://127.0.0.1:3000)."""
    if not url.startswith(("http://", "https://")):
        raise StackUnreachable(f"{url!r} is not an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        f"{url.rstrip('/')}/_local/invoke/{function}",
        data=json.dumps(event).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=INVOKE_TIMEOUT_SECONDS) as response:  # noqa: S310
            return Invocation(response.status, json.loads(response.read()))
    except urllib.error.HTTPError as error:  # the stack's own problem+json (unknown function, bad event)
        try:
            body = json.loads(error.read())
        except ValueError:
            body = {"status": error.code, "detail": error.reason}
        return Invocation(error.code, body if isinstance(body, dict) else {"detail": str(body)})
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        reason = getattr(error, "reason", error)
        raise StackUnreachable(f"no local stack answers at {url} ({reason})") from error


# --- sample events -------------------------------------------------------------------------


def sample_api(
    method: str,
    path: str,
    *,
    body: str | None = None,
    admin: bool = False,
    tenant: str | None = None,
    api_key: str | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The proxy event a route's function receives once API Gateway has authorised the caller:
    an admin's or a tenant's Cognito claims, or the storefront's API key."""
    claims: dict[str, str] | None = None
    if admin:
        claims = {"sub": "local-admin", "cognito:groups": "[admin]", "token_use": "id"}
    elif tenant is not None:
        claims = {"sub": "local-tenant-user", "custom:tenantId": tenant, "token_use": "id"}
    return api_event(method.upper(), path, body=body, claims=claims, api_key=api_key, query=query, source="bbws-local")


def sample_sqs(body: str, queue: str = "bbws-local-orders") -> dict[str, Any]:
    """A batch of one message, as the consumer's event source mapping delivers it."""
    return sqs_event(body, message_id="00000000-0000-4000-8000-000000000001", queue=queue)


def sample_ses(kind: str, recipient: str, order_id: str, template: str) -> dict[str, Any]:
    """A batch of one SES event (as the email-events queue receives it, raw delivery) about the
    email `template` of order `order_id` sent to `recipient`."""
    from bbws.notifications.models.emails import ORDER_TAG, TEMPLATE_TAG  # noqa: PLC0415 - only this sample needs them

    document = ses_event(
        EventKind(kind),
        message_id="0100018f-0000-0000-0000-000000000000-000000",
        sender="orders@example.com",
        recipients=[recipient],
        tags={ORDER_TAG: order_id, TEMPLATE_TAG: template},
    )
    return sample_sqs(json.dumps(document), queue="bbws-local-email-events")
