# Where the platform keeps its state: one table per service, the two work queues with their
# dead-letter queues, the templates bucket, the SES identity and the user pool.

module "table" {
  source   = "../modules/table"
  for_each = local.tables

  name                = local.table_names[each.key]
  definition          = each.value.definition
  ttl_attribute       = each.value.ttlAttribute
  kms_key_arn         = aws_kms_key.data.arn
  deletion_protection = var.deletion_protection
  tags                = merge(local.tags, { Service = each.key })
}

locals {
  # Each queue and the function that consumes it (bbws.core.functions: LambdaFunction.queue).
  consumers = {
    for name, function in local.functions : function.queue => {
      function = name
      timeout  = function.timeout
    } if function.queue != null
  }
}

module "queue" {
  source   = "../modules/queue"
  for_each = local.consumers

  name                    = local.queue_names[each.key]
  kms_key_arn             = aws_kms_key.data.arn
  consumer_alias_arn      = module.function[each.value.function].alias_arn
  consumer_timeout        = each.value.timeout
  max_receive_count       = 5
  batch_size              = 10
  maximum_batching_window = 1
  alarm_actions           = [aws_sns_topic.alarms.arn]
  publisher_topic_arns    = lookup(local.topic_queues, each.key, [])
  tags                    = merge(local.tags, { Service = each.key })
}

locals {
  # Queues fed by an SNS topic rather than by a function (bbws.local.provision.TOPIC_QUEUES).
  topic_queues = { "email-events" = [module.ses.events_topic_arn] }
}

# SES events reach the email-events consumer through its queue: raw delivery, so each message
# body is the SES event itself, and the queue's DLQ and alarms cover it like any other queue.
resource "aws_sns_topic_subscription" "email_events" {
  topic_arn            = module.ses.events_topic_arn
  protocol             = "sqs"
  endpoint             = module.queue["email-events"].arn
  raw_message_delivery = true
}

module "templates_bucket" {
  source = "../modules/templates_bucket"

  name          = local.templates_bucket_name
  kms_key_arn   = aws_kms_key.data.arn
  templates_dir = local.templates_dir
  prefix        = local.templates_prefix
  tags          = merge(local.tags, { Service = "notifications" })
}

module "ses" {
  source = "../modules/ses"

  name          = local.prefix
  from_email    = var.from_email
  domain        = var.email_domain
  kms_key_arn   = aws_kms_key.data.arn
  alarm_actions = [aws_sns_topic.alarms.arn]
  tags          = merge(local.tags, { Service = "notifications" })
}

module "cognito" {
  source = "../modules/cognito"

  name                = local.prefix
  deletion_protection = var.deletion_protection
  tags                = local.tags
}
