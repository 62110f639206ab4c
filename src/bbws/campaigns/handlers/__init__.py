"""Lambda entry points of the campaigns service."""
