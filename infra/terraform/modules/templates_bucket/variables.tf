variable "name" {
  description = "Bucket name (globally unique)."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed key that encrypts the objects."
  type        = string
}

variable "templates_dir" {
  description = "Directory of the default email templates shipped in the repository."
  type        = string
}

variable "prefix" {
  description = "Key prefix the notifications consumer reads templates from."
  type        = string
  default     = "email-templates/"
}

variable "noncurrent_version_days" {
  description = "Days an overwritten template version is kept (to roll a template back)."
  type        = number
  default     = 90
}

variable "tags" {
  description = "Tags for the bucket."
  type        = map(string)
  default     = {}
}
