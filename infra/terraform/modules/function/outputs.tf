output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "alias_name" {
  description = "Name of the alias that API Gateway and event sources invoke."
  value       = aws_lambda_alias.live.name
}

output "alias_arn" {
  description = "ARN of the live alias. Ready only once the role's policies exist, so an event source mapping created from it can already poll."
  value       = aws_lambda_alias.live.arn
  depends_on  = [aws_iam_role_policy.runtime, aws_iam_role_policy.code]
}

output "alias_invoke_arn" {
  description = "API Gateway integration URI of the live alias."
  value       = aws_lambda_alias.live.invoke_arn
}

output "role_name" {
  description = "Name of the function's own IAM role."
  value       = aws_iam_role.this.name
}

output "log_group_name" {
  description = "Log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "alarm_names" {
  description = "Alarms a release watches while shifting traffic (any in ALARM rolls back)."
  value = [
    aws_cloudwatch_metric_alarm.errors.alarm_name,
    aws_cloudwatch_metric_alarm.throttles.alarm_name,
    aws_cloudwatch_metric_alarm.duration.alarm_name,
  ]
}

output "role_arn" {
  description = "ARN of the function's own IAM role."
  value       = aws_iam_role.this.arn
}

output "snap_start" {
  description = "What SnapStart applies to: PublishedVersions, or None."
  value       = try(one(aws_lambda_function.this.snap_start).apply_on, "None")
}
