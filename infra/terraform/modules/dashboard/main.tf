# One CloudWatch dashboard per environment: both APIs, every function (through its live
# alias), every queue and dead-letter queue, and SES's reputation. The widgets are in body.tf.

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({ widgets = concat(local.api_widgets, local.function_widgets, local.queue_widgets, local.email_widgets) })
}
