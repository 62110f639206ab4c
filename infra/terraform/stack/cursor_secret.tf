# The secret that signs the API's list cursors (bbws.core.cursor_keys; docs/security.md): random
# bytes from Secrets Manager, written once as a write-only value (never in the state or plan).
# Rotation: raise cursor_secret_version. Secrets Manager then labels the new value AWSCURRENT and
# the old one AWSPREVIOUS; cursors signed with either stay valid, each naming its key.

locals {
  cursor_secret_name = "${local.prefix}-cursor-secret"
  # Built from the name (Secrets Manager appends "-" and six random characters) so the functions'
  # policies do not wait on the secret, which waits on the data key, whose policy names them.
  cursor_secret_arn = "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${local.cursor_secret_name}-??????"
}

data "aws_secretsmanager_random_password" "cursor" {
  password_length     = 64
  exclude_punctuation = true
  include_space       = false
}

resource "aws_secretsmanager_secret" "cursor" {
  #checkov:skip=CKV2_AWS_57:rotation is a Terraform change (cursor_secret_version) keeping the previous value valid; a rotation Lambda would add a function for a key whose leak only lets someone page inside their own partition (the decoded keys are checked against the query)
  name                    = local.cursor_secret_name
  description             = "Signs the list cursors of the ${local.prefix} API"
  kms_key_id              = aws_kms_key.data.arn
  recovery_window_in_days = var.deletion_protection ? 30 : 0
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "cursor" {
  secret_id                = aws_secretsmanager_secret.cursor.id
  secret_string_wo         = data.aws_secretsmanager_random_password.cursor.random_password
  secret_string_wo_version = var.cursor_secret_version
}
