# The account's reputation as SES measures it (AWS/SES Reputation.BounceRate and
# Reputation.ComplaintRate, fractions between 0 and 1, per account and region; no dimensions).
# AWS places an account under review at a 5 % bounce rate or a 0.1 % complaint rate, and may
# pause its sending at 10 % or 0.5 % ("Why is my Amazon SES sending account under review or
# paused?", https://repost.aws/knowledge-center/ses-resolve-account-review-pause; "Creating
# reputation monitoring alarms using CloudWatch", SES Developer Guide). One alarm at each.

locals {
  reputation_alarms = {
    "bounce-rate-review" = {
      metric    = "Reputation.BounceRate"
      threshold = var.bounce_rate_review
      what      = "bounce rate at or above ${var.bounce_rate_review * 100} %: AWS places the account under review"
    }
    "bounce-rate-pause" = {
      metric    = "Reputation.BounceRate"
      threshold = var.bounce_rate_pause
      what      = "bounce rate at or above ${var.bounce_rate_pause * 100} %: AWS may pause the account's sending"
    }
    "complaint-rate-review" = {
      metric    = "Reputation.ComplaintRate"
      threshold = var.complaint_rate_review
      what      = "complaint rate at or above ${var.complaint_rate_review * 100} %: AWS places the account under review"
    }
    "complaint-rate-pause" = {
      metric    = "Reputation.ComplaintRate"
      threshold = var.complaint_rate_pause
      what      = "complaint rate at or above ${var.complaint_rate_pause * 100} %: AWS may pause the account's sending"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "reputation" {
  for_each = local.reputation_alarms

  alarm_name          = "${var.name}-ses-${each.key}"
  alarm_description   = "SES ${each.value.what}. See docs/operations.md#ses-reputation."
  namespace           = "AWS/SES"
  metric_name         = each.value.metric
  statistic           = "Maximum"
  period              = 900
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}
