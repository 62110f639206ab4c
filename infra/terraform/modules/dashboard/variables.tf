variable "name" {
  description = "Dashboard name."
  type        = string
}

variable "region" {
  description = "Region the metrics live in."
  type        = string
}

variable "apis" {
  description = "REST APIs by label: name (ApiName dimension) and stage (Stage dimension)."
  type = map(object({
    name  = string
    stage = string
  }))
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

variable "email_alarm_arns" {
  description = "The SES reputation alarms shown in the dashboard's alarm widget (none: no widget)."
  type        = list(string)
  default     = []
}
