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
