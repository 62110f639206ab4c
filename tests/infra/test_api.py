"""The REST API's OpenAPI body, rendered by Terraform itself, against the route table."""

from __future__ import annotations

from typing import Any

import pytest

from bbws.core.functions import FUNCTIONS, Trigger
from bbws.core.routes import BASE_PATH, ROUTES, Access, Route
from tests.infra.terraform import MODULES, STACK, TERRAFORM_BIN, modules, one, render_locals, resources

API = MODULES / "api"
API_FUNCTIONS = [f.name for f in FUNCTIONS if f.trigger is Trigger.API]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _invoke_arn(function: str) -> str:
    alias = f"arn:aws:lambda:eu-west-1:1:function:bbws-test-{function}:live"
    return f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{alias}/invocations"


def _render(*, authorize_every_route: bool) -> dict[str, Any]:
    if TERRAFORM_BIN is None:
        pytest.skip("terraform is not installed")
    variables = {
        "authorize_every_route": authorize_every_route,
        "name": "bbws-test-api",
        "functions": {
            name: {"function_name": f"bbws-test-{name}", "alias_name": "live", "invoke_arn": _invoke_arn(name)}
            for name in API_FUNCTIONS
        },
        "user_pool_arn": "arn:aws:cognito-idp:eu-west-1:1:userpool/eu-west-1_test",
        "kms_key_arn": "arn:aws:kms:eu-west-1:1:key/test",
        "log_retention_days": 14,
        "alarm_actions": [],
    }
    files = [API / "openapi.tf", API / "variables.tf", API / "routes.json"]
    return render_locals(files, "local.openapi", variables)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    """Given the public API's body, rendered from openapi.tf and routes.json by Terraform."""
    return _render(authorize_every_route=False)


@pytest.fixture(scope="module")
def staff_openapi() -> dict[str, Any]:
    """Given the staff API's body (authorize_every_route), rendered the same way."""
    return _render(authorize_every_route=True)


def _operation(document: dict[str, Any], route: Route) -> dict[str, Any]:
    return document["paths"][BASE_PATH + route.path][route.method.lower()]  # type: ignore[no-any-return]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_route_integrates_with_its_functions_live_alias(openapi: dict[str, Any], route: Route) -> None:
    """Given a route, then the body has that method on that path, proxied to the live alias of
    the function the route table names."""
    integration = _operation(openapi, route)["x-amazon-apigateway-integration"]

    assert integration["type"] == "aws_proxy"
    assert integration["httpMethod"] == "POST"
    assert integration["uri"] == _invoke_arn(route.function)


