"""Notifications: the emails that announce orders, rendered from S3 templates and sent with SES."""
