# The functions of bbws.core.functions.FUNCTIONS. For each: its handler, the settings
# its code reads (exactly those, SPEC section 6, as literal lists) and what its code calls, on
# its own resources only. tests/infra holds all three against the code.

locals {
  # Every setting's value in this environment, by environment variable name.
  setting_values = {
    ENVIRONMENT                  = var.environment
    LOG_LEVEL                    = var.log_level
    POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
    PRODUCTS_TABLE_NAME          = local.table_names["products"]
    CAMPAIGNS_TABLE_NAME         = local.table_names["campaigns"]
    DYNAMODB_TABLE_NAME          = local.table_names["orders"]
    TENANTS_TABLE_NAME           = local.table_names["tenants"]
    ORDERS_QUEUE_URL             = local.queue_urls["orders"]
    NOTIFICATIONS_QUEUE_URL      = local.queue_urls["notifications"]
    TEMPLATES_BUCKET_NAME        = local.templates_bucket_name
    FROM_EMAIL                   = var.from_email
    INTERNAL_EMAILS              = join(",", var.internal_emails)
    CURSOR_SECRET_ARN            = aws_secretsmanager_secret.cursor.arn
  }

  functions = {
    "health" = {
      service  = "health"
      handler  = "bbws.health.handlers.api.lambda_handler"
      memory   = 256
      timeout  = 10
      settings = ["ENVIRONMENT", "LOG_LEVEL", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"]
      queue    = null
      statements = [
      ]
    }

    "products-api" = {
      service  = "products"
      handler  = "bbws.products.handlers.api.lambda_handler"
      memory   = 512
      timeout  = 10
      settings = ["ENVIRONMENT", "LOG_LEVEL", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "PRODUCTS_TABLE_NAME", "CURSOR_SECRET_ARN"]
      queue    = null
      statements = [
        {
          sid       = "ProductsTable"
          actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
          resources = [local.table_arns["products"]]
        },
        {
          sid       = "ProductsIndexes"
          actions   = ["dynamodb:Query"]
          resources = ["${local.table_arns["products"]}/index/*"]
        },
        {
          # Signs and verifies list cursors (bbws.core.cursor_keys).
          sid       = "CursorSecret"
          actions   = ["secretsmanager:GetSecretValue"]
          resources = [local.cursor_secret_arn]
        },
      ]
    }

    "campaigns-api" = {
      service  = "campaigns"
      handler  = "bbws.campaigns.handlers.api.lambda_handler"
      memory   = 512
      timeout  = 10
      settings = ["ENVIRONMENT", "LOG_LEVEL", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "CAMPAIGNS_TABLE_NAME", "CURSOR_SECRET_ARN"]
      queue    = null
      statements = [
        {
          sid       = "CampaignsTable"
          actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
          resources = [local.table_arns["campaigns"]]
        },
        {
          sid       = "CampaignsIndexes"
          actions   = ["dynamodb:Query"]
          resources = ["${local.table_arns["campaigns"]}/index/*"]
        },
        {
          # Signs and verifies list cursors (bbws.core.cursor_keys).
          sid       = "CursorSecret"
          actions   = ["secretsmanager:GetSecretValue"]
          resources = [local.cursor_secret_arn]
        },
      ]
    }

    "orders-api" = {
      service  = "orders"
      handler  = "bbws.orders.handlers.api.lambda_handler"
      memory   = 512
      timeout  = 10
      settings = ["ENVIRONMENT", "LOG_LEVEL", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "DYNAMODB_TABLE_NAME", "PRODUCTS_TABLE_NAME", "CAMPAIGNS_TABLE_NAME", "ORDERS_QUEUE_URL", "NOTIFICATIONS_QUEUE_URL", "CURSOR_SECRET_ARN"]
      queue    = null
      statements = [
        {
          # Orders and Powertools idempotency records (same table).
          sid       = "OrdersTable"
          actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
          resources = [local.table_arns["orders"]]
        },
        {
          # The tenant's and the admin's lists (by-tenant, by-type).
          sid       = "OrdersIndexes"
          actions   = ["dynamodb:Query"]
          resources = ["${local.table_arns["orders"]}/index/*"]
        },
        {
          # Prices through bbws.products.read.
          sid       = "ProductsRead"
          actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem"]
          resources = [local.table_arns["products"]]
        },
        {
          # Campaigns through bbws.campaigns.read.
          sid       = "CampaignsRead"
          actions   = ["dynamodb:GetItem"]
          resources = [local.table_arns["campaigns"]]
        },
        {
          # OrderSubmitted to the orders queue; ORDER_PAID (PATCH) to the notifications queue.
          sid       = "PublishOrderMessages"
          actions   = ["sqs:SendMessage"]
          resources = [local.queue_arns["orders"], local.queue_arns["notifications"]]
        },
        {
          # Signs and verifies list cursors (bbws.core.cursor_keys).
          sid       = "CursorSecret"
          actions   = ["secretsmanager:GetSecretValue"]
          resources = [local.cursor_secret_arn]
        },
      ]
    }

    "orders-consumer" = {
      service  = "orders"
      handler  = "bbws.orders.handlers.consumer.lambda_handler"
      memory   = 512
      timeout  = 30
      settings = ["ENVIRONMENT", "LOG_LEVEL", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "DYNAMODB_TABLE_NAME", "TENANTS_TABLE_NAME", "NOTIFICATIONS_QUEUE_URL"]
      queue    = "orders"
      statements = [
        {
          # Read, then one conditional put: the idempotent create.
          sid       = "OrdersTable"
          actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
          resources = [local.table_arns["orders"]]
        },
        {
          # Tenant resolution through bbws.tenants.directory: one GetItem on the email claim;
          # a new tenant and its claim are one TransactWriteItems of two Puts.
          sid       = "TenantsResolve"
          actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
          resources = [local.table_arns["tenants"]]
        },
        {
          sid       = "AnnounceOrders"
          actions   = ["sqs:SendMessage"]
          resources = [local.queue_arns["notifications"]]
        },
      ]
    }

    "tenants-api" = {
      service  = "tenants"
      handler  = "bbws.tenants.handlers.api.lambda_handler"
      memory   = 512
      timeout  = 10
      settings = ["ENVIRONMENT", "LOG_LEVEL", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "TENANTS_TABLE_NAME", "CURSOR_SECRET_ARN"]
      queue    = null
      statements = [
        {
          # Tenant and email claim are created in one TransactWriteItems of two Puts.
          sid       = "TenantsTable"
          actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
          resources = [local.table_arns["tenants"]]
        },
        {
          sid       = "TenantsIndexes"
          actions   = ["dynamodb:Query"]
          resources = ["${local.table_arns["tenants"]}/index/*"]
        },
        {
          # Signs and verifies list cursors (bbws.core.cursor_keys).
          sid       = "CursorSecret"
          actions   = ["secretsmanager:GetSecretValue"]
          resources = [local.cursor_secret_arn]
        },
      ]
    }

    "notifications-consumer" = {
      service  = "notifications"
      handler  = "bbws.notifications.handlers.consumer.lambda_handler"
      memory   = 512
      timeout  = 30
      settings = ["ENVIRONMENT", "LOG_LEVEL", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "DYNAMODB_TABLE_NAME", "TEMPLATES_BUCKET_NAME", "FROM_EMAIL", "INTERNAL_EMAILS"]
      queue    = "notifications"
      statements = [
        {
          # The order to announce, and the ledger of sent emails (each email once).
          sid       = "OrdersTable"
          actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
          resources = [local.table_arns["orders"]]
        },
        {
          sid       = "ReadTemplates"
          actions   = ["s3:GetObject"]
          resources = ["${local.templates_bucket_arn}/${local.templates_prefix}*"]
        },
        {
          # SESv2 SendEmail with raw MIME content is authorised as ses:SendRawEmail too.
          sid       = "SendEmail"
          actions   = ["ses:SendEmail", "ses:SendRawEmail"]
          resources = [module.ses.identity_arn, module.ses.configuration_set_arn]
        },
        {
          # No address that bounced or complained is mailed again. The suppression list is the
          # account's: the action has no resource type, so "*" is the only resource IAM allows.
          sid       = "ReadSuppressionList"
          actions   = ["ses:GetSuppressedDestination"]
          resources = ["*"]
        },
      ]
    }

    "email-events-consumer" = {
      service  = "notifications"
      handler  = "bbws.notifications.handlers.email_events.lambda_handler"
      memory   = 256
      timeout  = 30
      settings = ["ENVIRONMENT", "LOG_LEVEL", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "DYNAMODB_TABLE_NAME"]
      queue    = "email-events"
      statements = [
        {
          # The bounce, complaint or reject noted on its order (bbws.orders.email_issues).
          sid       = "NoteOnTheOrder"
          actions   = ["dynamodb:UpdateItem"]
          resources = [local.table_arns["orders"]]
        },
        {
          # Hard bounces and complaints onto the account's suppression list (no resource type).
          sid       = "SuppressAddresses"
          actions   = ["ses:PutSuppressedDestination"]
          resources = ["*"]
        },
      ]
    }
  }

  function_names = { for name in keys(local.functions) : name => "${local.prefix}-${name}" }

  # Roles of the functions whose code touches encrypted data stores: they may use the data key
  # through those services (the function module names each role <function name>-role).
  kms_function_roles = sort([
    for name, function in local.functions : "arn:${local.partition}:iam::${local.account_id}:role/${local.function_names[name]}-role"
    if length(function.statements) > 0 || function.queue != null
  ])
}

module "function" {
  source   = "../modules/function"
  for_each = local.functions

  name         = local.function_names[each.key]
  handler      = each.value.handler
  architecture = var.architecture
  memory_size  = each.value.memory
  timeout      = each.value.timeout
  environment_variables = {
    for name in each.value.settings : name => merge(local.setting_values, { POWERTOOLS_SERVICE_NAME = each.value.service })[name]
  }
  reserved_concurrency   = lookup(var.reserved_concurrency, each.key, -1)
  snap_start             = var.snap_start
  artifacts_bucket       = var.artifacts_bucket
  artifact_sha256        = var.artifacts[each.key]
  code_statements        = each.value.statements
  event_source_queue_arn = each.value.queue == null ? null : local.queue_arns[each.value.queue]
  kms_key_arn            = aws_kms_key.data.arn
  log_retention_days     = var.log_retention_days
  alarm_actions          = [aws_sns_topic.alarms.arn]
  tags                   = merge(local.tags, { Service = each.value.service, Function = each.key })
}
