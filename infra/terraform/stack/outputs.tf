output "api_base_url" {
  description = "Base URL of the API including /v1.0 (bbws smoke --base-url)."
  value       = module.api.base_url
}

output "staff_api_base_url" {
  description = "Base URL of the staff API (every route needs a token; admins' view of public routes)."
  value       = module.staff_api.base_url
}

output "storefront_api_key_id" {
  description = "ID of the storefront's API key."
  value       = module.api.storefront_api_key_id
}

output "user_pool_id" {
  description = "Cognito user pool of tenant users and administrators."
  value       = module.cognito.user_pool_id
}

output "user_pool_client_id" {
  description = "App client to sign in with."
  value       = module.cognito.client_id
}

output "functions" {
  description = "Deployed name and live alias of each function, by its name in the function table (what bbws deploy and release act on)."
  value = {
    for name, function in module.function : name => {
      function_name = function.function_name
      alias_name    = function.alias_name
      alarm_names   = function.alarm_names
    }
  }
}

output "release_alarm_names" {
  description = "Every alarm a canary release watches; any in ALARM rolls the release back."
  value = sort(concat(
    flatten([for function in module.function : function.alarm_names]),
    module.api.alarm_names,
    module.staff_api.alarm_names,
  ))
}

output "queues" {
  description = "URLs of the work queues and their dead-letter queues."
  value = {
    for key, queue in module.queue : key => { url = queue.url, dlq_url = queue.dlq_url }
  }
}

output "tables" {
  description = "Table names by service."
  value       = { for key, table in module.table : key => table.name }
}

output "templates_bucket" {
  description = "Bucket of the email templates."
  value       = module.templates_bucket.name
}

output "ses_dkim_tokens" {
  description = "DKIM CNAME tokens to publish when email_domain is set."
  value       = module.ses.dkim_tokens
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the environment."
  value       = module.dashboard.name
}

output "email_events_topic_arn" {
  description = "SNS topic of SES's bounces, complaints and rejects (the email-events queue subscribes to it)."
  value       = module.ses.events_topic_arn
}

output "email_alarm_names" {
  description = "SES reputation alarms (bounce and complaint rate at AWS's review and pause levels); not watched by releases."
  value       = module.ses.alarm_names
}
