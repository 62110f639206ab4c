"""GET /health: the function is up; makes no AWS calls."""

from __future__ import annotations

from bbws import __version__
from bbws.core.api import api_entry_point, build_resolver
from bbws.core.settings import get_settings
from bbws.health.models.status import HealthStatus

app = build_resolver()


@app.get("/health", summary="Service health", tags=["health"])
def get_health() -> HealthStatus:
    return HealthStatus(version=__version__, environment=get_settings().environment)


lambda_handler = api_entry_point(app)
