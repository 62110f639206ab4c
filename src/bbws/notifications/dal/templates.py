"""Email templates read from the templates bucket, kept in memory for a short time.

A Jinja2 loader: Jinja caches the compiled template and asks `uptodate` before each use; ours
answers from the age of the copy, so S3 is read once per template per TTL (not per email), and
an edit in S3 reaches a warm Lambda within the TTL without a deployment.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError
from jinja2 import BaseLoader, Environment, TemplateNotFound

from bbws.core import aws
from bbws.notifications.errors import TemplateBroken, TemplateStoreUnavailable

TEMPLATE_PREFIX = "email-templates/"
DEFAULT_TTL_SECONDS = 300.0
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


class S3TemplateLoader(BaseLoader):
    """Loads `email-templates/<name>` from a bucket; each copy is fresh for `ttl_seconds`."""

    def __init__(
        self,
        bucket: str,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        prefix: str = TEMPLATE_PREFIX,
    ) -> None:
        self.bucket = bucket
        self.ttl_seconds = ttl_seconds
        self.prefix = prefix
        self._clock = clock
        self.fetches = 0  # S3 reads so far: what the TTL saves is observable

    def get_source(
        self,
        environment: Environment,  # noqa: ARG002 - Jinja's loader signature
        template: str,
    ) -> tuple[str, str, Callable[[], bool]]:
        key = self.prefix + template
        try:
            answer = aws.s3().get_object(Bucket=self.bucket, Key=key)
            source = answer["Body"].read().decode("utf-8")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise TemplateNotFound(template) from error
            raise TemplateStoreUnavailable(f"s3://{self.bucket}/{key} could not be read: {error}") from error
        except BotoCoreError as error:
            raise TemplateStoreUnavailable(f"s3://{self.bucket}/{key} could not be read: {error}") from error
        except UnicodeDecodeError as error:
            raise TemplateBroken(f"s3://{self.bucket}/{key} is not UTF-8 text") from error
        self.fetches += 1
        fresh_until = self._clock() + self.ttl_seconds

        def uptodate() -> bool:
            return self._clock() < fresh_until

        return source, f"s3://{self.bucket}/{key}", uptodate
