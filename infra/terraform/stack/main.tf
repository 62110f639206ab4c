# One environment of the platform: names, the data key, the alarm topic. The functions, data
# stores and API are in functions.tf, data.tf and api.tf.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  prefix     = "${var.name_prefix}-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix

  tags = {
    Project     = "bbws"
    Environment = var.environment
  }

  # Tables come from the code (tests.infra.codegen writes tables.json from dal/schema.py).
  tables      = jsondecode(file("${path.module}/tables.json")).tables
  table_names = { for key in keys(local.tables) : key => "${local.prefix}-${key}" }
  # ARNs are built from names (not module outputs) so the functions' policies never wait on,
  # or loop through, the resources they name.
  table_arns = {
    for key, name in local.table_names : key => "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${name}"
  }

  queue_keys  = ["orders", "notifications", "email-events"] # bbws.local.provision.QUEUES and TOPIC_QUEUES
  queue_names = { for key in local.queue_keys : key => "${local.prefix}-${key}" }
  queue_arns  = { for key, name in local.queue_names : key => "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${name}" }
  queue_urls  = { for key, name in local.queue_names : key => "https://sqs.${local.region}.${local.dns_suffix}/${local.account_id}/${name}" }

  templates_bucket_name = "${local.prefix}-templates-${local.account_id}"
  templates_bucket_arn  = "arn:${local.partition}:s3:::${local.templates_bucket_name}"
  templates_prefix      = "email-templates/"
  templates_dir         = "${path.module}/../../../templates/email"
}

# One customer managed key for the environment's data at rest: tables, queues, templates,
# logs and the alarm topic. Function roles may use it only through those services.
resource "aws_kms_key" "data" {
  description             = "${local.prefix} data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # Principal "*" narrowed by conditions (as AWS managed keys do) rather than the roles
        # themselves: a key policy naming roles needs them to exist first, and the functions'
        # log groups need this key first.
        Sid       = "FunctionsUseTheKeyThroughTheirDataServices"
        Effect    = "Allow"
        Principal = { AWS = "*" }
        # What DynamoDB, SQS, S3 and Secrets Manager (the cursor secret) ask KMS for on the caller's behalf (AWS's documented set
        # for these services, without CreateGrant, which only table creation needs).
        Action   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource = "*"
        Condition = {
          StringEquals = {
            "kms:CallerAccount" = local.account_id
            "kms:ViaService"    = [for service in ["dynamodb", "sqs", "s3", "secretsmanager"] : "${service}.${local.region}.${local.dns_suffix}"]
          }
          ArnEquals = {
            "aws:PrincipalArn" = local.kms_function_roles
          }
        }
      },
      {
        Sid       = "CloudWatchLogsEncryptsLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.${local.dns_suffix}" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"
          }
        }
      },
      {
        # SES publishes the configuration set's events to the encrypted email-events topic.
        Sid       = "SesPublishesToTheEncryptedEventsTopic"
        Effect    = "Allow"
        Principal = { Service = "ses.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
      {
        # SNS delivers the email-events topic to its encrypted queue.
        Sid       = "SnsDeliversToTheEncryptedQueue"
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
      {
        Sid       = "CloudWatchAlarmsPublishToTheEncryptedTopic"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
    ]
  })
  tags = local.tags
}

resource "aws_kms_alias" "data" {
  name          = "alias/${local.prefix}-data"
  target_key_id = aws_kms_key.data.key_id
}

resource "aws_sns_topic" "alarms" {
  name              = "${local.prefix}-alarms"
  kms_master_key_id = aws_kms_key.data.arn
  tags              = local.tags
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "CloudWatchAlarmsOfThisAccount"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_sns_topic_subscription" "alarm_email" {
  for_each  = toset(var.alarm_emails)
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}
