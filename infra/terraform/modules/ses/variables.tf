variable "name" {
  description = "Name of the SES configuration set."
  type        = string
}

variable "from_email" {
  description = "Address the emails are sent from."
  type        = string
}

variable "domain" {
  description = "Domain to verify with DKIM instead of the single address (null: verify the address)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the SES resources."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Key encrypting the email-events topic."
  type        = string
}

variable "event_types" {
  description = "SES events published to the email-events topic."
  type        = list(string)
  default     = ["bounce", "complaint", "reject"]
}

variable "alarm_actions" {
  description = "Where the reputation alarms notify (ALARM and OK)."
  type        = list(string)
  default     = []
}

variable "bounce_rate_review" {
  description = "Bounce rate (0-1) at which AWS places the account under review."
  type        = number
  default     = 0.05
}

variable "bounce_rate_pause" {
  description = "Bounce rate (0-1) at which AWS may pause the account's sending."
  type        = number
  default     = 0.10
}

variable "complaint_rate_review" {
  description = "Complaint rate (0-1) at which AWS places the account under review."
  type        = number
  default     = 0.001
}

variable "complaint_rate_pause" {
  description = "Complaint rate (0-1) at which AWS may pause the account's sending."
  type        = number
  default     = 0.005
}
