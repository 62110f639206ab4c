# Once per account, before the environment's first `terraform init`: the S3 state bucket (the
# backend locks with a lock file in it) and the artifacts bucket `bbws deploy` uploads to. Run
# it in a workspace named after the environment (`terraform workspace select -or-create dev`)
# with `-var environment=dev`, so each account's bootstrap state stays apart
# (docs/operations.md). Accounts and regions come from the environments' definitions.

terraform {
  # 1.9: the environment's validation reads the definitions.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }
}

variable "environment" {
  description = "An environment defined in ../environments/<name>/environment.tf.json: selects the account and region."
  type        = string
  validation {
    condition     = contains(keys(local.accounts), var.environment)
    error_message = "environment must be one defined under infra/terraform/environments: ${join(", ", sort(keys(local.accounts)))}."
  }
}

locals {
  # Each environment's one definition (environments/<env>/environment.tf.json), and which
  # environment is promoted from it.
  definitions = {
    for file in fileset("${path.module}/../environments", "*/environment.tf.json") :
    dirname(file) => jsondecode(file("${path.module}/../environments/${file}")).locals.environment
  }
  accounts = {
    for name, env in local.definitions : name => {
      account_id = env.account_id
      region     = env.region
      next       = one([for other, candidate in local.definitions : other if candidate.promoted_from == name])
    }
  }
  environment = var.environment
  target      = local.accounts[local.environment]

  # Names the delivery tooling uses (bbws.delivery.accounts.Environment.artifacts_bucket).
  buckets = {
    state     = "bbws-tfstate-${local.target.account_id}"
    artifacts = "bbws-artifacts-${local.target.account_id}-${local.target.region}"
  }

  # Promotion (`bbws promote`) runs with the next environment's deploy role and reads the
  # artifacts that passed here, so that role may read this bucket's artifacts and records.
  promoter = local.target.next == null ? null : {
    account_id = local.accounts[local.target.next].account_id
    role_arn   = "arn:aws:iam::${local.accounts[local.target.next].account_id}:role/bbws-github-deploy-${local.target.next}"
  }
}

provider "aws" {
  region              = local.target.region
  allowed_account_ids = [local.target.account_id]

  default_tags {
    tags = {
      Project     = "bbws"
      Environment = local.environment
      ManagedBy   = "terraform-bootstrap"
    }
  }
}

resource "aws_kms_key" "state" {
  description             = "bbws ${local.environment} Terraform state"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  lifecycle {
    precondition {
      condition     = terraform.workspace == var.environment
      error_message = "select the workspace named after the environment first: terraform workspace select -or-create ${var.environment}"
    }
  }

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministersTheKey"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${local.target.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_kms_alias" "state" {
  name          = "alias/bbws-${local.environment}-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:state and artifact access is recorded by CloudTrail; a log bucket per account adds nothing here
  #checkov:skip=CKV_AWS_144:state is versioned and artifacts are rebuilt byte-identically from git; cross-region replication is not needed
  #checkov:skip=CKV2_AWS_62:nothing reacts to new state versions or artifacts
  #checkov:skip=CKV_AWS_145:state is SSE-KMS; artifacts are SSE-S3 on purpose so the next account can promote them without a cross-account key grant (see the encryption configuration)
  for_each = local.buckets
  bucket   = each.value

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each                = aws_s3_bucket.this
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  rule {
    # State is encrypted with this account's key. Artifacts use S3-managed keys: the next
    # environment's account reads them when promoting, and a KMS key would need a
    # cross-account grant for code that is not secret (it is built from the repository).
    apply_server_side_encryption_by_default {
      sse_algorithm     = each.key == "state" ? "aws:kms" : "AES256"
      kms_master_key_id = each.key == "state" ? aws_kms_key.state.arn : null
    }
    bucket_key_enabled = each.key == "state"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 180
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "bucket" {
  for_each = aws_s3_bucket.this

  dynamic "statement" {
    for_each = each.key == "artifacts" && local.promoter != null ? [local.promoter] : []
    content {
      sid     = "NextEnvironmentPromotesPassedArtifacts"
      actions = ["s3:GetObject"]
      resources = [
        "${each.value.arn}/artifacts/*",
        "${each.value.arn}/manifests/*",
        "${each.value.arn}/releases/*",
      ]
      principals {
        type        = "AWS"
        identifiers = ["arn:aws:iam::${statement.value.account_id}:root"]
      }
      # The account principal is always valid; the condition narrows it to the deploy role,
      # which may not exist yet when this account is bootstrapped.
      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = [statement.value.role_arn]
      }
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each   = aws_s3_bucket.this
  bucket     = each.value.id
  policy     = data.aws_iam_policy_document.bucket[each.key].json
  depends_on = [aws_s3_bucket_public_access_block.this]
}

output "state_bucket" {
  description = "Bucket of the environment's Terraform state and its lock file (backend \"s3\" bucket, use_lockfile)."
  value       = aws_s3_bucket.this["state"].id
}

output "artifacts_bucket" {
  description = "Bucket bbws deploy uploads artifacts/<sha256>.zip to."
  value       = aws_s3_bucket.this["artifacts"].id
}
