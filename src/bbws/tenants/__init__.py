"""The tenants service: customer organisations, resolved from the email on their orders."""
