output "name" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.id
}

output "arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "template_keys" {
  description = "Keys of the uploaded default templates."
  value       = sort([for object in aws_s3_object.template : object.key])
}
