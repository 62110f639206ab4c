log_level           = "INFO"
log_retention_days  = 400
deletion_protection = true
alarm_emails        = ["ops@bbws.dev"]
from_email          = "orders@bbws.dev"
email_domain        = "bbws.dev"
internal_emails     = ["sales@bbws.dev", "ops@bbws.dev"]

# Reserved so one function's spike (or a poison-message storm) cannot starve the others;
# the consumers' ceilings also bound their write rate to DynamoDB and SES.
reserved_concurrency = {
  "health"                 = 2
  "products-api"           = 20
  "campaigns-api"          = 10
  "orders-api"             = 30
  "orders-consumer"        = 10
  "tenants-api"            = 5
  "notifications-consumer" = 5
}

api_throttle_rate_limit  = 200
api_throttle_burst_limit = 400
storefront_rate_limit    = 50
storefront_burst_limit   = 100
storefront_daily_quota   = 200000
