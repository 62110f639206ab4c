# `terraform test` of the whole stack against a mocked AWS provider: a full plan and apply with
# invented attribute values, so expressions, for_each keys, preconditions and the wiring
# between modules are evaluated without an AWS account. Needs the AWS provider's schema
# (terraform init), not credentials. Run from infra/terraform/stack: terraform test

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }

  # Computed attributes the provider validates as ARNs or ids when another resource uses them.
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:mock" }
  }
  mock_resource "aws_cognito_user_pool" {
    defaults = { id = "eu-west-1_mock", arn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_mock" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:eu-west-1:123456789012:mock", url = "https://sqs.eu-west-1.amazonaws.com/123456789012/mock" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:mock", version = "1" }
  }
  mock_resource "aws_lambda_alias" {
    defaults = {
      arn        = "arn:aws:lambda:eu-west-1:123456789012:function:mock:live"
      invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:mock:live/invocations"
    }
  }
  mock_resource "aws_api_gateway_rest_api" {
    defaults = { execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:mock" }
  }
  mock_resource "aws_api_gateway_stage" {
    defaults = { invoke_url = "https://mock.execute-api.eu-west-1.amazonaws.com/v1" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::mock" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mock-AbCdEf" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/mock" }
  }
  mock_resource "aws_sesv2_email_identity" {
    defaults = { arn = "arn:aws:ses:eu-west-1:123456789012:identity/mock" }
  }
  mock_resource "aws_sesv2_configuration_set" {
    defaults = { arn = "arn:aws:ses:eu-west-1:123456789012:configuration-set/mock" }
  }
  mock_resource "aws_cloudwatch_metric_alarm" {
    defaults = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mock" }
  }
}

variables {
  environment      = "dev"
  artifacts_bucket = "bbws-artifacts-123456789012-eu-west-1"
  artifacts = {
    "health"                 = "0000000000000000000000000000000000000000000000000000000000000001"
    "products-api"           = "0000000000000000000000000000000000000000000000000000000000000002"
    "campaigns-api"          = "0000000000000000000000000000000000000000000000000000000000000003"
    "orders-api"             = "0000000000000000000000000000000000000000000000000000000000000004"
    "orders-consumer"        = "0000000000000000000000000000000000000000000000000000000000000005"
    "tenants-api"            = "0000000000000000000000000000000000000000000000000000000000000006"
    "notifications-consumer" = "0000000000000000000000000000000000000000000000000000000000000007"
    "email-events-consumer"  = "0000000000000000000000000000000000000000000000000000000000000008"
  }
  log_retention_days       = 14
  deletion_protection      = false
  from_email               = "orders@example.com"
  internal_emails          = ["sales@example.com", "ops@example.com"]
  api_throttle_rate_limit  = 10
  api_throttle_burst_limit = 20
  storefront_rate_limit    = 5
  storefront_burst_limit   = 10
  storefront_daily_quota   = 1000
  reserved_concurrency     = { "orders-api" = 3 }
}

run "the_whole_environment_applies" {
  command = apply

  assert {
    condition     = length(module.function) == 8 && length(module.table) == 4 && length(module.queue) == 3
    error_message = "eight functions, four tables and three queues"
  }

  assert {
    condition     = module.function["orders-api"].function_name == "bbws-dev-orders-api" && module.function["orders-api"].alias_name == "live"
    error_message = "functions are named bbws-<env>-<function> behind the live alias"
  }

  assert {
    condition     = output.tables == { campaigns = "bbws-dev-campaigns", orders = "bbws-dev-orders", products = "bbws-dev-products", tenants = "bbws-dev-tenants" }
    error_message = "one table per service, named bbws-<env>-<service>"
  }

  assert {
    condition     = contains(output.release_alarm_names, "bbws-dev-orders-consumer-errors") && contains(output.release_alarm_names, "bbws-dev-api-5xx")
    error_message = "releases watch the functions' and the APIs' alarms"
  }

  assert {
    condition     = length(output.release_alarm_names) == 8 * 3 + 2 * 2
    error_message = "three alarms per function, two per API"
  }

  assert {
    condition = join(",", output.email_alarm_names) == join(",", [
      "bbws-dev-ses-bounce-rate-pause", "bbws-dev-ses-bounce-rate-review",
      "bbws-dev-ses-complaint-rate-pause", "bbws-dev-ses-complaint-rate-review",
    ])
    error_message = "bounce and complaint rate alarms at AWS's review and pause levels"
  }

  assert {
    condition = (
      module.ses.reputation_thresholds["bounce-rate-pause"] == 0.10 && module.ses.reputation_thresholds["complaint-rate-pause"] == 0.005
      && module.ses.reputation_thresholds["bounce-rate-review"] == 0.05 && module.ses.reputation_thresholds["complaint-rate-review"] == 0.001
    )
    error_message = "AWS pauses an account at a 10 % bounce or 0.5 % complaint rate, reviews it at 5 % or 0.1 %"
  }

  assert {
    condition     = length(setintersection(output.email_alarm_names, output.release_alarm_names)) == 0
    error_message = "the account's reputation never rolls a release back"
  }

  assert {
    condition     = aws_sns_topic_subscription.email_events.raw_message_delivery && aws_sns_topic_subscription.email_events.protocol == "sqs"
    error_message = "SES events reach the email-events queue raw"
  }

  assert {
    condition     = module.queue["email-events"].name == "bbws-dev-email-events"
    error_message = "the email-events queue is named like the others"
  }
  assert {
    condition     = alltrue([for function in module.function : function.snap_start == "PublishedVersions"])
    error_message = "SnapStart is on for every function's published versions by default"
  }
}

run "snap_start_can_be_turned_off_for_a_region_that_lacks_it" {
  command = apply

  variables {
    snap_start = false
  }

  assert {
    condition     = alltrue([for function in module.function : function.snap_start == "None"])
    error_message = "snap_start = false leaves SnapStart off on every function"
  }
}

run "prod_protects_its_data" {
  command = plan

  variables {
    environment         = "prod"
    deletion_protection = true
  }

  assert {
    condition     = alltrue([for table in module.table : table.name != ""])
    error_message = "tables are planned"
  }
}
