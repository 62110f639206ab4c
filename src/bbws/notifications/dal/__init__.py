"""AWS access of the notifications service: templates in S3, SES, the sent-email ledger."""
