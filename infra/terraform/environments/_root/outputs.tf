output "api_base_url" {
  description = "Base URL of the API including /v1.0."
  value       = module.stack.api_base_url
}

output "staff_api_base_url" {
  description = "Base URL of the staff API (token on every route)."
  value       = module.stack.staff_api_base_url
}

output "storefront_api_key_id" {
  description = "ID of the storefront's API key."
  value       = module.stack.storefront_api_key_id
}

output "user_pool_id" {
  description = "Cognito user pool."
  value       = module.stack.user_pool_id
}

output "user_pool_client_id" {
  description = "Cognito app client."
  value       = module.stack.user_pool_client_id
}

output "functions" {
  description = "Deployed name, alias and alarms of each function."
  value       = module.stack.functions
}

output "release_alarm_names" {
  description = "Alarms a canary release watches."
  value       = module.stack.release_alarm_names
}

output "queues" {
  description = "Queue and dead-letter queue URLs."
  value       = module.stack.queues
}

output "tables" {
  description = "Table names by service."
  value       = module.stack.tables
}

output "templates_bucket" {
  description = "Bucket of the email templates."
  value       = module.stack.templates_bucket
}

output "ses_dkim_tokens" {
  description = "DKIM tokens to publish in DNS."
  value       = module.stack.ses_dkim_tokens
}

output "alarm_topic_arn" {
  description = "SNS topic of every alarm."
  value       = module.stack.alarm_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard."
  value       = module.stack.dashboard_name
}

output "email_events_topic_arn" {
  description = "SNS topic of SES's bounces, complaints and rejects."
  value       = module.stack.email_events_topic_arn
}

output "email_alarm_names" {
  description = "SES reputation alarms (bounce and complaint rate)."
  value       = module.stack.email_alarm_names
}
