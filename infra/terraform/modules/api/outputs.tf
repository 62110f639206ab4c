output "rest_api_id" {
  description = "ID of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "name" {
  description = "Name of the REST API (the ApiName metric dimension)."
  value       = aws_api_gateway_rest_api.this.name
}

output "stage_name" {
  description = "Name of the deployed stage."
  value       = aws_api_gateway_stage.this.stage_name
}

output "base_url" {
  description = "Base URL of the API, ending in the base path /v1.0 (for `bbws smoke --base-url`)."
  value       = "${aws_api_gateway_stage.this.invoke_url}${jsondecode(file("${path.module}/routes.json")).basePath}"
}

output "storefront_api_key_id" {
  description = "ID of the storefront's API key (read its value with `aws apigateway get-api-key --include-value`)."
  value       = one(aws_api_gateway_api_key.storefront[*].id)
}

output "alarm_names" {
  description = "Alarms on the API stage."
  value       = [aws_cloudwatch_metric_alarm.server_errors.alarm_name, aws_cloudwatch_metric_alarm.latency.alarm_name]
}
