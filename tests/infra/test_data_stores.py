"""The templates bucket, the SES identity and the user pool."""

from __future__ import annotations

from tests.infra.codegen import ROOT
from tests.infra.terraform import MODULES, STACK, load_dir, locals_of, modules, one, resources, squash

BUCKET = MODULES / "templates_bucket"


def test_templates_bucket_blocks_every_kind_of_public_access() -> None:
    """Given the templates bucket, then all four public access blocks are on."""
    block = resources(BUCKET, "aws_s3_bucket_public_access_block")["this"]

    flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")

    assert all(block[flag] is True for flag in flags)


def test_templates_bucket_is_encrypted_with_the_data_key_and_versioned() -> None:
    """Given the templates bucket, then objects are SSE-KMS with the customer managed key and
    versioning is enabled, with old versions expiring."""
    encryption = one(resources(BUCKET, "aws_s3_bucket_server_side_encryption_configuration")["this"]["rule"])
    versioning = resources(BUCKET, "aws_s3_bucket_versioning")["this"]
    lifecycle = one(resources(BUCKET, "aws_s3_bucket_lifecycle_configuration")["this"]["rule"])

    assert one(encryption["apply_server_side_encryption_by_default"]) == {
        "sse_algorithm": "aws:kms",
        "kms_master_key_id": "${var.kms_key_arn}",
    }
    assert one(versioning["versioning_configuration"])["status"] == "Enabled"
    assert one(lifecycle["noncurrent_version_expiration"])["noncurrent_days"] == "${var.noncurrent_version_days}"


def test_templates_bucket_refuses_plain_http() -> None:
    """Given the bucket policy, then it denies every request made without TLS."""
    document = next(b["aws_iam_policy_document"]["tls_only"] for b in load_dir(BUCKET)["data"])
    statement = one(document["statement"])
    condition = one(statement["condition"])

    policy = resources(BUCKET, "aws_s3_bucket_policy")["this"]["policy"]

    assert policy == "${data.aws_iam_policy_document.tls_only.json}"
    assert statement["effect"] == "Deny"
    assert statement["actions"] == ["s3:*"]
    assert (condition["test"], condition["variable"], condition["values"]) == ("Bool", "aws:SecureTransport", ["false"])


def test_default_templates_are_uploaded_under_email_templates() -> None:
    """Given the stack, then every file of templates/email/ is uploaded to email-templates/,
    replaced whenever its content changes."""
    template = resources(BUCKET, "aws_s3_object")["template"]

    assert template["for_each"] == "${local.templates}"
    assert locals_of(BUCKET)["templates"] == '${fileset(var.templates_dir, "*")}'
    assert template["key"] == "${var.prefix}${each.value}"
    assert "filemd5" in template["source_hash"]
    assert modules(STACK)["templates_bucket"]["templates_dir"] == "${local.templates_dir}"
    assert locals_of(STACK)["templates_dir"] == "${path.module}/../../../templates/email"
    assert (STACK / "../../../templates/email").resolve() == ROOT / "templates" / "email"


def test_user_pool_carries_the_tenant_attribute_and_an_admin_group() -> None:
    """Given the user pool, then users have custom:tenantId (which they cannot write
    themselves) and the admin group exists."""
    pool = resources(MODULES / "cognito", "aws_cognito_user_pool")["this"]
    group = resources(MODULES / "cognito", "aws_cognito_user_group")["admin"]
    client = resources(MODULES / "cognito", "aws_cognito_user_pool_client")["this"]

    assert one(pool["schema"])["name"] == "tenantId"
    assert group["name"] == "admin"
    assert "custom:tenantId" in client["read_attributes"]
    assert "custom:tenantId" not in client["write_attributes"]
    assert one(pool["admin_create_user_config"])["allow_admin_create_user_only"] is True


def test_ses_sends_from_the_configured_identity_over_tls() -> None:
    """Given the SES module, then the identity is the domain or the from address and its
    configuration set requires TLS."""
    identity = resources(MODULES / "ses", "aws_sesv2_email_identity")["this"]
    configuration = resources(MODULES / "ses", "aws_sesv2_configuration_set")["this"]

    assert identity["email_identity"] == "${local.identity}"
    assert one(configuration["delivery_options"])["tls_policy"] == "REQUIRE"


def test_dashboard_covers_both_apis_every_function_and_every_queue() -> None:
    """Given the dashboard call, then it receives both APIs, every function and every queue."""
    dashboard = modules(STACK)["dashboard"]

    assert dashboard["functions"] == "${local.function_names}"
    assert dashboard["apis"]["public"]["name"] == "${module.api.name}"
    assert dashboard["apis"]["staff"]["name"] == "${module.staff_api.name}"
    assert "module.queue" in dashboard["queues"]


