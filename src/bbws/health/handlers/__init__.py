"""Lambda entry points of the health service."""
