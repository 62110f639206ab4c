"""Data access of the products table (boto3); the key scheme is in `schema.py`."""
