"""The products API's request and response bodies (pydantic)."""
