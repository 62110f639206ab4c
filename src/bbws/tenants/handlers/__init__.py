"""Lambda entry point of the tenants service: tenants-api."""
