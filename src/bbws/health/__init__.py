"""Health service: tells a caller the API is up, without touching AWS."""
