output "name" {
  description = "Name of the queue."
  value       = aws_sqs_queue.this.name
}

output "url" {
  description = "URL of the queue."
  value       = aws_sqs_queue.this.url
}

output "arn" {
  description = "ARN of the queue."
  value       = aws_sqs_queue.this.arn
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.dlq.url
}

output "visibility_timeout" {
  description = "Visibility timeout of the queue in seconds."
  value       = aws_sqs_queue.this.visibility_timeout_seconds
}

output "alarm_names" {
  description = "Alarms of the queue and its dead-letter queue."
  value       = [aws_cloudwatch_metric_alarm.dlq_depth.alarm_name, aws_cloudwatch_metric_alarm.oldest_message.alarm_name]
}
