"""Each function's Terraform against the function table: handler, settings, IAM actions."""

from __future__ import annotations

import re

import pytest

from bbws.core.functions import FUNCTIONS, LambdaFunction, Trigger
from bbws.core.settings import ENV_NAMES
from bbws.local.provision import QUEUES, TABLE_SCHEMAS
from tests.infra.code_calls import actions_called
from tests.infra.terraform import MODULES, STACK, load_dir, locals_of, modules, one, references, resources

TERRAFORM_FUNCTIONS = locals_of(STACK)["functions"]
SETTING_VALUES = locals_of(STACK)["setting_values"]
BY_ENV_NAME = {name: field for field, name in ENV_NAMES.items()}

ids = pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.name)

# Actions on the SES account itself: the Service Authorization Reference lists no resource type
# for them, so IAM accepts only "*" (https://docs.aws.amazon.com/service-authorization/latest/
# reference/list_amazonsimpleemailservicev2.html). A statement naming "*" may hold only these.
ACCOUNT_LEVEL_ACTIONS = frozenset({"ses:GetSuppressedDestination", "ses:PutSuppressedDestination"})


def _statements(function: LambdaFunction) -> list[dict[str, object]]:
    return list(TERRAFORM_FUNCTIONS[function.name]["statements"])


def _actions(function: LambdaFunction) -> set[str]:
    return {action for statement in _statements(function) for action in statement["actions"]}  # type: ignore[attr-defined]


def test_terraform_defines_exactly_the_functions_of_the_function_table() -> None:
    """Given the function table, then the stack defines one function for each and no other."""
    assert set(TERRAFORM_FUNCTIONS) == {f.name for f in FUNCTIONS}


@ids
def test_handler_is_the_lambda_form_of_the_table_handler(function: LambdaFunction) -> None:
    """Given a function, then Terraform's handler is its `module.attribute` handler."""
    assert TERRAFORM_FUNCTIONS[function.name]["handler"] == function.lambda_handler


@ids
def test_environment_is_exactly_the_settings_the_code_requires(function: LambdaFunction) -> None:
    """Given a function's required settings, then Terraform sets exactly their environment
    variables (SPEC section 6 names), no more and no fewer."""
    configured = set(TERRAFORM_FUNCTIONS[function.name]["settings"])

    assert configured == {ENV_NAMES[field] for field in function.settings}


def test_every_setting_has_a_value_in_every_environment() -> None:
    """Given the settings model's environment variables, then the stack has a value for each
    (the service name is each function's own)."""
    assert set(SETTING_VALUES) | {"POWERTOOLS_SERVICE_NAME"} == set(ENV_NAMES.values())


@ids
def test_service_name_is_the_functions_service(function: LambdaFunction) -> None:
    """Given a function, then its POWERTOOLS_SERVICE_NAME is its service in the table."""
    assert TERRAFORM_FUNCTIONS[function.name]["service"] == function.service


def test_the_function_module_builds_the_environment_from_the_listed_settings_only() -> None:
    """Given the stack's function module call, then its environment comes from the listed
    settings (so the check above is the whole truth)."""
    environment = modules(STACK)["function"]["environment_variables"]

    assert "for name in each.value.settings" in environment


@ids
def test_role_grants_exactly_the_actions_the_function_records(function: LambdaFunction) -> None:
    """Given a function's aws_actions, then its role's code policy grants exactly those."""
    assert _actions(function) == set(function.aws_actions)


@ids
def test_recorded_actions_are_the_ones_its_code_calls(function: LambdaFunction) -> None:
    """Given a function's code (handler and every bbws module it reaches), when its boto3
    calls are read, then they are exactly the function's aws_actions."""
    assert actions_called(function.module) == set(function.aws_actions)


@ids
def test_no_action_or_resource_is_a_wildcard(function: LambdaFunction) -> None:
    """Given a function's statements, then no action has a wildcard and no resource is '*'."""
    for statement in _statements(function):
        assert not any("*" in action for action in statement["actions"])  # type: ignore[attr-defined]
        if "*" in statement["resources"]:  # type: ignore[operator]
            assert statement["resources"] == ["*"]
            assert set(statement["actions"]) <= ACCOUNT_LEVEL_ACTIONS, statement  # type: ignore[arg-type]


def _own_resources(function: LambdaFunction) -> dict[str, set[str]]:
    tables = {field.removesuffix("_table_name") for field in function.settings if field in TABLE_SCHEMAS}
    queues = {QUEUES[field] for field in function.settings if field in QUEUES}
    return {"table_arns": tables, "queue_arns": queues}


@ids
def test_statements_name_only_the_functions_own_resources(function: LambdaFunction) -> None:
    """Given a function's statements, then each resource is a table, queue, the templates
    prefix or the SES identity that the function's own settings point at."""
    own = _own_resources(function)
    for statement in _statements(function):
        if statement["resources"] == ["*"]:  # account-level actions, held by the test above
            continue
        for resource in statement["resources"]:  # type: ignore[attr-defined]
            tables, queues = references(resource, "table_arns"), references(resource, "queue_arns")
            assert tables <= own["table_arns"], resource
            assert queues <= own["queue_arns"], resource
            if "templates_bucket_arn" in resource:
                assert "templates_bucket_name" in function.settings
                assert resource.endswith("/${local.templates_prefix}*")
            if "module.ses" in resource:
                assert "from_email" in function.settings
            cursor_secret = resource == "${local.cursor_secret_arn}"
            if cursor_secret:
                assert "cursor_secret_arn" in function.settings
            assert (
                tables or queues or "templates_bucket_arn" in resource or "module.ses" in resource or cursor_secret
            ), resource


