"""The rehearsal's checks: what Terraform created, read back, against the code; each deliberate
break is named with its resource."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from bbws.delivery.rehearsal.checks import Check, check_environment
from bbws.notifications.dal.templates import TEMPLATE_PREFIX
from tests.delivery.rehearsal.conftest import REGION, Account, handler_zip, write_dist


def _checks(account: Account) -> list[Check]:
    return check_environment(
        account.env,
        lambda service: boto3.client(service, region_name=REGION),
        account.manifest,
        account.dist,
        account.templates,
    )


def _failing(account: Account) -> dict[str, str]:
    return {check.name: "; ".join(check.problems) for check in _checks(account) if not check.ok}


def test_resources_made_as_the_code_says_pass_every_check(account: Account) -> None:
    """Given functions, tables, queues, mappings and templates exactly as the code declares
    them, when the checks run, then every one passes and each kind of resource was checked."""
    checks = _checks(account)

    assert [c.describe() for c in checks if not c.ok] == []
    names = " ".join(c.name for c in checks)
    for kind in ("function", "table", "event source mapping", "queue", "setting", "bucket"):
        assert kind in names


def _rename_sort_key(account: Account) -> None:
    dynamodb = account.client("dynamodb")
    name = account.settings["orders_table_name"]
    dynamodb.delete_table(TableName=name)
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "id", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def _drop_redrive(account: Account) -> None:
    sqs = account.client("sqs")
    url = sqs.get_queue_url(QueueName="bbws-dev-orders")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": ""})


def _redrive_after_ten(account: Account) -> None:
    sqs = account.client("sqs")
    url = sqs.get_queue_url(QueueName="bbws-dev-notifications")["QueueUrl"]
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps({**policy, "maxReceiveCount": 10})})


def _short_visibility(account: Account) -> None:
    sqs = account.client("sqs")
    url = sqs.get_queue_url(QueueName="bbws-dev-orders")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "30"})


def _misspell_variable(account: Account) -> None:
    def change(variables: dict[str, str]) -> None:
        variables["PRODUCTS_TABLE_NAM"] = variables.pop("PRODUCTS_TABLE_NAME")

    account.update_environment("products-api", change)


def _wrong_handler(account: Account) -> None:
    account.client("lambda").update_function_configuration(
        FunctionName=account.function("health"), Handler="bbws.health.handlers.api.handler"
    )


def _ttl_where_the_code_has_none(account: Account) -> None:
    account.client("dynamodb").update_time_to_live(
        TableName=account.settings["products_table_name"],
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"},
    )


def _no_batch_item_failures(account: Account) -> None:
    account.client("lambda").update_event_source_mapping(
        UUID=account.mapping("orders-consumer")["UUID"], FunctionResponseTypes=[]
    )


def _mapping_on_the_function(account: Account) -> None:
    account.client("lambda").update_event_source_mapping(
        UUID=account.mapping("notifications-consumer")["UUID"], FunctionName=account.function("notifications-consumer")
    )


def _template_edited(account: Account) -> None:
    bucket = account.settings["templates_bucket_name"]
    account.client("s3").put_object(
        Bucket=bucket, Key=f"{TEMPLATE_PREFIX}order_receipt.txt", Body=b"edited in the console"
    )


def _orders_sent_elsewhere(account: Account) -> None:
    other = account.client("sqs").create_queue(QueueName="bbws-dev-other")["QueueUrl"]
    account.update_environment("orders-api", lambda variables: variables.update(ORDERS_QUEUE_URL=other))


BREAKS: dict[str, tuple[Callable[[Account], None], str, str]] = {
    # break: (make it, the failing check's name, words of its problem)
    "table key renamed": (
        _rename_sort_key,
        "table bbws-dev-orders",
        "key is pk HASH, id RANGE; the code's is pk HASH, sk RANGE",
    ),
    "redrive missing": (_drop_redrive, "queue bbws-dev-orders (orders)", "no redrive policy"),
    "redrive count": (
        _redrive_after_ten,
        "queue bbws-dev-notifications (notifications)",
        "maxReceiveCount is 10, the code's is 5",
    ),
    "visibility": (_short_visibility, "queue bbws-dev-orders (orders)", "visibility timeout 30 s is under 6 x"),
    "variable misspelt": (
        _misspell_variable,
        "function bbws-dev-products-api",
        "environment lacks PRODUCTS_TABLE_NAME (the settings its code requires); environment has PRODUCTS_TABLE_NAM",
    ),
    "handler": (
        _wrong_handler,
        "function bbws-dev-health",
        "core/functions.py says 'bbws.health.handlers.api.lambda_handler'",
    ),
    "ttl": (
        _ttl_where_the_code_has_none,
        "table bbws-dev-products",
        "TTL is on (ttl), but the code declares no TTL attribute",
    ),
    "batch item failures": (
        _no_batch_item_failures,
        "event source mapping of bbws-dev-orders-consumer",
        "lacks ReportBatchItemFailures",
    ),
    "mapping without alias": (
        _mapping_on_the_function,
        "event source mapping of bbws-dev-notifications-consumer",
        "not the 'live' alias",
    ),
    "template": (
        _template_edited,
        "bucket bbws-dev-templates email-templates/",
        "email-templates/order_receipt.txt differs",
    ),
    "queue url": (
        _orders_sent_elsewhere,
        "setting ORDERS_QUEUE_URL of orders-api",
        "is not the queue the orders consumer reads",
    ),
}


@pytest.mark.parametrize("name", BREAKS)
def test_a_deliberate_break_fails_the_check_naming_the_resource(account: Account, name: str) -> None:
    """Given the account as the code says, when one thing is broken as Terraform could break
    it, then exactly that resource's check fails and says what differs from the code."""
    make, check, words = BREAKS[name]
    make(account)

    failing = _failing(account)

    assert list(failing) == [check]
    assert words in failing[check]


