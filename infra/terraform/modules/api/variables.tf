variable "name" {
  description = "Name of the REST API, for example bbws-dev-api."
  type        = string
}

variable "stage_name" {
  description = "Stage the API is deployed to."
  type        = string
  default     = "v1"
}

variable "functions" {
  description = "Every function a route names, by its name in the function table: its deployed name, alias and the alias's API Gateway invoke URI."
  type = map(object({
    function_name = string
    alias_name    = string
    invoke_arn    = string
  }))
}

variable "authorize_every_route" {
  description = "Staff mode: every route needs a Cognito token, so admins get their extras on the otherwise public routes (no API key or usage plan)."
  type        = bool
  default     = false
}

variable "user_pool_arn" {
  description = "Cognito user pool whose ID tokens the authorizer accepts on `token` routes."
  type        = string
}

variable "throttle_rate_limit" {
  description = "Steady-state requests per second the stage accepts."
  type        = number
  default     = 100
}

variable "throttle_burst_limit" {
  description = "Burst of requests the stage accepts."
  type        = number
  default     = 200
}

variable "storefront_rate_limit" {
  description = "Requests per second the storefront's API key may send."
  type        = number
  default     = 20
}

variable "storefront_burst_limit" {
  description = "Burst the storefront's API key may send."
  type        = number
  default     = 40
}

variable "storefront_daily_quota" {
  description = "Requests per day the storefront's API key may send."
  type        = number
  default     = 50000
}

variable "kms_key_arn" {
  description = "Key that encrypts the access log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days the access logs are kept."
  type        = number
}

variable "latency_threshold_ms" {
  description = "p95 latency (ms) that means the API is slow."
  type        = number
  default     = 2000
}

variable "server_error_threshold" {
  description = "5xx responses per minute that count as a breaching minute."
  type        = number
  default     = 1
}

variable "manage_account_logging_role" {
  description = "Set the region's API Gateway CloudWatch role (one per account and region); false when something else manages it."
  type        = bool
  default     = true
}

variable "alarm_actions" {
  description = "Where alarm and OK notifications go (SNS topic ARNs)."
  type        = list(string)
}

variable "tags" {
  description = "Tags for the API's resources."
  type        = map(string)
  default     = {}
}
