"""Pydantic models of the tenants service."""
