"""Data access of the campaigns table (boto3); the key scheme is in `schema.py`."""
