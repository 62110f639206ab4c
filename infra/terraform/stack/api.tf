# The REST API over the API functions' live aliases, and the environment's dashboard.

module "api" {
  source = "../modules/api"

  name = "${local.prefix}-api"
  functions = {
    for name, function in local.functions : name => {
      function_name = module.function[name].function_name
      alias_name    = module.function[name].alias_name
      invoke_arn    = module.function[name].alias_invoke_arn
    } if function.queue == null
  }
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

module "dashboard" {
  source = "../modules/dashboard"

  name      = local.prefix
  region    = local.region
  api_name  = module.api.name
  api_stage = module.api.stage_name
  functions = local.function_names
  queues = {
    for key, queue in module.queue : key => { name = queue.name, dlq_name = queue.dlq_name }
  }
}
