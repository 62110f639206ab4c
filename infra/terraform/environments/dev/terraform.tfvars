log_level           = "DEBUG"
log_retention_days  = 14
deletion_protection = false
alarm_emails        = []
from_email          = "orders-dev@bbws.dev"
internal_emails     = ["dev-team@bbws.dev"]

# New accounts can have a concurrency limit of 10, so dev reserves nothing.
reserved_concurrency = {}

api_throttle_rate_limit  = 20
api_throttle_burst_limit = 40
storefront_rate_limit    = 5
storefront_burst_limit   = 10
storefront_daily_quota   = 5000
