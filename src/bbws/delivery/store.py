"""The artifacts bucket of an environment: zips and manifests by sha256, and the record of each
function's release.

`artifacts/<sha256>.zip` and `manifests/<sha256>.json` are content-addressed, so uploading the same
build twice is a no-op and a key can never point at different bytes; every download is re-hashed
and refused unless it is the sha256 asked for. `releases/<env>/<function>.json` records what is
deployed and whether it passed; promotion to the next environment reads it and fetches the passed
zips and their manifest from here by sha256 (cross-account read of the previous environment's
bucket, granted by that bucket's policy to the next stage's deploy role), however old they are.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from bbws.delivery.accounts import Environment, GuardError
from bbws.delivery.manifest import FunctionArtifact, Manifest

_CHUNK = 1 << 20


class Status(StrEnum):
    DEPLOYED = "deployed"  # new version published; the alias still serves the previous one
    RELEASED = "released"  # the alias serves the new version to 100 % of traffic
    PASSED = "passed"  # released and the smoke test passed: eligible for promotion
    ROLLED_BACK = "rolled-back"  # the alias was returned to the previous version


class ReleaseRecord(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    function: str
    environment: str
    sha256: str
    version: str
    previous_version: str | None
    status: Status
    artifact_key: str
    artifact: FunctionArtifact
    alias_created: bool = False  # its release created `live` (a first release: nothing to return to)
    updated_at: str = Field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    history: list[str] = Field(default_factory=list)  # "<timestamp> <status> v<version>", oldest first
    # The release that moved it, and the table backups taken before that release shifted any
    # traffic (operations.backups; the full set with sizes: releases/<env>/backups/<release>.json).
    release_id: str | None = None
    pre_release_backups: list[str] = Field(default_factory=list)
    # The build the artifact came from (`manifests/<sha256>.json` in the same bucket): what a
    # promotion writes next to the fetched zips so `bbws verify` can check them again.
    manifest_sha256: str | None = None

    def passed_at(self) -> str | None:
        """When this release was recorded as passed (from its history), if it ever was."""
        return next((entry.split(" ", 1)[0] for entry in self.history if f" {Status.PASSED} " in entry), None)

    def moved_to(self, status: Status) -> ReleaseRecord:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self.model_copy(
            update={"status": status, "updated_at": now, "history": [*self.history, f"{now} {status} v{self.version}"]}
        )


def b64_sha256(hex_digest: str) -> str:
    """Lambda's and S3's spelling of a sha256: base64 of the raw digest."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def artifact_key(sha256: str) -> str:
    return f"artifacts/{sha256}.zip"


def manifest_key(sha256: str) -> str:
    return f"manifests/{sha256}.json"


def manifest_sha256(manifest: Manifest) -> str:
    """The identity of a build's manifest: the sha256 of its stable text (`Manifest.dumps`)."""
    return hashlib.sha256(manifest.dumps().encode()).hexdigest()


class ArtifactStore:
    def __init__(self, env: Environment, s3: Any) -> None:
        self.env = env
        self.bucket = env.artifacts_bucket
        self._s3 = s3

    def _exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def _put_once(self, key: str, body: bytes, sha256: str, content_type: str) -> str:
        if not self._exists(key):
            self._s3.put_object(
                Bucket=self.bucket, Key=key, Body=body, ChecksumSHA256=b64_sha256(sha256), ContentType=content_type
            )
        return key

    def upload(self, path: Path, sha256: str) -> str:
        """Upload a zip under its sha256 (once); S3 re-checks the checksum on receipt."""
        return self._put_once(artifact_key(sha256), path.read_bytes(), sha256, "application/zip")

    def upload_manifest(self, manifest: Manifest) -> str:
        """Upload a build's manifest under its sha256 (once); returns that sha256."""
        sha256 = manifest_sha256(manifest)
        self._put_once(manifest_key(sha256), manifest.dumps().encode(), sha256, "application/json")
        return sha256

    def _get(self, key: str, what: str) -> Any:
        try:
            return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                raise GuardError(f"s3://{self.bucket}/{key}: no such {what} in {self.env.name}") from error
            raise

    def download(self, sha256: str, destination: Path) -> Path:
        """Fetch `artifacts/<sha256>.zip` to `destination`, hashing it as it streams; a body that is
        not that sha256 (a tampered or corrupted object) is deleted and refused."""
        key = artifact_key(sha256)
        body = self._get(key, "artifact")
        digest = hashlib.sha256()
        with destination.open("wb") as out:
            for chunk in iter(lambda: body.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            destination.unlink()
            raise GuardError(f"s3://{self.bucket}/{key}: content has sha256 {digest.hexdigest()}, not {sha256}")
        return destination

    def download_manifest(self, sha256: str) -> Manifest:
        """Fetch `manifests/<sha256>.json`, refused unless its bytes have that sha256."""
        key = manifest_key(sha256)
        data = self._get(key, "manifest").read()
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise GuardError(f"s3://{self.bucket}/{key}: content has sha256 {actual}, not {sha256}")
        return Manifest.model_validate_json(data)

    def record_key(self, function: str) -> str:
        return f"releases/{self.env.name}/{function}.json"

    def _read(self, key: str) -> ReleaseRecord | None:
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return ReleaseRecord.model_validate_json(body)

    def read_record(self, function: str) -> ReleaseRecord | None:
        return self._read(self.record_key(function))

    # Every zip that passed here stays promotable after a newer release replaces its record:
    # `releases/<env>/passed/<function>/<sha256>.json` is the record as it passed, overwritten
    # with the rolled-back record if that release is rolled back here later (a build rolled back
    # for cause is not promoted).

    def passed_key(self, function: str, sha256: str) -> str:
        return f"releases/{self.env.name}/passed/{function}/{sha256}.json"

    def write_passed(self, record: ReleaseRecord) -> None:
        """Index `record` (passed, or rolled back after passing) by its function and sha256."""
        self._s3.put_object(
            Bucket=self.bucket,
            Key=self.passed_key(record.function, record.sha256),
            Body=record.model_dump_json(by_alias=True, indent=2).encode(),
            ContentType="application/json",
        )

    def read_passed(self, function: str, sha256: str) -> ReleaseRecord | None:
        """The release of this zip as it passed here, unless it was rolled back since."""
        record = self._read(self.passed_key(function, sha256))
        return record if record is not None and record.status == Status.PASSED else None

    def write_record(self, record: ReleaseRecord) -> None:
        self._s3.put_object(
            Bucket=self.bucket,
            Key=self.record_key(record.function),
            Body=record.model_dump_json(by_alias=True, indent=2).encode(),
            ContentType="application/json",
        )
