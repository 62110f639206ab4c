"""The templates bucket, the SES identity and the user pool."""

from __future__ import annotations

from tests.infra.codegen import ROOT
from tests.infra.terraform import MODULES, STACK, load_dir, locals_of, modules, one, resources

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
        "concat(local.api_widgets, local.function_widgets, local.queue_widgets)",
        variables,
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
    assert {w["properties"]["title"] for w in widgets} >= {
        "Queue depth",
        "Dead-letter queue depth",
        "Lambda errors (live alias)",
    }
