# The SES identity the notifications consumer sends from, with a configuration set that
# requires TLS to the receiving mail server, records reputation metrics, suppresses bounced and
# complaining addresses, and publishes every bounce, complaint and reject to an SNS topic (the
# email-events consumer's queue subscribes to it). The reputation alarms are in alarms.tf.

data "aws_caller_identity" "current" {}

locals {
  identity = coalesce(var.domain, var.from_email)
}

resource "aws_sesv2_configuration_set" "this" {
  configuration_set_name = var.name

  delivery_options {
    tls_policy = "REQUIRE"
  }

  reputation_options {
    reputation_metrics_enabled = true
  }

  sending_options {
    sending_enabled = true
  }

  # Emails of this set are never delivered to an address on the account's suppression list for
  # either reason (the email-events consumer adds hard bounces and complaints to it).
  suppression_options {
    suppressed_reasons = ["BOUNCE", "COMPLAINT"]
  }

  tags = var.tags
}

resource "aws_sesv2_email_identity" "this" {
  email_identity         = local.identity
  configuration_set_name = aws_sesv2_configuration_set.this.configuration_set_name
  tags                   = var.tags
}

# Bounces, complaints and rejects of every email sent with the set (the identity's default set,
# so every email the platform sends).
resource "aws_sns_topic" "events" {
  name              = "${var.name}-email-events"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "events_topic" {
  statement {
    sid       = "SesPublishesThisConfigurationSetsEvents"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.events.arn]
    principals {
      type        = "Service"
      identifiers = ["ses.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "AWS:SourceArn"
      values   = [aws_sesv2_configuration_set.this.arn]
    }
  }
}

resource "aws_sns_topic_policy" "events" {
  arn    = aws_sns_topic.events.arn
  policy = data.aws_iam_policy_document.events_topic.json
}

# The SES v1 resource: the emulator (moto) implements configuration set event destinations
# only in its v1 API; in AWS both APIs manage the same destinations.
resource "aws_ses_event_destination" "events" {
  name                   = "${var.name}-feedback"
  configuration_set_name = aws_sesv2_configuration_set.this.configuration_set_name
  enabled                = true
  matching_types         = var.event_types

  sns_destination {
    topic_arn = aws_sns_topic.events.arn
  }

  depends_on = [aws_sns_topic_policy.events]
}
