# The prod environment: account 093646564004, region af-south-1 (SPEC section 6).

terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # State bucket and lock table come from infra/terraform/bootstrap (docs/operations.md).
  backend "s3" {
    bucket         = "bbws-tfstate-093646564004"
    key            = "bbws/prod/terraform.tfstate"
    region         = "af-south-1"
    dynamodb_table = "bbws-tfstate-lock"
    encrypt        = true
  }
}

locals {
  # The release being deployed (bbws package): each function is created from its artifact,
  # for the architecture it was built for.
  manifest    = jsondecode(file(var.artifact_manifest))
  environment = "prod"
  account_id  = "093646564004"
  region      = "af-south-1"
}

provider "aws" {
  region = local.region
  # A plan or apply with credentials of any other account fails before touching anything.
  allowed_account_ids = [local.account_id]

  default_tags {
    tags = {
      Project     = "bbws"
      Environment = local.environment
      ManagedBy   = "terraform"
    }
  }
}

module "stack" {
  source = "../../stack"

  environment      = local.environment
  artifacts_bucket = "bbws-artifacts-${local.account_id}-${local.region}"
  artifacts = {
    for name, artifact in local.manifest.functions : name => artifact.sha256
  }
  architecture              = local.manifest.architecture
  log_level                 = var.log_level
  log_retention_days        = var.log_retention_days
  reserved_concurrency      = var.reserved_concurrency
  deletion_protection       = var.deletion_protection
  alarm_emails              = var.alarm_emails
  from_email                = var.from_email
  email_domain              = var.email_domain
  internal_emails           = var.internal_emails
  api_throttle_rate_limit   = var.api_throttle_rate_limit
  api_throttle_burst_limit  = var.api_throttle_burst_limit
  storefront_rate_limit     = var.storefront_rate_limit
  storefront_burst_limit    = var.storefront_burst_limit
  storefront_daily_quota    = var.storefront_daily_quota
  manage_apigateway_account = var.manage_apigateway_account
}
