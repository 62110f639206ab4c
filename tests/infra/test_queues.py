"""Each queue: a dead-letter queue after 5 receives, alarms, and the consumer's event source."""

from __future__ import annotations

import pytest

from bbws.core.functions import FUNCTIONS, Trigger
from bbws.delivery.accounts import ENVIRONMENTS
from bbws.local.provision import MAX_RECEIVE_COUNT, QUEUES, TOPIC_QUEUES
from tests.infra.terraform import MODULES, STACK, load_dir, locals_of, modules, one, resources, squash

QUEUE = MODULES / "queue"
CONSUMERS = [f for f in FUNCTIONS if f.trigger is Trigger.QUEUE]
ALL_QUEUES = set(QUEUES.values()) | set(TOPIC_QUEUES)


def test_the_stack_names_exactly_the_platforms_queues() -> None:
    """Given the queues the code uses, then the stack names the same ones."""
    assert set(locals_of(STACK)["queue_keys"]) == ALL_QUEUES


def test_every_consumer_gets_a_queue_module() -> None:
    """Given the queue consumers of the function table, then the stack creates one queue
    module per consumer, keyed by the consumer's queue."""
    queue = modules(STACK)["queue"]
    consumers = locals_of(STACK)["consumers"]

    assert queue["for_each"] == "${local.consumers}"
    assert "function.queue=>{function=name" in squash(consumers)
    assert "iffunction.queue!=null" in squash(consumers)
    assert {f.queue for f in CONSUMERS} == ALL_QUEUES


def test_redrive_moves_a_message_to_the_dlq_after_five_receives() -> None:
    """Given the queue module, then the main queue redrives to its DLQ after
    max_receive_count receives, which is 5 by default and as the stack passes it."""
    main = resources(QUEUE, "aws_sqs_queue")["this"]
    variable = next(v for block in load_dir(QUEUE)["variable"] for k, v in block.items() if k == "max_receive_count")

    assert "deadLetterTargetArn=aws_sqs_queue.dlq.arn" in squash(main["redrive_policy"])
    assert "maxReceiveCount=var.max_receive_count" in squash(main["redrive_policy"])
    assert variable["default"] == MAX_RECEIVE_COUNT == 5
    assert modules(STACK)["queue"]["max_receive_count"] == 5


def test_visibility_timeout_is_at_least_six_times_the_consumers_timeout() -> None:
    """Given the queue module, then visibility = 6 x the consumer's timeout + batching window,
    and the stack passes the consumer function's own timeout."""
    main = resources(QUEUE, "aws_sqs_queue")["this"]
    visibility = locals_of(QUEUE)["visibility_timeout"]

    assert main["visibility_timeout_seconds"] == "${local.visibility_timeout}"
    assert visibility == "${6 * var.consumer_timeout + var.maximum_batching_window}"
    assert modules(STACK)["queue"]["consumer_timeout"] == "${each.value.timeout}"
    assert "timeout=function.timeout" in squash(locals_of(STACK)["consumers"])


@pytest.mark.parametrize("consumer", CONSUMERS, ids=lambda f: f.name)
def test_consumer_timeouts_leave_room_in_the_visibility_timeout(consumer: object) -> None:
    """Given each consumer's timeout in the stack, then six times it fits SQS's 12 h maximum."""
    timeout = locals_of(STACK)["functions"][consumer.name]["timeout"]  # type: ignore[attr-defined]

    assert 6 * timeout + 1 <= 12 * 3600


def test_both_queues_are_encrypted_with_the_data_key() -> None:
    """Given the main queue and its DLQ, then both use the customer managed key."""
    for queue in resources(QUEUE, "aws_sqs_queue").values():
        assert queue["kms_master_key_id"] == "${var.kms_key_arn}"


def test_the_dlq_depth_raises_an_alarm() -> None:
    """Given the DLQ, then any visible message in it raises an alarm to the alarm topic."""
    alarm = resources(QUEUE, "aws_cloudwatch_metric_alarm")["dlq_depth"]

    assert alarm["metric_name"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["dimensions"] == {"QueueName": "${aws_sqs_queue.dlq.name}"}
    assert alarm["threshold"] == 0
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["alarm_actions"] == "${var.alarm_actions}"


def test_the_event_source_reports_batch_item_failures_to_the_live_alias() -> None:
    """Given the event source mapping, then it feeds the consumer's live alias from the main
    queue with partial batch responses."""
    mapping = resources(QUEUE, "aws_lambda_event_source_mapping")["this"]

    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["event_source_arn"] == "${aws_sqs_queue.this.arn}"
    assert mapping["function_name"] == "${var.consumer_alias_arn}"
    assert mapping["batch_size"] == "${var.batch_size}"
    assert mapping["maximum_batching_window_in_seconds"] == "${var.maximum_batching_window}"
    assert modules(STACK)["queue"]["consumer_alias_arn"] == "${module.function[each.value.function].alias_arn}"


def test_queues_refuse_plain_http() -> None:
    """Given the queue policies, then both deny any request without TLS."""
    document = next(
        block["aws_iam_policy_document"]["tls_only"]
        for block in load_dir(QUEUE)["data"]
        if "aws_iam_policy_document" in block
    )
    statement = one(document["statement"])

    assert statement["effect"] == "Deny"
    assert one(statement["condition"])["variable"] == "aws:SecureTransport"
    assert one(statement["condition"])["values"] == ["false"]


@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
def test_reserved_concurrency_leaves_room_for_the_pollers(environment: str) -> None:
    """Given an environment's reserved concurrency, then a consumer with a reservation has at
    least as much as its event source mapping may drive (else the pollers are throttled)."""
    from tests.infra.terraform import variables

    reserved = ENVIRONMENTS[environment].settings.get("reserved_concurrency", {})
    maximum = variables(QUEUE)["maximum_concurrency"]["default"]

    for consumer in CONSUMERS:
        assert reserved.get(consumer.name, -1) in (-1, *range(maximum, 1001)), consumer.name


def test_topic_fed_queues_let_only_their_topics_send_and_subscribe_raw() -> None:
    """Given the queues fed by SNS (the email-events queue), then the stack passes exactly their
    topics to the queue module, whose main-queue policy lets SNS send only from those topics, and
    each topic delivers raw (the body is the SES event itself)."""
    document = next(
        block["aws_iam_policy_document"]["tls_only"]
        for block in load_dir(QUEUE)["data"]
        if "aws_iam_policy_document" in block
    )
    publish = one(one(document["dynamic"])["statement"]["content"])
    subscription = resources(STACK, "aws_sns_topic_subscription")["email_events"]

    assert set(locals_of(STACK)["topic_queues"]) == set(TOPIC_QUEUES)
    assert modules(STACK)["queue"]["publisher_topic_arns"] == "${lookup(local.topic_queues, each.key, [])}"
    assert publish["actions"] == ["sqs:SendMessage"]
    assert one(publish["principals"])["identifiers"] == ["sns.amazonaws.com"]
    assert one(publish["condition"])["values"] == "${var.publisher_topic_arns}"
    assert 'each.key=="main"' in squash(one(document["dynamic"])["statement"]["for_each"])
    assert subscription["protocol"] == "sqs"
    assert subscription["raw_message_delivery"] is True
    assert subscription["endpoint"] == '${module.queue["email-events"].arn}'
