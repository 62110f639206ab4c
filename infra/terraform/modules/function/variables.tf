variable "name" {
  description = "Full function name, for example bbws-dev-products-api."
  type        = string
}

variable "handler" {
  description = "Lambda handler, dotted module path then the function (module.attribute)."
  type        = string
}

variable "architecture" {
  description = "Instruction set the artifact was packaged for."
  type        = string
  default     = "x86_64"
  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "memory_size" {
  description = "Memory in MB (CPU scales with it)."
  type        = number
  default     = 512
}

variable "timeout" {
  description = "Timeout in seconds. Queues derive their visibility timeout from it."
  type        = number
  default     = 10
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1 leaves the function on the account's unreserved pool."
  type        = number
  default     = -1
}

variable "environment_variables" {
  description = "Exactly the settings (SPEC section 6) the function's code reads."
  type        = map(string)
}

variable "artifacts_bucket" {
  description = "Bucket that `bbws deploy` uploads packaged zips to."
  type        = string
}

variable "artifact_sha256" {
  description = "sha256 of the zip the function is created from (artifacts/<sha256>.zip)."
  type        = string
  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.artifact_sha256))
    error_message = "artifact_sha256 must be a lowercase hex sha256."
  }
}

variable "code_statements" {
  description = "What the function's code calls: least-privilege statements on its own resources only."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []
}

variable "event_source_queue_arn" {
  description = "Queue that Lambda polls for this function (consumers only); grants the poller's actions on it."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "Key that encrypts the function's log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days the function's logs are kept."
  type        = number
}

variable "alarm_actions" {
  description = "Where alarm and OK notifications go (SNS topic ARNs)."
  type        = list(string)
}

variable "error_threshold" {
  description = "Errors per minute that count as a breaching minute."
  type        = number
  default     = 1
}

variable "tags" {
  description = "Tags for every resource of the function."
  type        = map(string)
  default     = {}
}

variable "snap_start" {
  description = "Lambda SnapStart on the function's published versions."
  type        = bool
  default     = false
  nullable    = false
}
