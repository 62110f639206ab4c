"""GET /health: the function is up. It makes no AWS call and validates no input, so its init
loads neither boto3, the X-Ray SDK nor pydantic (held to 0.5 x a bare `import boto3`)."""

from __future__ import annotations

from bbws import __version__
from bbws.core.api import api_entry_point, build_resolver
from bbws.core.settings import get_settings
from bbws.health.models.status import HealthStatus

app = build_resolver(validation=False)


@app.get("/health", summary="Service health", tags=["health"])
def get_health() -> HealthStatus:
    return HealthStatus(status="ok", version=__version__, environment=get_settings().environment)


lambda_handler = api_entry_point(app, traced=False, function="health")
