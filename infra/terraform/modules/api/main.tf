# The REST API: body from openapi.tf, one stage with access logs, tracing and throttling, the
# storefront's API key and usage plan, the permissions for API Gateway to invoke each route's
# function alias, and the alarms on errors and latency.

locals {
  # Routes whose path has {parameters}: a source ARN matches any value with "*".
  route_permissions = {
    for route in local.routes : "${route.method} ${route.path}" => {
      function    = route.function
      source_path = "${route.method}${replace(route.path, "/\\{[^}]+\\}/", "*")}"
    }
  }
}

resource "aws_api_gateway_rest_api" "this" {
  name              = var.name
  body              = jsonencode(local.openapi)
  put_rest_api_mode = "overwrite"
  api_key_source    = "HEADER"
  tags              = var.tags

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  triggers = {
    redeployment = sha1(aws_api_gateway_rest_api.this.body)
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_338:retention is chosen per environment (var.log_retention_days); dev and sit keep logs for weeks, not a year
  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:responses depend on the caller's token and change with every admin write (ETag/If-Match), so a stage cache would serve stale or another caller's data
  #checkov:skip=CKV2_AWS_29:WAF is not part of this release: the usage plan, stage throttling and the functions' 64 KiB body limit bound abuse; a web ACL can be associated later without changing this stage
  #checkov:skip=CKV2_AWS_51:clients are browsers and storefront servers on the public internet; mutual TLS client certificates do not apply
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = true
  tags                 = var.tags

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId         = "$context.requestId"
      extendedRequestId = "$context.extendedRequestId"
      ip                = "$context.identity.sourceIp"
      requestTime       = "$context.requestTime"
      httpMethod        = "$context.httpMethod"
      resourcePath      = "$context.resourcePath"
      status            = "$context.status"
      responseLength    = "$context.responseLength"
      latency           = "$context.responseLatency"
      integrationError  = "$context.integration.error"
      errorType         = "$context.error.responseType"
      apiKeyId          = "$context.identity.apiKeyId"
      xrayTraceId       = "$context.xrayTraceId"
    })
  }

  depends_on = [aws_api_gateway_account.this]
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:caching is off on purpose (see the stage): responses are per caller and must reflect writes at once
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = "ERROR"
    data_trace_enabled     = false # full request logging would write tokens and personal data to logs
    throttling_rate_limit  = var.throttle_rate_limit
    throttling_burst_limit = var.throttle_burst_limit
    caching_enabled        = false
    cache_data_encrypted   = true
  }
}

# Execution logging (logging_level above) needs the region's API Gateway CloudWatch role.
data "aws_iam_policy_document" "apigateway_assume" {
  count = var.manage_account_logging_role ? 1 : 0
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cloudwatch" {
  count              = var.manage_account_logging_role ? 1 : 0
  name               = "${var.name}-apigateway-cloudwatch"
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume[0].json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "cloudwatch" {
  count      = var.manage_account_logging_role ? 1 : 0
  role       = aws_iam_role.cloudwatch[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count               = var.manage_account_logging_role ? 1 : 0
  cloudwatch_role_arn = aws_iam_role.cloudwatch[0].arn
  # Destroying the environment clears the region's logging role instead of leaving it pointing
  # at the role destroyed with it (the provider's default leaves it).
  reset_on_delete = true
  depends_on      = [aws_iam_role_policy_attachment.cloudwatch]
}

data "aws_partition" "current" {}

resource "aws_api_gateway_api_key" "storefront" {
  count       = var.authorize_every_route ? 0 : 1
  name        = "${var.name}-storefront"
  description = "The public storefront's key for POST /orders (header X-Api-Key)."
  enabled     = true
  tags        = var.tags
}

resource "aws_api_gateway_usage_plan" "storefront" {
  count       = var.authorize_every_route ? 0 : 1
  name        = "${var.name}-storefront"
  description = "Throttling and daily quota of the storefront's API key."

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    rate_limit  = var.storefront_rate_limit
    burst_limit = var.storefront_burst_limit
  }

  quota_settings {
    limit  = var.storefront_daily_quota
    period = "DAY"
  }

  tags = var.tags
}

resource "aws_api_gateway_usage_plan_key" "storefront" {
  count         = var.authorize_every_route ? 0 : 1
  key_id        = aws_api_gateway_api_key.storefront[0].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.storefront[0].id
}

# API Gateway may invoke a function's live alias only for the routes that function serves.
resource "aws_lambda_permission" "route" {
  for_each = local.route_permissions

  statement_id  = "${var.name}-${trim(replace(lower(each.key), "/[^a-z0-9]+/", "-"), "-")}"
  action        = "lambda:InvokeFunction"
  function_name = var.functions[each.value.function].function_name
  qualifier     = var.functions[each.value.function].alias_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/${var.stage_name}/${each.value.source_path}"
}

resource "aws_cloudwatch_metric_alarm" "server_errors" {
  alarm_name          = "${var.name}-5xx"
  alarm_description   = "${var.name}: 5xx responses in 2 of the last 3 minutes. See docs/operations.md#api-5xx."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5XXError"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = var.server_error_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    ApiName = aws_api_gateway_rest_api.this.name
    Stage   = aws_api_gateway_stage.this.stage_name
  }
  alarm_actions = var.alarm_actions
  ok_actions    = var.alarm_actions
  tags          = var.tags
}

resource "aws_cloudwatch_metric_alarm" "latency" {
  alarm_name          = "${var.name}-latency"
  alarm_description   = "${var.name}: p95 latency above ${var.latency_threshold_ms} ms for 5 minutes. See docs/operations.md#api-latency."
  namespace           = "AWS/ApiGateway"
  metric_name         = "Latency"
  extended_statistic  = "p95"
  period              = 60
  evaluation_periods  = 5
  threshold           = var.latency_threshold_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    ApiName = aws_api_gateway_rest_api.this.name
    Stage   = aws_api_gateway_stage.this.stage_name
  }
  alarm_actions = var.alarm_actions
  ok_actions    = var.alarm_actions
  tags          = var.tags
}
