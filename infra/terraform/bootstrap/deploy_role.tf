# The role the GitHub workflows assume through OIDC (no stored keys) to run `bbws deploy`,
# `release`, `rollback`, `promote` and `smoke` for this environment. It may touch only this
# environment's functions and artifacts bucket, publish release notices to its alarm topic and,
# where the environment takes pre-release backups, back its tables up (never restore, never
# write a table); Terraform itself is applied by an operator (docs/operations.md).

variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflows deploy (jobs with `environment: <env>`)."
  type        = string
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when the account already has one)."
  type        = bool
  default     = true
}

locals {
  github_oidc_url   = "token.actions.githubusercontent.com"
  deploy_role_name  = "bbws-github-deploy-${local.environment}"
  function_arn_glob = "arn:aws:lambda:${local.target.region}:${local.target.account_id}:function:bbws-${local.environment}-*"
  # The artifacts bucket of the environment this one receives promotions from.
  previous_environment = one([for name, account in local.accounts : name if account.next == local.environment])
  # Pre-release backups (release_backups in the definition): `bbws release` backs up the tables.
  release_backups = try(local.definitions[local.environment].release_backups.before_release, false)
  table_arn_glob  = "arn:aws:dynamodb:${local.target.region}:${local.target.account_id}:table/bbws-${local.environment}-*"
  alarm_topic_arn = "arn:aws:sns:${local.target.region}:${local.target.account_id}:bbws-${local.environment}-alarms"
  previous_artifacts = local.previous_environment == null ? null : (
    "arn:aws:s3:::bbws-artifacts-${local.accounts[local.previous_environment].account_id}-${local.accounts[local.previous_environment].region}"
  )
}

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_github_oidc_provider ? 1 : 0
  url            = "https://${local.github_oidc_url}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "deploy_trust" {
  #checkov:skip=CKV_AWS_358:the sub claim is pinned exactly (StringEquals) to repo:<github_repository>:environment:<env>; checkov cannot resolve the required variable
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${local.target.account_id}:oidc-provider/${local.github_oidc_url}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_url}:aud"
      values   = ["sts.amazonaws.com"]
    }
    # Only jobs of this repository running in the GitHub environment of the same name (where
    # prod's required approvals apply).
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_url}:sub"
      values   = ["repo:${var.github_repository}:environment:${local.environment}"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = local.deploy_role_name
  assume_role_policy   = data.aws_iam_policy_document.deploy_trust.json
  max_session_duration = 3600
  depends_on           = [aws_iam_openid_connect_provider.github]
}

data "aws_iam_policy_document" "deploy" {
  #checkov:skip=CKV_AWS_356:only cloudwatch:DescribeAlarms, ses:GetAccount and dynamodb:ListBackups have "*": the release lists every metric alarm and keeps those of its functions, deploy and smoke read whether SES is in the sandbox, a resumed release finds its backups; all three only read, and none has a resource type
  statement {
    sid = "ShipCodeAndMoveAliases"
    actions = [
      "lambda:GetFunction",
      "lambda:GetFunctionConfiguration",
      "lambda:UpdateFunctionCode",
      "lambda:PublishVersion",
      "lambda:GetAlias",
      "lambda:CreateAlias",
      "lambda:UpdateAlias",
      "lambda:DeleteAlias", # only the `live` a first release created, given back on alarm (docs/delivery.md)
    ]
    resources = [local.function_arn_glob]
  }

  statement {
    sid     = "ArtifactsAndReleaseRecords"
    actions = ["s3:GetObject", "s3:PutObject"]
    resources = [
      "${aws_s3_bucket.this["artifacts"].arn}/artifacts/*",
      "${aws_s3_bucket.this["artifacts"].arn}/manifests/*",
      "${aws_s3_bucket.this["artifacts"].arn}/releases/*",
    ]
  }

  statement {
    # Without ListBucket a missing key answers 403 instead of 404.
    sid       = "FindArtifacts"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.this["artifacts"].arn]
  }

  dynamic "statement" {
    for_each = local.previous_artifacts == null ? [] : [local.previous_artifacts]
    content {
      sid       = "PromoteFromThePreviousEnvironment"
      actions   = ["s3:GetObject"]
      resources = ["${statement.value}/artifacts/*", "${statement.value}/manifests/*", "${statement.value}/releases/*"]
    }
  }

  statement {
    # A release watches the functions' alarms; DescribeAlarms has no resource-level scope.
    sid       = "WatchAlarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = ["*"]
  }

  statement {
    # deploy, promote and smoke report whether SES is still in the sandbox (account-level read).
    sid       = "ReadSesAccount"
    actions   = ["ses:GetAccount"]
    resources = ["*"]
  }

  statement {
    # Release start, rollbacks and completion go to the environment's alarm topic.
    sid       = "PublishReleaseNotices"
    actions   = ["sns:Publish"]
    resources = [local.alarm_topic_arn]
  }

  statement {
    # The alarm topic is encrypted with the environment's data key: usable through SNS only.
    sid       = "EncryptReleaseNotices"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["arn:aws:kms:${local.target.region}:${local.target.account_id}:key/*"]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sns.${local.target.region}.amazonaws.com"]
    }
  }

  dynamic "statement" {
    for_each = local.release_backups ? [1] : []
    content {
      sid       = "PreReleaseBackups"
      actions   = ["dynamodb:CreateBackup"]
      resources = [local.table_arn_glob]
    }
  }

  dynamic "statement" {
    for_each = local.release_backups ? [1] : []
    content {
      # Waiting for them, and deleting those past the retention (never a table).
      sid       = "WatchAndExpireBackups"
      actions   = ["dynamodb:DescribeBackup", "dynamodb:DeleteBackup"]
      resources = ["${local.table_arn_glob}/backup/*"]
    }
  }

  dynamic "statement" {
    for_each = local.release_backups ? [1] : []
    content {
      sid       = "FindBackups"
      actions   = ["dynamodb:ListBackups"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "deploy" {
  name   = "deploy"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}

output "deploy_role_arn" {
  description = "Role the workflows assume (role-to-assume)."
  value       = aws_iam_role.deploy.arn
}
