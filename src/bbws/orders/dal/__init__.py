"""Data access of the orders service (boto3), with the table definition in schema.py."""
