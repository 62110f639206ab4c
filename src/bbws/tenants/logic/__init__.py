"""Tenant rules, free of AWS."""
