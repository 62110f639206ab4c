# One Lambda function: its own role, log group, published versions behind the `live` alias,
# and the alarms a release watches while it shifts traffic.

locals {
  alias_name = "live"
  # Alias metrics carry this Resource dimension; alarms watch the alias, not $LATEST.
  alias_resource = "${var.name}:${local.alias_name}"
  is_consumer    = var.event_source_queue_arn != null
}

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:retention is chosen per environment (var.log_retention_days); dev and sit keep logs for weeks, not a year
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-role"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

# What the Lambda service itself needs to run the function: write its own logs, send traces,
# and (consumers) poll their own queue. Kept apart from the code's policy so that one can be
# checked against the code (bbws.core.functions.LambdaFunction.aws_actions).
data "aws_iam_policy_document" "runtime" {
  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid = "Tracing"
    # X-Ray has no resource-level permissions: these two actions only accept "*".
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = local.is_consumer ? [var.event_source_queue_arn] : []
    content {
      sid       = "PollOwnQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "runtime" {
  name   = "runtime"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.runtime.json
}

data "aws_iam_policy_document" "code" {
  count = length(var.code_statements) > 0 ? 1 : 0

  dynamic "statement" {
    for_each = var.code_statements
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "code" {
  count  = length(var.code_statements) > 0 ? 1 : 0
  name   = "code"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.code[0].json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:API functions are invoked synchronously and consumers through SQS event source mappings, whose redrive goes to the queue's own DLQ; a Lambda DLQ would never receive anything
  #checkov:skip=CKV_AWS_117:the functions reach only regional AWS APIs (DynamoDB, SQS, S3, SES) and no private network; a VPC would add cold-start latency and NAT cost for no isolation gain
  #checkov:skip=CKV_AWS_173:environment variables hold resource names and URLs only, never secrets (SPEC section 6), so the default Lambda encryption is enough
  #checkov:skip=CKV_AWS_272:artifacts are verified by sha256 (`bbws verify`, content-addressed keys artifacts/<sha256>.zip) instead of Lambda code signing
  function_name                  = var.name
  role                           = aws_iam_role.this.arn
  handler                        = var.handler
  runtime                        = "python3.12"
  architectures                  = [var.architecture]
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency
  s3_bucket                      = var.artifacts_bucket
  s3_key                         = "artifacts/${var.artifact_sha256}.zip"
  publish                        = true

  environment {
    variables = var.environment_variables
  }

  tracing_config {
    mode = "Active"
  }

  # SnapStart: each published version is initialised (priming hooks included) and restored
  # from a snapshot on cold starts. Published versions only (the live alias points at them);
  # no provisioned concurrency, EFS or ephemeral storage above 512 MB (docs/bench.md).
  dynamic "snap_start" {
    for_each = var.snap_start ? ["PublishedVersions"] : []
    content {
      apply_on = snap_start.value
    }
  }

  logging_config {
    log_format = "Text" # Powertools already writes structured JSON lines
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  lifecycle {
    # Terraform creates the function from the first artifact; from then on `bbws deploy`
    # owns the code (upload, update, publish) and the release shifts the alias.
    ignore_changes = [s3_bucket, s3_key, s3_object_version]
  }

  depends_on = [aws_iam_role_policy.runtime]
}

resource "aws_lambda_alias" "live" {
  name             = local.alias_name
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    # Releases move the alias (canary weights, then the new version); Terraform must not
    # undo them on the next apply.
    ignore_changes = [function_version, routing_config]
  }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${var.name}-errors"
  alarm_description   = "${var.name}: invocations failed (unhandled exceptions or timeouts) in 2 of the last 3 minutes. See docs/operations.md#function-errors."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = var.error_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    FunctionName = var.name
    Resource     = local.alias_resource
  }
  alarm_actions = var.alarm_actions
  ok_actions    = var.alarm_actions
  tags          = var.tags
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  alarm_name          = "${var.name}-throttles"
  alarm_description   = "${var.name}: invocations were throttled (reserved or account concurrency exhausted). See docs/operations.md#function-throttles."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    FunctionName = var.name
    Resource     = local.alias_resource
  }
  alarm_actions = var.alarm_actions
  ok_actions    = var.alarm_actions
  tags          = var.tags
}

resource "aws_cloudwatch_metric_alarm" "duration" {
  alarm_name          = "${var.name}-duration"
  alarm_description   = "${var.name}: p95 duration above 80% of the ${var.timeout}s timeout for 3 minutes; timeouts are next. See docs/operations.md#function-duration."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  extended_statistic  = "p95"
  period              = 60
  evaluation_periods  = 3
  threshold           = var.timeout * 1000 * 0.8
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    FunctionName = var.name
    Resource     = local.alias_resource
  }
  alarm_actions = var.alarm_actions
  ok_actions    = var.alarm_actions
  tags          = var.tags
}
