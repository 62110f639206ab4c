variable "name" {
  description = "Queue name; its dead-letter queue is <name>-dlq."
  type        = string
}

variable "kms_key_arn" {
  description = "Key that encrypts both queues."
  type        = string
}

variable "consumer_alias_arn" {
  description = "ARN of the consumer function's live alias, which the event source mapping invokes."
  type        = string
}

variable "consumer_timeout" {
  description = "Timeout of the consumer function in seconds; the visibility timeout is at least six times it."
  type        = number
}

variable "max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue (SPEC section 4: 5)."
  type        = number
  default     = 5
}

variable "batch_size" {
  description = "Messages per consumer invocation."
  type        = number
  default     = 10
}

variable "maximum_batching_window" {
  description = "Seconds Lambda may wait to fill a batch."
  type        = number
  default     = 1
}

variable "maximum_concurrency" {
  description = "Most concurrent consumer invocations this queue drives (2-1000)."
  type        = number
  default     = 5
}

variable "message_retention_seconds" {
  description = "How long an unprocessed message stays on the queue."
  type        = number
  default     = 345600 # 4 days
}

variable "oldest_message_age_threshold" {
  description = "Age in seconds of the oldest message that means the consumer is falling behind."
  type        = number
  default     = 600
}

variable "alarm_actions" {
  description = "Where alarm and OK notifications go (SNS topic ARNs)."
  type        = list(string)
}

variable "tags" {
  description = "Tags for every resource of the queue."
  type        = map(string)
  default     = {}
}

variable "publisher_topic_arns" {
  description = "SNS topics that deliver to the main queue (none: only the platform's functions send to it)."
  type        = list(string)
  default     = []
}
