"""Defaults of the local stack, in a module light enough for the command line to import eagerly."""

from __future__ import annotations

DEFAULT_REGION = "eu-west-1"
DEFAULT_STOREFRONT_KEY = "local-storefront-key"
LOCAL_VISIBILITY_TIMEOUT = 5  # a poison message reaches its DLQ after 5 receives, about 30 s
READY_PREFIX = "BBWS_LOCAL_READY "
