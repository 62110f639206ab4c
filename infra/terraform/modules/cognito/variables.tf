variable "name" {
  description = "User pool name."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to delete the user pool (on in prod)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the user pool."
  type        = map(string)
  default     = {}
}
