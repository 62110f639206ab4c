"""The campaigns API's request and response bodies (pydantic)."""
