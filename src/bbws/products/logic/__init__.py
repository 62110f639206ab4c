"""Catalog rules: creating, changing and retiring products, with no AWS in sight."""
