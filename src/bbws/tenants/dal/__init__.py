"""Data access of the tenants service (boto3), with the table definition in schema.py."""
