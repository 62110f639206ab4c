output "user_pool_id" {
  description = "ID of the user pool."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "ARN of the user pool (the API's authorizer provider)."
  value       = aws_cognito_user_pool.this.arn
}

output "client_id" {
  description = "App client the storefront back office and staff sign in with."
  value       = aws_cognito_user_pool_client.this.id
}

output "admin_group" {
  description = "Name of the administrators' group (cognito:groups claim)."
  value       = aws_cognito_user_group.admin.name
}
