variable "artifact_manifest" {
  description = "dist/manifest.json of the release (bbws package); each function is created from the artifact it names."
  type        = string
  default     = "../../../../dist/manifest.json"
}

variable "log_level" {
  description = "LOG_LEVEL of every function."
  type        = string
}

variable "log_retention_days" {
  description = "Days function and access logs are kept."
  type        = number
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions by function name (unlisted: unreserved)."
  type        = map(number)
  default     = {}
}

variable "deletion_protection" {
  description = "Protect tables and the user pool against deletion."
  type        = bool
}

variable "alarm_emails" {
  description = "Who is emailed when an alarm fires or clears."
  type        = list(string)
  default     = []
}

variable "from_email" {
  description = "Address notifications are sent from."
  type        = string
}

variable "email_domain" {
  description = "Domain verified in SES with DKIM (null: only the from address)."
  type        = string
  default     = null
}

variable "internal_emails" {
  description = "Who receives the internal order notification."
  type        = list(string)
}

variable "api_throttle_rate_limit" {
  description = "Steady-state requests per second of the API stage."
  type        = number
}

variable "api_throttle_burst_limit" {
  description = "Request burst of the API stage."
  type        = number
}

variable "storefront_rate_limit" {
  description = "Requests per second of the storefront's API key."
  type        = number
}

variable "storefront_burst_limit" {
  description = "Request burst of the storefront's API key."
  type        = number
}

variable "storefront_daily_quota" {
  description = "Requests per day of the storefront's API key."
  type        = number
}

variable "manage_apigateway_account" {
  description = "Let this environment set the region's API Gateway CloudWatch logging role."
  type        = bool
  default     = true
}
