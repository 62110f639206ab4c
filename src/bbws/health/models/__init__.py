"""Response models of the health service."""
