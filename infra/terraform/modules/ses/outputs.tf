output "identity_arn" {
  description = "ARN of the sending identity (the resource of ses:SendEmail)."
  value       = aws_sesv2_email_identity.this.arn
}

output "configuration_set_arn" {
  description = "ARN of the configuration set (also a resource of ses:SendEmail)."
  value       = aws_sesv2_configuration_set.this.arn
}

output "dkim_tokens" {
  description = "CNAME records to publish for a domain identity (<token>._domainkey -> <token>.dkim.amazonses.com)."
  value       = try(aws_sesv2_email_identity.this.dkim_signing_attributes[0].tokens, [])
}
