log_level           = "INFO"
log_retention_days  = 30
deletion_protection = false
alarm_emails        = []
from_email          = "orders-sit@bbws.dev"
internal_emails     = ["qa-team@bbws.dev"]

reserved_concurrency = {}

api_throttle_rate_limit  = 50
api_throttle_burst_limit = 100
storefront_rate_limit    = 20
storefront_burst_limit   = 40
storefront_daily_quota   = 20000
