"""Pydantic models of the orders service: requests, responses, queue messages."""
