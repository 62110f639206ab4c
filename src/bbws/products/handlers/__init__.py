"""Lambda entry points of the products service."""
