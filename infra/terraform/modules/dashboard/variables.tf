variable "name" {
  description = "Dashboard name."
  type        = string
}

variable "region" {
  description = "Region the metrics live in."
  type        = string
}

variable "api_name" {
  description = "Name of the REST API (ApiName dimension)."
  type        = string
}

variable "api_stage" {
  description = "Stage of the REST API (Stage dimension)."
  type        = string
}

variable "functions" {
  description = "Deployed function names, by their name in the function table."
  type        = map(string)
}

variable "queues" {
  description = "Queues and their dead-letter queues, by logical name."
  type = map(object({
    name     = string
    dlq_name = string
  }))
}
