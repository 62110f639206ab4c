"""The secret that signs list cursors: kept in Secrets Manager, read once per execution environment.

The secret (`CURSOR_SECRET_ARN`, created by Terraform from random bytes; the local stack creates
its own in the emulator) has Secrets Manager's own versions: `AWSCURRENT` signs new cursors and
`AWSPREVIOUS` still verifies the ones signed before a rotation. Each cursor names the key that
signed it by a key id (4 bytes of a keyed hash of the secret, so it reveals nothing of it).

Reads: the current version on the first cursor an environment signs or verifies (lazily, so a
cold start or SnapStart snapshot never waits on it); the previous one only when a cursor names a
key this environment does not know (after a rotation), which also picks up a newer current. Such
a reload happens at most once every `RELOAD_SECONDS`, so forged key ids cannot turn requests into
Secrets Manager calls. A plain boto3 call rather than Powertools' parameters utility: its cache
is keyed by the secret's name, not by version stage, and a key ring needs both stages.

Secrets Manager failing (throttled, unreachable, an error of its own) is a dependency outage:
the list request is answered 503 problem+json (`ServiceUnavailable`, as the orders service
answers a queue or table failure), nothing is cached, and the next request reads again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from bbws.core import aws
from bbws.core.errors import ConfigurationError, ServiceUnavailable
from bbws.core.observability import logger
from bbws.core.settings import get_settings

KEY_ID_BYTES = 4
MIN_SECRET_BYTES = 32
RELOAD_SECONDS = 30.0
CURRENT, PREVIOUS = "AWSCURRENT", "AWSPREVIOUS"


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("the list cannot be read right now; please retry")


@dataclass(frozen=True)
class CursorKey:
    """One version of the cursor secret."""

    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_SECRET_BYTES:
            raise ConfigurationError(f"the cursor secret must be at least {MIN_SECRET_BYTES} bytes")

    @property
    def key_id(self) -> bytes:
        return hashlib.blake2b(self.secret, digest_size=KEY_ID_BYTES, person=b"bbws-cursor-kid").digest()


@dataclass(frozen=True)
class Keyring:
    """The key that signs (`current`) and every key that still verifies."""

    current: CursorKey
    previous: CursorKey | None = None

    def find(self, key_id: bytes) -> CursorKey | None:
        for key in (self.current, self.previous):
            if key is not None and key.key_id == key_id:
                return key
        return None


class SecretsManagerKeys:
    """The key ring of this execution environment, read from Secrets Manager as described above."""

    def __init__(self, secret_id: str | None = None, *, reload_seconds: float = RELOAD_SECONDS) -> None:
        self._secret_id = secret_id
        self._reload_seconds = reload_seconds
        self._lock = threading.Lock()
        self._ring: Keyring | None = None
        self._reloaded_at = float("-inf")

    def _id(self) -> str:
        return self._secret_id or get_settings().require("cursor_secret_arn")

    def _read_stage(self, stage: str) -> CursorKey | None:
        """The version at `stage`; None if there is none (PREVIOUS before the first rotation)."""
        try:
            answer = aws.secrets_manager().get_secret_value(SecretId=self._id(), VersionStage=stage)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if stage == PREVIOUS and code == "ResourceNotFoundException":
                return None  # never rotated: there is no previous version
            logger.warning("the cursor secret could not be read", extra={"stage": stage, "error": str(error)})
            raise _unavailable() from None
        except BotoCoreError as error:  # unreachable, timed out
            logger.warning("Secrets Manager could not be reached", extra={"stage": stage, "error": str(error)})
            raise _unavailable() from None
        return CursorKey(str(answer["SecretString"]).encode())

    def _version(self, stage: str) -> CursorKey:
        key = self._read_stage(stage)
        if key is None:  # pragma: no cover - only PREVIOUS may be missing
            raise _unavailable()
        return key

    def _previous(self) -> CursorKey | None:
        return self._read_stage(PREVIOUS)

    def signing(self) -> Keyring:
        """The key ring, reading the current version on first use."""
        with self._lock:
            if self._ring is None:
                self._ring = Keyring(self._version(CURRENT))
            return self._ring

    def verifying(self, key_id: bytes) -> CursorKey | None:
        """The key a cursor names, reloading both versions (rate-limited) if it is unknown here."""
        key = self.signing().find(key_id)
        if key is not None:
            return key
        with self._lock:
            now = time.monotonic()
            if now - self._reloaded_at >= self._reload_seconds:
                self._reloaded_at = now
                self._ring = Keyring(self._version(CURRENT), self._previous())
            return self._ring.find(key_id) if self._ring else None

    def forget(self) -> None:
        """Drop the key ring read so far (tests that swap the emulator between cases)."""
        with self._lock:
            self._ring = None
            self._reloaded_at = float("-inf")


KEYS = SecretsManagerKeys()
