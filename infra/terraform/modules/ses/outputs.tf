output "identity_arn" {
  description = "ARN of the sending identity (the resource of ses:SendEmail)."
  value       = aws_sesv2_email_identity.this.arn
}

output "configuration_set_arn" {
  description = "ARN of the configuration set (also a resource of ses:SendEmail)."
  value       = aws_sesv2_configuration_set.this.arn
}

output "dkim_tokens" {
  description = "CNAME records to publish for a domain identity (<token>._domainkey -> <token>.dkim.amazonses.com)."
  value       = try(aws_sesv2_email_identity.this.dkim_signing_attributes[0].tokens, [])
}

output "events_topic_arn" {
  description = "SNS topic of the configuration set's bounces, complaints and rejects."
  value       = aws_sns_topic.events.arn
}

output "alarm_names" {
  description = "The reputation alarms (bounce and complaint rate, review and pause levels)."
  value       = sort([for alarm in aws_cloudwatch_metric_alarm.reputation : alarm.alarm_name])
}

output "alarm_arns" {
  description = "ARNs of the reputation alarms (the dashboard's alarm widget)."
  value       = sort([for alarm in aws_cloudwatch_metric_alarm.reputation : alarm.arn])
}

output "reputation_thresholds" {
  description = "Threshold of each reputation alarm, by its name suffix."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.reputation : key => alarm.threshold }
}
