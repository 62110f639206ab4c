"""BBWS Commerce Platform: a multi-tenant ordering backend on AWS Lambda."""

from bbws.core.imports import defer_all

__version__ = "0.1.0"

# Before any handler imports Powertools: load only the resolver and event classes it uses.
defer_all()
