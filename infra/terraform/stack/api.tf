# The REST APIs over the API functions' live aliases, and the environment's dashboard.
#
# API Gateway cannot make a token optional: a route either has the Cognito authorizer or not.
# The public API leaves the `public` routes open, so callers there are anonymous (no claims
# reach the function). The staff API serves the very same routes and functions with the token
# required on every route, so an admin gets the admin view of the catalog and campaigns
# (`?includeInactive=true`, inactive items by id) there. See docs/operations.md.

locals {
  api_functions = {
    for name, function in local.functions : name => {
      function_name = module.function[name].function_name
      alias_name    = module.function[name].alias_name
      invoke_arn    = module.function[name].alias_invoke_arn
    } if function.queue == null
  }
}

module "api" {
  source = "../modules/api"

  name                        = "${local.prefix}-api"
  functions                   = local.api_functions
  user_pool_arn               = module.cognito.user_pool_arn
  throttle_rate_limit         = var.api_throttle_rate_limit
  throttle_burst_limit        = var.api_throttle_burst_limit
  storefront_rate_limit       = var.storefront_rate_limit
  storefront_burst_limit      = var.storefront_burst_limit
  storefront_daily_quota      = var.storefront_daily_quota
  manage_account_logging_role = var.manage_apigateway_account
  kms_key_arn                 = aws_kms_key.data.arn
  log_retention_days          = var.log_retention_days
  alarm_actions               = [aws_sns_topic.alarms.arn]
  tags                        = local.tags
}

module "staff_api" {
  source = "../modules/api"

  name                        = "${local.prefix}-staff-api"
  functions                   = local.api_functions
  authorize_every_route       = true
  user_pool_arn               = module.cognito.user_pool_arn
  throttle_rate_limit         = var.api_throttle_rate_limit
  throttle_burst_limit        = var.api_throttle_burst_limit
  manage_account_logging_role = false # the public API's module sets the region's logging role
  kms_key_arn                 = aws_kms_key.data.arn
  log_retention_days          = var.log_retention_days
  alarm_actions               = [aws_sns_topic.alarms.arn]
  tags                        = local.tags

  depends_on = [module.api]
}

module "dashboard" {
  source = "../modules/dashboard"

  name   = local.prefix
  region = local.region
  apis = {
    public = { name = module.api.name, stage = module.api.stage_name }
    staff  = { name = module.staff_api.name, stage = module.staff_api.stage_name }
  }
  functions = local.function_names
  queues = {
    for key, queue in module.queue : key => { name = queue.name, dlq_name = queue.dlq_name }
  }
  email_alarm_arns = module.ses.alarm_arns
}