def test_dashboard_shows_both_apis_every_function_and_every_queue() -> None:
    """Given the dashboard's widgets rendered by Terraform for two APIs, two functions and a
    queue, then each API, each function's live alias, the queue and its DLQ have metrics."""
    import json

    from tests.infra.terraform import TERRAFORM_BIN, render_locals

    if TERRAFORM_BIN is None:
        import pytest

        pytest.skip("terraform is not installed")
    module = MODULES / "dashboard"
    variables = {
        "name": "bbws-test",
        "region": "eu-west-1",
        "apis": {
            "public": {"name": "bbws-test-api", "stage": "v1"},
            "staff": {"name": "bbws-test-staff-api", "stage": "v1"},
        },
        "functions": {"orders-api": "bbws-test-orders-api", "orders-consumer": "bbws-test-orders-consumer"},
        "queues": {"orders": {"name": "bbws-test-orders", "dlq_name": "bbws-test-orders-dlq"}},
    }

    widgets = render_locals(
        [module / "body.tf", module / "variables.tf"],
        "concat(local.api_widgets, local.function_widgets, local.queue_widgets, local.email_widgets)",
        {**variables, "email_alarm_arns": ["arn:aws:cloudwatch:eu-west-1:1:alarm:bbws-test-ses-bounce-rate-pause"]},
    )
    text = json.dumps(widgets)

    for expected in (
        "bbws-test-api",
        "bbws-test-staff-api",
        "bbws-test-orders-api:live",
        "bbws-test-orders-consumer:live",
    ):
        assert expected in text
    assert '"QueueName", "bbws-test-orders-dlq"' in text
    assert '"AWS/SES", "Reputation.BounceRate"' in text
    assert '"AWS/SES", "Reputation.ComplaintRate"' in text
    assert any(w["type"] == "alarm" and w["properties"]["alarms"] for w in widgets)
    assert {w["properties"]["title"] for w in widgets} >= {
        "Queue depth",
        "Dead-letter queue depth",
        "Lambda errors (live alias)",
    }


SES = MODULES / "ses"


def test_ses_publishes_bounces_complaints_and_rejects_to_its_encrypted_topic() -> None:
    """Given the SES module, then the configuration set's event destination sends bounces,
    complaints and rejects to the email-events topic, encrypted with the data key, which only SES
    publishing this configuration set's events (of this account) may publish to."""
    destination = resources(SES, "aws_ses_event_destination")["events"]
    topic = resources(SES, "aws_sns_topic")["events"]
    document = next(
        b["aws_iam_policy_document"]["events_topic"] for b in load_dir(SES)["data"] if "aws_iam_policy_document" in b
    )
    statement = one(document["statement"])
    conditions = {c["variable"]: c["values"] for c in statement["condition"]}
    from tests.infra.terraform import variables

    assert destination["configuration_set_name"] == "${aws_sesv2_configuration_set.this.configuration_set_name}"
    assert destination["matching_types"] == "${var.event_types}"
    assert set(variables(SES)["event_types"]["default"]) == {"bounce", "complaint", "reject"}
    assert one(destination["sns_destination"])["topic_arn"] == "${aws_sns_topic.events.arn}"
    assert topic["kms_master_key_id"] == "${var.kms_key_arn}"
    assert one(statement["principals"])["identifiers"] == ["ses.amazonaws.com"]
    assert conditions["AWS:SourceArn"] == ["${aws_sesv2_configuration_set.this.arn}"]
    assert conditions["AWS:SourceAccount"] == ["${data.aws_caller_identity.current.account_id}"]
    assert modules(STACK)["ses"]["kms_key_arn"] == "${aws_kms_key.data.arn}"


def test_the_configuration_set_suppresses_bounced_and_complaining_addresses() -> None:
    configuration = resources(SES, "aws_sesv2_configuration_set")["this"]

    assert one(configuration["suppression_options"])["suppressed_reasons"] == ["BOUNCE", "COMPLAINT"]


def test_reputation_alarms_fire_at_the_rates_aws_reviews_and_pauses_an_account() -> None:
    """Given the reputation alarms, then bounce rate alarms at 5 % (review) and 10 % (pause),
    complaint rate at 0.1 % and 0.5 %, on AWS/SES's account-level metrics, to the alarm topic."""
    from tests.infra.terraform import variables

    alarm = resources(SES, "aws_cloudwatch_metric_alarm")["reputation"]
    alarms = locals_of(SES)["reputation_alarms"]
    defaults = {name: v["default"] for name, v in variables(SES).items() if name.endswith(("_review", "_pause"))}

    assert defaults == {
        "bounce_rate_review": 0.05, "bounce_rate_pause": 0.10,
        "complaint_rate_review": 0.001, "complaint_rate_pause": 0.005,
    }  # fmt: skip
    assert {key: (a["metric"], a["threshold"]) for key, a in alarms.items()} == {
        "bounce-rate-review": ("Reputation.BounceRate", "${var.bounce_rate_review}"),
        "bounce-rate-pause": ("Reputation.BounceRate", "${var.bounce_rate_pause}"),
        "complaint-rate-review": ("Reputation.ComplaintRate", "${var.complaint_rate_review}"),
        "complaint-rate-pause": ("Reputation.ComplaintRate", "${var.complaint_rate_pause}"),
    }
    assert (alarm["namespace"], alarm["comparison_operator"]) == ("AWS/SES", "GreaterThanOrEqualToThreshold")
    assert alarm["alarm_actions"] == alarm["ok_actions"] == "${var.alarm_actions}"
    assert modules(STACK)["ses"]["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]
    assert modules(STACK)["dashboard"]["email_alarm_arns"] == "${module.ses.alarm_arns}"


def test_the_data_key_lets_ses_and_sns_use_the_encrypted_topic_and_queue() -> None:
    """Given the data key's policy, then SES (publishing to the events topic) and SNS
    (delivering to the email-events queue) of this account may encrypt with it."""
    key = resources(STACK, "aws_kms_key")["data"]
    policy = squash(key["policy"])

    for service in ("ses.amazonaws.com", "sns.amazonaws.com"):
        assert f'Principal={{Service="{service}"}}' in policy
    assert policy.count('"aws:SourceAccount"=local.account_id') >= 3
