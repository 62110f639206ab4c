"""The orders service's own problems, on top of the platform's error hierarchy."""

from __future__ import annotations

from bbws.core.errors import ProblemError


class ServiceUnavailable(ProblemError):
    """503: a dependency (the queue, the table) failed; nothing was promised, so the caller
    retries (with the same Idempotency-Key, if it sent one)."""

    status = 503
    title = "Service Unavailable"
    slug = "unavailable"
