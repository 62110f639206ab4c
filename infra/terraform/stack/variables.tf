variable "environment" {
  description = "dev, sit or prod (SPEC section 6)."
  type        = string
  validation {
    condition     = contains(["dev", "sit", "prod"], var.environment)
    error_message = "environment must be dev, sit or prod."
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
}

variable "deletion_protection" {
  description = "Protect the tables and the user pool against deletion (prod)."
  type        = bool
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each confirms by email)."
  type        = list(string)
  default     = []
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
}