def test_the_body_has_no_operation_the_route_table_lacks(openapi: dict[str, Any]) -> None:
    """Given the rendered body, then its operations are exactly the routes, nothing extra."""
    operations = {
        (method.upper(), path) for path, item in openapi["paths"].items() for method in item if method in METHODS
    }

    assert operations == {(r.method, BASE_PATH + r.path) for r in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_security_follows_the_routes_access(openapi: dict[str, Any], route: Route) -> None:
    """Given a route's access, then token routes need the Cognito authorizer, api_key routes
    the usage plan's key, and public routes nothing."""
    requirements: dict[Access, list[dict[str, list[str]]]] = {
        Access.TOKEN: [{"cognito": []}],
        Access.API_KEY: [{"storefront_api_key": []}],
        Access.PUBLIC: [],
    }
    expected = requirements[route.access]

    assert _operation(openapi, route)["security"] == expected


def test_the_authorizer_is_the_user_pool_and_the_key_comes_from_the_header(openapi: dict[str, Any]) -> None:
    """Given the security schemes, then `cognito` is a Cognito user pools authorizer on the
    Authorization header and the API key source is the X-Api-Key header."""
    schemes = openapi["components"]["securitySchemes"]

    assert schemes["cognito"]["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert schemes["cognito"]["x-amazon-apigateway-authorizer"]["providerARNs"] == [
        "arn:aws:cognito-idp:eu-west-1:1:userpool/eu-west-1_test"
    ]
    assert schemes["cognito"]["name"] == "Authorization"
    assert schemes["storefront_api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert openapi["x-amazon-apigateway-api-key-source"] == "HEADER"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_path_parameters_are_declared_and_validated(openapi: dict[str, Any], route: Route) -> None:
    """Given a route with {parameters}, then each is a required path parameter and the
    request validator checks parameters."""
    names = [p["name"] for p in _operation(openapi, route)["parameters"]]

    assert names == [part[1:-1] for part in route.path.split("/") if part.startswith("{")]
    assert openapi["x-amazon-apigateway-request-validator"] == "parameters"
    assert openapi["x-amazon-apigateway-request-validators"]["parameters"]["validateRequestParameters"] is True


@pytest.mark.parametrize(
    ("response", "status"),
    [("UNAUTHORIZED", 401), ("INVALID_API_KEY", 401), ("ACCESS_DENIED", 403), ("THROTTLED", 429),
     ("QUOTA_EXCEEDED", 429), ("REQUEST_TOO_LARGE", 413), ("MISSING_AUTHENTICATION_TOKEN", 404)],
)  # fmt: skip
def test_gateway_errors_are_problem_json(openapi: dict[str, Any], response: str, status: int) -> None:
    """Given an error the gateway answers itself, then it is RFC 9457 problem+json with the
    SPEC's status code."""
    answer = openapi["x-amazon-apigateway-gateway-responses"][response]
    template = answer["responseTemplates"]["application/json"]

    assert answer["statusCode"] == str(status)
    assert answer["responseParameters"]["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
    assert f'"status":{status}' in template
    assert '"type":"https://bbws.dev/problems/' in template
    assert '"detail":$context.error.messageString' in template


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_the_staff_api_serves_every_route_with_a_token(staff_openapi: dict[str, Any], route: Route) -> None:
    """Given the staff API, then every route (public ones too, so admins get their extras)
    reaches the same function alias and needs the Cognito token."""
    operation = _operation(staff_openapi, route)

    assert operation["security"] == [{"cognito": []}]
    assert operation["x-amazon-apigateway-integration"]["uri"] == _invoke_arn(route.function)


def test_the_stack_gives_both_apis_exactly_the_api_functions() -> None:
    """Given the stack, then the public and the staff API receive the functions whose trigger
    is the API (queue consumers are never exposed), and only the staff API requires tokens
    everywhere."""
    from tests.infra.terraform import locals_of, squash

    functions = squash(locals_of(STACK)["api_functions"])
    apis = modules(STACK)

    assert "iffunction.queue==null" in functions
    assert "module.function[name].alias_invoke_arn" in functions
    assert apis["api"]["functions"] == apis["staff_api"]["functions"] == "${local.api_functions}"
    assert apis["staff_api"]["authorize_every_route"] is True
    assert "authorize_every_route" not in apis["api"]
    assert sorted(f.name for f in FUNCTIONS if f.trigger is Trigger.API) == sorted({r.function for r in ROUTES})


def test_api_gateway_may_invoke_each_alias_only_for_its_routes() -> None:
    """Given the Lambda permissions, then there is one per route, on the function's alias,
    scoped to this API, its stage, the route's method and path."""
    permission = resources(API, "aws_lambda_permission")["route"]

    assert permission["for_each"] == "${local.route_permissions}"
    assert permission["qualifier"] == "${var.functions[each.value.function].alias_name}"
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["source_arn"] == (
        "${aws_api_gateway_rest_api.this.execution_arn}/${var.stage_name}/${each.value.source_path}"
    )


def test_the_stage_logs_traces_and_throttles() -> None:
    """Given the stage v1, then access logs, X-Ray, metrics and throttling are on, execution
    logs carry no request data, and caching stays off (responses are per caller)."""
    stage = resources(API, "aws_api_gateway_stage")["this"]
    settings = one(resources(API, "aws_api_gateway_method_settings")["all"]["settings"])

    assert stage["xray_tracing_enabled"] is True
    assert one(stage["access_log_settings"])["destination_arn"] == "${aws_cloudwatch_log_group.access.arn}"
    assert settings["metrics_enabled"] is True
    assert settings["data_trace_enabled"] is False
    assert settings["caching_enabled"] is False
    assert settings["throttling_rate_limit"] == "${var.throttle_rate_limit}"
    assert settings["throttling_burst_limit"] == "${var.throttle_burst_limit}"


def test_the_storefront_key_has_a_throttled_usage_plan_on_the_stage() -> None:
    """Given the usage plan, then it covers the stage, throttles and has a quota, and the
    storefront's key belongs to it."""
    plan = resources(API, "aws_api_gateway_usage_plan")["storefront"]
    key = resources(API, "aws_api_gateway_usage_plan_key")["storefront"]

    assert one(plan["api_stages"])["stage"] == "${aws_api_gateway_stage.this.stage_name}"
    assert one(plan["throttle_settings"])["rate_limit"] == "${var.storefront_rate_limit}"
    assert one(plan["quota_settings"])["period"] == "DAY"
    assert key["key_id"] == "${aws_api_gateway_api_key.storefront[0].id}"
    assert plan["count"] == key["count"] == "${var.authorize_every_route ? 0 : 1}"


def test_the_api_alarms_on_server_errors_and_latency() -> None:
    """Given the API module, then 5xx responses and p95 latency raise alarms."""
    alarms = resources(API, "aws_cloudwatch_metric_alarm")

    assert alarms["server_errors"]["metric_name"] == "5XXError"
    assert alarms["latency"]["metric_name"] == "Latency"
    assert alarms["latency"]["extended_statistic"] == "p95"


def test_destroy_resets_the_regions_api_gateway_logging_role() -> None:
    """Given the API Gateway account setting (one per region, set by the public API's module),
    then destroying it resets the region's CloudWatch role rather than leaving it pointing at
    the role destroyed with the environment, and only one of the two APIs manages it."""
    account = resources(MODULES / "api", "aws_api_gateway_account")["this"]

    assert account["reset_on_delete"] is True
    assert account["cloudwatch_role_arn"] == "${aws_iam_role.cloudwatch[0].arn}"
    assert modules(STACK)["staff_api"]["manage_account_logging_role"] is False
