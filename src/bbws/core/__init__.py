"""Shared building blocks every service stands on: settings, money, errors, identity, AWS clients."""
