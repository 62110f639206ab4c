variable "name" {
  description = "Table name."
  type        = string
}

variable "definition" {
  description = "The table's create_table arguments exactly as the service's dal/schema.py TABLE declares them (from stack/tables.json)."
  type        = any
}

variable "ttl_attribute" {
  description = "Attribute holding each item's expiry time in epoch seconds (null: the table has no TTL)."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "Customer managed key that encrypts the table."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse DeleteTable (on in prod)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the table."
  type        = map(string)
  default     = {}
}
