"""The artifacts bucket of an environment: zips by sha256, and the record of each function's release.

`artifacts/<sha256>.zip` is content-addressed, so uploading the same build twice is a no-op and a
key can never point at different bytes. `releases/<env>/<function>.json` records what is deployed
and whether it passed; promotion to the next environment reads it (cross-account read of the
previous environment's bucket, granted by that bucket's policy to the next stage's deploy role).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from bbws.delivery.accounts import Environment
from bbws.delivery.manifest import FunctionArtifact


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
    updated_at: str = Field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    history: list[str] = Field(default_factory=list)  # "<timestamp> <status> v<version>", oldest first
    # The release that moved it, and the table backups taken before that release shifted any
    # traffic (operations.backups; the full set with sizes: releases/<env>/backups/<release>.json).
    release_id: str | None = None
    pre_release_backups: list[str] = Field(default_factory=list)

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

    def upload(self, path: Path, sha256: str) -> str:
        """Upload a zip under its sha256 (once); S3 re-checks the checksum on receipt."""
        key = artifact_key(sha256)
        if not self._exists(key):
            self._s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=path.read_bytes(),
                ChecksumSHA256=b64_sha256(sha256),
                ContentType="application/zip",
            )
        return key

    def download(self, sha256: str, destination: Path) -> Path:
        body = self._s3.get_object(Bucket=self.bucket, Key=artifact_key(sha256))["Body"].read()
        destination.write_bytes(body)
        return destination

    def record_key(self, function: str) -> str:
        return f"releases/{self.env.name}/{function}.json"

    def read_record(self, function: str) -> ReleaseRecord | None:
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=self.record_key(function))["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return ReleaseRecord.model_validate_json(body)

    def write_record(self, record: ReleaseRecord) -> None:
        self._s3.put_object(
            Bucket=self.bucket,
            Key=self.record_key(record.function),
            Body=record.model_dump_json(by_alias=True, indent=2).encode(),
            ContentType="application/json",
        )
