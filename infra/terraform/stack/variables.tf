variable "environment" {
  description = "Name of the environment (infra/terraform/environments/<name>): dev, sit, prod or one of your own."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2 to 10 lower-case letters or digits, starting with a letter (it is part of every resource name)."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name; resources are named <prefix>-<environment>-<name>."
  type        = string
  default     = "bbws"
}

variable "artifacts_bucket" {
  description = "Bucket holding the packaged functions as artifacts/<sha256>.zip (created by infra/terraform/bootstrap)."
  type        = string
}

variable "artifacts" {
  description = "sha256 of each function's zip, by function name (from dist/manifest.json); used when a function is created."
  type        = map(string)
}

variable "architecture" {
  description = "Instruction set of every function (x86_64 by default, arm64 supported)."
  type        = string
  default     = "x86_64"
  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of every function."
  type        = string
  default     = "INFO"
  nullable    = false
}

variable "metrics_namespace" {
  description = "POWERTOOLS_METRICS_NAMESPACE of every function."
  type        = string
  default     = "BBWS"
}

variable "log_retention_days" {
  description = "Days function and access logs are kept."
  type        = number
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions by function name; a function not listed uses the unreserved pool (-1)."
  type        = map(number)
  default     = {}
  nullable    = false
}

variable "deletion_protection" {
  description = "Protect the tables and the user pool against deletion (prod)."
  type        = bool
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each confirms by email)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "from_email" {
  description = "FROM_EMAIL: the address notifications are sent from."
  type        = string
}

variable "email_domain" {
  description = "Domain verified in SES with DKIM (null: verify only the from address)."
  type        = string
  default     = null
}

variable "internal_emails" {
  description = "INTERNAL_EMAILS: who receives the internal order notification."
  type        = list(string)
}

variable "api_throttle_rate_limit" {
  description = "Steady-state requests per second the API stage accepts."
  type        = number
}

variable "api_throttle_burst_limit" {
  description = "Request burst the API stage accepts."
  type        = number
}

variable "storefront_rate_limit" {
  description = "Requests per second the storefront's API key may send."
  type        = number
}

variable "storefront_burst_limit" {
  description = "Request burst the storefront's API key may send."
  type        = number
}

variable "storefront_daily_quota" {
  description = "Requests per day the storefront's API key may send."
  type        = number
}

variable "manage_apigateway_account" {
  description = "Let this stack set the region's API Gateway CloudWatch logging role."
  type        = bool
  default     = true
  nullable    = false
}

variable "snap_start" {
  description = "Lambda SnapStart on every function's published versions (Python 3.12+; every commercial region but Asia Pacific New Zealand and Taipei, docs/bench.md). Off only where a region lacks it."
  type        = bool
  default     = true
  nullable    = false
}

variable "cursor_secret_version" {
  description = "Version of the cursor signing secret: raise it to rotate (cursors of the previous version stay valid)."
  type        = number
  default     = 1
  nullable    = false
}