def test_a_handler_the_zip_does_not_define_is_named(account: Account) -> None:
    """Given a function whose handler string is the code's but whose artifact does not define
    it, then the function's check says the handler would not resolve."""
    manifest = write_dist(
        account.dist, {"health": handler_zip("bbws.health.handlers.api.lambda_handler", defines="other")}
    )
    lam = account.client("lambda")
    lam.update_function_code(
        FunctionName=account.function("health"), ZipFile=(account.dist / "health.zip").read_bytes()
    )
    account.manifest = manifest

    failing = _failing(account)

    handler = "bbws.health.handlers.api.lambda_handler"
    assert failing == {
        "function bbws-dev-health": f"handler {handler!r}: bbws.health.handlers.api defines no lambda_handler"
    }


def test_a_missing_function_and_alias_are_named(account: Account) -> None:
    """Given a function deleted and another's alias deleted, then both are named."""
    lam = account.client("lambda")
    lam.delete_alias(FunctionName=account.function("health"), Name="live")
    for mapping in [account.mapping("email-events-consumer")]:
        lam.delete_event_source_mapping(UUID=mapping["UUID"])
    lam.delete_function(FunctionName=account.function("tenants-api"))

    failing = _failing(account)

    assert failing["function bbws-dev-health"] == "no 'live' alias"
    assert failing["function bbws-dev-tenants-api"].startswith("cannot be read (ResourceNotFoundException)")
    assert "0 mappings" in failing["event source mapping of bbws-dev-email-events-consumer"]


def test_code_that_is_not_the_manifests_artifact_is_named(account: Account) -> None:
    """Given a function whose code Lambda reports is another zip than the manifest's, then
    its check says so (the rehearsal applies the artifacts it built)."""
    lam = account.client("lambda")
    lam.update_function_code(FunctionName=account.function("orders-api"), ZipFile=handler_zip("x.y.lambda_handler"))

    assert "code is not the manifest's artifact" in _failing(account)["function bbws-dev-orders-api"]


def test_a_missing_template_and_an_extra_one_are_named(account: Account) -> None:
    """Given one template deleted from the bucket and one that is not in templates/email/,
    then both keys are named."""
    s3: Any = account.client("s3")
    bucket = account.settings["templates_bucket_name"]
    s3.delete_object(Bucket=bucket, Key=f"{TEMPLATE_PREFIX}order_receipt.html")
    s3.put_object(Bucket=bucket, Key=f"{TEMPLATE_PREFIX}stray.txt", Body=b"x")

    problems = _failing(account)[f"bucket {bucket} {TEMPLATE_PREFIX}"]

    assert "email-templates/order_receipt.html is missing" in problems
    assert "email-templates/stray.txt is not in templates/email/" in problems
