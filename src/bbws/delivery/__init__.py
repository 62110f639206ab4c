"""Delivery tooling: packaging, verification, promotion and releases. Never imported at runtime."""
