# The SES identity the notifications consumer sends from, with a configuration set that
# requires TLS to the receiving mail server and records reputation metrics.

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

  tags = var.tags
}

resource "aws_sesv2_email_identity" "this" {
  email_identity         = local.identity
  configuration_set_name = aws_sesv2_configuration_set.this.configuration_set_name
  tags                   = var.tags
}
