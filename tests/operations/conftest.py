"""The operations tests share the delivery tests' emulated account (functions behind `live`,
artifacts buckets) and their stub API."""

from __future__ import annotations

from tests.delivery.conftest import api, clock, cloud  # noqa: F401 - fixtures re-exported
