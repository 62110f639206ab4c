"""Real API Gateway REST proxy and SQS event shapes, as Lambda receives them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from bbws.core.routes import BASE_PATH

STOREFRONT_KEY = "test-storefront-key"


def admin_claims(subject: str = "admin-user") -> dict[str, str]:
    return {"sub": subject, "cognito:groups": "[admin]", "token_use": "id"}


def tenant_claims(tenant_id: str, subject: str = "tenant-user") -> dict[str, str]:
    return {"sub": subject, "custom:tenantId": tenant_id, "token_use": "id"}


def api_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    raw_body: str | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    claims: dict[str, str] | None = None,
    api_key: str | None = None,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event for `method` on `path` (below /v1.0)."""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if raw_body is None and body is not None:
        raw_body = json.dumps(body)
    request_context: dict[str, Any] = {
        "requestId": str(uuid.uuid4()),
        "resourcePath": BASE_PATH + (resource or path),
        "httpMethod": method,
        "stage": "v1",
        "identity": {"sourceIp": "127.0.0.1", "apiKey": api_key},
    }
    if claims:
        request_context["authorizer"] = {"claims": claims}
    return {
        "resource": BASE_PATH + (resource or path),
        "path": BASE_PATH + path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": request_context,
        "body": raw_body,
        "isBase64Encoded": False,
    }


def sqs_event(*bodies: Any, queue_arn: str = "arn:aws:sqs:eu-west-1:123456789012:queue") -> dict[str, Any]:
    records = []
    for body in bodies:
        message_id = str(uuid.uuid4())
        records.append(
            {
                "messageId": message_id,
                "receiptHandle": f"handle-{message_id}",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1767355200000"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "eu-west-1",
            }
        )
    return {"Records": records}


class LambdaContext:
    """The attributes of Lambda's context object that Powertools reads."""

    function_name = "test-function"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:test-function"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def response_json(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


def header(response: dict[str, Any], name: str) -> str | None:
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower():
            return values[0] if isinstance(values, list) else values
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None
