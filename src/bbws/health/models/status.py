"""The health check's answer: a typed dict, since health validates nothing and loads no pydantic."""

from __future__ import annotations

from typing import Literal, TypedDict


class HealthStatus(TypedDict):
    status: Literal["ok"]
    version: str
    environment: str