@ids
def test_a_consumer_polls_its_own_queue_and_an_api_function_none(function: LambdaFunction) -> None:
    """Given a function's trigger, then a queue consumer names its queue and an API function
    none (the module grants polling only on that queue)."""
    queue = TERRAFORM_FUNCTIONS[function.name]["queue"]

    assert queue == (function.queue if function.trigger is Trigger.QUEUE else None)


def test_templates_are_readable_only_under_email_templates() -> None:
    """Given the stack, then the templates prefix is email-templates/ (what the code reads)."""
    from bbws.notifications.dal.templates import TEMPLATE_PREFIX

    assert locals_of(STACK)["templates_prefix"] == TEMPLATE_PREFIX == "email-templates/"


RUNTIME_ACTIONS = {
    "OwnLogs": {"logs:CreateLogStream", "logs:PutLogEvents"},
    "Tracing": {"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
    "PollOwnQueue": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
}


def test_the_runtime_policy_holds_only_logs_tracing_and_polling() -> None:
    """Given the function module's runtime policy, then it is its own logs, X-Ray (which has no
    resource-level permissions) and, for consumers, polling its own queue."""
    from tests.infra.terraform import load_dir

    documents = {}
    for block in load_dir(MODULES / "function")["data"]:
        documents.update(block.get("aws_iam_policy_document", {}))
    runtime = documents["runtime"]
    statements = {s["sid"]: s for s in runtime.get("statement", [])}
    dynamic = one(runtime["dynamic"])["statement"]
    statements[one(dynamic["content"])["sid"]] = one(dynamic["content"])

    assert {sid: set(s["actions"]) for sid, s in statements.items()} == RUNTIME_ACTIONS
    assert statements["OwnLogs"]["resources"] == ["${aws_cloudwatch_log_group.this.arn}:*"]
    assert statements["PollOwnQueue"]["resources"] == ["${statement.value}"]


def test_function_runs_python312_with_active_tracing_and_its_own_log_group() -> None:
    """Given the function module, then the runtime is python3.12, tracing is Active, code comes
    from artifacts/<sha256>.zip, and logs go to a log group with retention."""
    function = resources(MODULES / "function", "aws_lambda_function")["this"]
    log_group = resources(MODULES / "function", "aws_cloudwatch_log_group")["this"]

    assert function["runtime"] == "python3.12"
    assert one(function["tracing_config"])["mode"] == "Active"
    assert function["s3_key"] == "artifacts/${var.artifact_sha256}.zip"
    assert function["reserved_concurrent_executions"] == "${var.reserved_concurrency}"
    assert function["architectures"] == ["${var.architecture}"]
    assert log_group["retention_in_days"] == "${var.log_retention_days}"
    assert log_group["name"] == "/aws/lambda/${var.name}"


def test_alias_ignores_version_and_weights_so_releases_do_not_drift() -> None:
    """Given the live alias, then Terraform ignores its version and routing weights, which
    releases change."""
    alias = resources(MODULES / "function", "aws_lambda_alias")["live"]

    assert alias["name"] == "live" or alias["name"] == "${local.alias_name}"
    assert set(one(alias["lifecycle"])["ignore_changes"]) == {"function_version", "routing_config"}


def test_every_function_has_error_and_throttle_alarms_on_its_alias() -> None:
    """Given the function module, then errors and throttles of the live alias raise alarms."""
    alarms = resources(MODULES / "function", "aws_cloudwatch_metric_alarm")

    assert {alarms[name]["metric_name"] for name in ("errors", "throttles")} == {"Errors", "Throttles"}
    for alarm in alarms.values():
        assert alarm["dimensions"]["Resource"] == "${local.alias_resource}"
        assert alarm["alarm_actions"] == "${var.alarm_actions}"


def test_default_architecture_is_x86_64_and_arm64_is_allowed() -> None:
    """Given the architecture variables, then x86_64 is the default and arm64 passes validation."""
    from tests.infra.terraform import variables

    variable = variables(MODULES / "function")["architecture"]

    assert variable["default"] == "x86_64"
    assert re.search(r'"x86_64", "arm64"', one(variable["validation"])["condition"])


def test_snap_start_applies_to_published_versions_of_every_function_when_the_stack_says_so() -> None:
    """Given the function module, then SnapStart is on exactly when `snap_start` is, on published
    versions (every version is published and the live alias points at one); the stack passes its
    variable to every function and defaults it to on."""
    function = resources(MODULES / "function", "aws_lambda_function")["this"]
    (snap_start,) = [block["snap_start"] for block in function["dynamic"] if "snap_start" in block]
    assert snap_start["for_each"] == '${var.snap_start ? ["PublishedVersions"] : []}'
    assert one(snap_start["content"])["apply_on"] == "${snap_start.value}"
    assert function["publish"] is True
    assert modules(STACK)["function"]["snap_start"] == "${var.snap_start}"
    variable = next(block["snap_start"] for block in load_dir(STACK)["variable"] if "snap_start" in block)
    assert variable["default"] is True


def test_no_function_version_has_provisioned_concurrency() -> None:
    """SnapStart and provisioned concurrency exclude each other: none is configured anywhere."""
    for path in (MODULES.parent).rglob("*.tf"):
        assert "aws_lambda_provisioned_concurrency_config" not in path.read_text(), path
        assert "provisioned_concurrent_executions" not in path.read_text(), path
