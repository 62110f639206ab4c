"""BBWS Commerce Platform: a multi-tenant ordering backend on AWS Lambda."""

__version__ = "0.1.0"
