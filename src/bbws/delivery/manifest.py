"""`dist/manifest.json`: what was built, for which target, and the sha256 that identifies it."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

MANIFEST_NAME = "manifest.json"


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")


class NativeFileRecord(_Model):
    path: str
    machine: str
    glibc: str | None
    abi: str
    needed: list[str] = Field(default_factory=list)  # DT_NEEDED, in order
    symbol_versions: list[str] = Field(default_factory=list)  # the newest needed per namespace, "GLIBCXX_3.4.29"


class FunctionArtifact(_Model):
    """One function's zip. `sha256` is the artifact's identity from build to PROD."""

    file: str  # the zip's name inside the dist directory
    sha256: str
    size: int
    unzipped_size: int
    files: int
    handler: str  # Lambda's handler setting, "module.attribute"
    service: str
    runtime: str
    architecture: str
    distributions: list[str] = Field(default_factory=list)  # "name==version", sorted
    native_files: list[NativeFileRecord] = Field(default_factory=list)


class Manifest(_Model):
    schema_version: int = 1
    runtime: str
    architecture: str
    python_platform: str
    lock_sha256: str
    bundles_boto3: bool
    functions: dict[str, FunctionArtifact]

    def dumps(self) -> str:
        """Stable text: sorted keys, no timestamps, so identical builds give identical manifests."""
        return json.dumps(self.model_dump(by_alias=True), indent=2, sort_keys=True) + "\n"

    def write(self, directory: Path) -> Path:
        path = directory / MANIFEST_NAME
        path.write_text(self.dumps(), encoding="utf-8")
        return path

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST_NAME
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no manifest (run `bbws package --out {directory}` first)")
        return cls.model_validate_json(path.read_text(encoding="utf-8"))
