"""The eight Lambda functions: handler, the settings each one needs, how each is triggered.

This table is the single source for packaging (`bbws package`), the local stack (which
function serves a route or polls a queue) and the Terraform checks (every setting a function
requires is set for it in Terraform).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Trigger(StrEnum):
    API = "api"
    QUEUE = "queue"


@dataclass(frozen=True)
class LambdaFunction:
    name: str
    service: str
    handler: str  # "module:attribute", as Lambda's handler setting "module.attribute"
    trigger: Trigger
    settings: frozenset[str]  # Settings fields this function requires (see core.settings)
    queue: str | None = None  # the logical queue a consumer polls
    # The IAM actions this function's code calls (boto3, and libraries such as Powertools
    # idempotency on its behalf). Its Terraform role grants exactly these, on its own resources
    # only; tests/infra holds both the role and this set against the code.
    aws_actions: frozenset[str] = frozenset()

    @property
    def module(self) -> str:
        return self.handler.split(":", 1)[0]

    @property
    def lambda_handler(self) -> str:
        """The handler string Lambda expects: dotted module path, then the function."""
        module, attribute = self.handler.split(":", 1)
        return f"{module}.{attribute}"


_COMMON = frozenset({"environment", "log_level", "service_name", "metrics_namespace"})
# Functions that serve list pages read the cursor secret (bbws.core.cursor_keys).
_READS_CURSOR_KEYS = "secretsmanager:GetSecretValue"

FUNCTIONS: tuple[LambdaFunction, ...] = (
    LambdaFunction("health", "health", "bbws.health.handlers.api:lambda_handler", Trigger.API, _COMMON),
    LambdaFunction(
        "products-api", "products", "bbws.products.handlers.api:lambda_handler", Trigger.API,
        _COMMON | {"products_table_name", "cursor_secret_arn"},
        aws_actions=frozenset({
            "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", _READS_CURSOR_KEYS,
        }),
    ),
    LambdaFunction(
        "campaigns-api", "campaigns", "bbws.campaigns.handlers.api:lambda_handler", Trigger.API,
        _COMMON | {"campaigns_table_name", "cursor_secret_arn"},
        aws_actions=frozenset({
            "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", _READS_CURSOR_KEYS,
        }),
    ),
    LambdaFunction(
        "orders-api", "orders", "bbws.orders.handlers.api:lambda_handler", Trigger.API,
        _COMMON | {
            "orders_table_name", "products_table_name", "campaigns_table_name", "orders_queue_url",
            "notifications_queue_url", "cursor_secret_arn",
        },
        aws_actions=frozenset({
            # orders and Powertools idempotency records; prices and campaigns through their read modules
            "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
            "dynamodb:BatchGetItem", "sqs:SendMessage", _READS_CURSOR_KEYS,
        }),
    ),
    LambdaFunction(
        "orders-consumer", "orders", "bbws.orders.handlers.consumer:lambda_handler", Trigger.QUEUE,
        _COMMON | {"orders_table_name", "tenants_table_name", "notifications_queue_url"},
        aws_actions=frozenset({"dynamodb:GetItem", "dynamodb:PutItem", "sqs:SendMessage"}),
        queue="orders",
    ),
    LambdaFunction(
        "tenants-api", "tenants", "bbws.tenants.handlers.api:lambda_handler", Trigger.API,
        _COMMON | {"tenants_table_name", "cursor_secret_arn"},
        aws_actions=frozenset({"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", _READS_CURSOR_KEYS}),
    ),
    LambdaFunction(
        "notifications-consumer", "notifications", "bbws.notifications.handlers.consumer:lambda_handler",
        Trigger.QUEUE,
        _COMMON | {"orders_table_name", "templates_bucket_name", "from_email", "internal_emails"},
        aws_actions=frozenset({
            "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "s3:GetObject",
            # SESv2 SendEmail with raw MIME content is authorised as both actions
            "ses:SendEmail", "ses:SendRawEmail",
            # the account-level suppression list, read before every send
            "ses:GetSuppressedDestination",
        }),
        queue="notifications",
    ),
    LambdaFunction(
        "email-events-consumer", "notifications", "bbws.notifications.handlers.email_events:lambda_handler",
        Trigger.QUEUE,
        _COMMON | {"orders_table_name"},
        aws_actions=frozenset({
            # the event noted on its order (through bbws.orders.email_issues); the address suppressed
            "dynamodb:UpdateItem", "ses:PutSuppressedDestination",
        }),
        queue="email-events",
    ),
)  # fmt: skip

BY_NAME: dict[str, LambdaFunction] = {f.name: f for f in FUNCTIONS}
