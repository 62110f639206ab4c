"""The durable progress of a release, in the environment's artifacts bucket, held by a lease.

`releases/<env>/release.json` says which release runs (or ran last), which functions it moves
from which version to which, the step it reached, and who holds it until when. Every write is
conditional on the object's ETag (S3's If-Match / If-None-Match), so two processes can never
both believe they own a release: the loser's write fails and it re-reads. The holder renews its
lease at every alarm poll; a release whose lease has expired died (`kill -9`, a lost runner) and
is rolled back — or, with `--resume`, continued — by the next `bbws release` or `bbws rollback`.
A rollback never waits for a running release: it takes the record over (state `stopping`), the
release notices at its next renewal, acknowledges and exits without touching traffic again.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from bbws.delivery.accounts import Environment

PROGRESS_NAME = "release.json"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class State(StrEnum):
    RUNNING = "running"  # traffic is being shifted; the lease holder owns the aliases
    STOPPING = "stopping"  # a rollback took the release over; the holder must stop
    RELEASED = "released"  # 100 % and baked
    ROLLED_BACK = "rolled-back"  # every function is back where it was
    REFUSED = "refused"  # stopped before any traffic moved (a backup or the start notice failed)


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class FunctionMove(_Model):
    name: str  # the function's short name
    function_name: str  # the deployed name
    version: str  # the version being released
    previous: str | None  # the version `live` served before; None for a first release
    alias_created: bool = False  # `live` did not exist: this release created it


class ReleaseProgress(_Model):
    release_id: str
    environment: str
    state: State
    functions: list[FunctionMove]
    step: int = 0  # the canary weight reached, in percent (0: nothing shifted yet)
    holder: str  # the lease holder's token
    owner: str  # who runs it, for people: "host pid N (actor)"
    lease_expires_at: float  # wall-clock seconds
    started_at: str = Field(default_factory=_now)
    updated_at: str = Field(default_factory=_now)
    stop_requested_by: str | None = None
    stop_acknowledged: bool = False
    history: list[str] = Field(default_factory=list)

    def noted(self, event: str, **changes: Any) -> ReleaseProgress:
        now = _now()
        return self.model_copy(update={**changes, "updated_at": now, "history": [*self.history, f"{now} {event}"]})

    def lease_valid(self, now: float) -> bool:
        return self.lease_expires_at > now

    @property
    def active(self) -> bool:
        return self.state in {State.RUNNING, State.STOPPING}


def new_holder() -> tuple[str, str]:
    """A lease token and a description of this process for people reading the record."""
    actor = os.environ.get("GITHUB_ACTOR") or os.environ.get("USER") or "someone"
    run = os.environ.get("GITHUB_RUN_ID")
    where = f"{socket.gethostname()} pid {os.getpid()} ({actor}{f', run {run}' if run else ''})"
    return uuid.uuid4().hex, where


class Conflict(Exception):
    """Someone else wrote the progress record since it was read."""


class ProgressStore:
    """Conditional reads and writes of one environment's release progress."""

    def __init__(self, env: Environment, s3: Any) -> None:
        self.bucket = env.artifacts_bucket
        self.key = f"releases/{env.name}/{PROGRESS_NAME}"
        self._s3 = s3

    def read(self) -> tuple[ReleaseProgress | None, str | None]:
        """The record and its ETag, or (None, None) when no release ever ran here."""
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None, None
            raise
        return ReleaseProgress.model_validate_json(response["Body"].read()), str(response["ETag"])

    def write(self, progress: ReleaseProgress, etag: str | None) -> str:
        """Write `progress` only if the record is still the one read with `etag` (None: only if
        there is none). Returns the new ETag; raises Conflict when someone wrote in between."""
        condition = {"IfMatch": etag} if etag is not None else {"IfNoneMatch": "*"}
        try:
            response = self._s3.put_object(
                Bucket=self.bucket,
                Key=self.key,
                Body=json.dumps(progress.model_dump(by_alias=True, mode="json"), indent=2).encode(),
                ContentType="application/json",
                **condition,
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in {"PreconditionFailed", "412", "ConditionalRequestConflict", "409", "NoSuchKey"}:
                raise Conflict(f"s3://{self.bucket}/{self.key} changed while this process held it") from error
            raise
        return str(response["ETag"])
