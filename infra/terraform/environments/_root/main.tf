# The root configuration of every environment. infra/terraform/environments/<env>/ links this
# file and outputs.tf, and adds its one definition, environment.tf.json: the S3 backend and
# `local.environment` (name, account, region, promotion, protection, settings). A new
# environment, or other AWS accounts, change that file only (docs/operations.md).

terraform {
  # 1.10: the S3 backend's own lock file (use_lockfile) replaces the DynamoDB lock table.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }
}

variable "artifact_manifest" {
  description = "dist/manifest.json of the release (bbws package); each function is created from the artifact it names."
  type        = string
  default     = "../../../../dist/manifest.json"
}

locals {
  # The release being deployed (bbws package): each function is created from its artifact,
  # for the architecture it was built for.
  manifest = jsondecode(file(var.artifact_manifest))

  # Settings an environment may leave out get the stack's default (its variables are
  # non-nullable, so null selects the default).
  settings = merge({
    log_level                 = null
    reserved_concurrency      = null
    alarm_emails              = null
    email_domain              = null
    manage_apigateway_account = null
    snap_start                = null
  }, local.environment.settings)
}

provider "aws" {
  region = local.environment.region
  # A plan or apply with credentials of any other account fails before touching anything.
  allowed_account_ids = [local.environment.account_id]

  default_tags {
    tags = {
      Project     = "bbws"
      Environment = local.environment.name
      ManagedBy   = "terraform"
    }
  }
}

module "stack" {
  source = "../../stack"

  environment = local.environment.name
  # bbws.delivery.accounts.Environment.artifacts_bucket, created by infra/terraform/bootstrap.
  artifacts_bucket = "bbws-artifacts-${local.environment.account_id}-${local.environment.region}"
  artifacts = {
    for name, artifact in local.manifest.functions : name => artifact.sha256
  }
  architecture              = local.manifest.architecture
  deletion_protection       = local.environment.protected
  log_level                 = local.settings.log_level
  log_retention_days        = local.settings.log_retention_days
  reserved_concurrency      = local.settings.reserved_concurrency
  alarm_emails              = local.settings.alarm_emails
  from_email                = local.settings.from_email
  email_domain              = local.settings.email_domain
  internal_emails           = local.settings.internal_emails
  api_throttle_rate_limit   = local.settings.api_throttle_rate_limit
  api_throttle_burst_limit  = local.settings.api_throttle_burst_limit
  storefront_rate_limit     = local.settings.storefront_rate_limit
  storefront_burst_limit    = local.settings.storefront_burst_limit
  storefront_daily_quota    = local.settings.storefront_daily_quota
  manage_apigateway_account = local.settings.manage_apigateway_account
  snap_start                = local.settings.snap_start
}
