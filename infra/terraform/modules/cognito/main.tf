# Who may call the tenant and admin routes: a user pool whose users carry custom:tenantId
# (tenant users) or belong to the `admin` group. The API's Cognito authorizer verifies the ID
# token, whose claims the handlers read from requestContext.authorizer.claims.

resource "aws_cognito_user_pool" "this" {
  name                     = var.name
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  mfa_configuration        = "OPTIONAL"
  # Threat protection (advanced security) needs Cognito's Plus feature plan: a cost decision
  # left to the owners, so it is not switched on here.

  software_token_mfa_configuration {
    enabled = true
  }

  # Staff create the users: a tenant cannot sign itself up and choose its own tenant.
  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  schema {
    name                     = "tenantId"
    attribute_data_type      = "String"
    mutable                  = true
    developer_only_attribute = false
    required                 = false
    string_attribute_constraints {
      min_length = 1
      max_length = 64
    }
  }

  tags = var.tags
}

resource "aws_cognito_user_group" "admin" {
  name         = "admin"
  user_pool_id = aws_cognito_user_pool.this.id
  description  = "Agency staff: every tenant, catalog and campaign administration."
}

resource "aws_cognito_user_pool_client" "this" {
  name                          = "${var.name}-client"
  user_pool_id                  = aws_cognito_user_pool.this.id
  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  id_token_validity             = 60
  access_token_validity         = 60
  refresh_token_validity        = 30
  token_validity_units {
    id_token      = "minutes"
    access_token  = "minutes"
    refresh_token = "days"
  }
  read_attributes = ["email", "email_verified", "custom:tenantId"]
  # Users may never write their own tenant: only staff (AdminUpdateUserAttributes) set it.
  write_attributes = ["email"]
}
