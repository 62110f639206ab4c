"""What a Lambda zip is built for: runtime, architecture, and the limits Lambda enforces."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Lambda's limits for a function deployed from a zip: the upload itself (direct or through S3
# the zipped package must stay under 50 MB for direct upload) and the unpacked size.
MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024


class Architecture(StrEnum):
    X86_64 = "x86_64"
    ARM64 = "arm64"

    @property
    def elf_machine(self) -> str:
        """The `e_machine` value (pyelftools' spelling) every native file must carry."""
        return {"x86_64": "EM_X86_64", "arm64": "EM_AARCH64"}[self.value]

    @property
    def gnu_triplet_cpu(self) -> str:
        """The CPU name used in wheel platform tags and extension-module file names."""
        return {"x86_64": "x86_64", "arm64": "aarch64"}[self.value]


@dataclass(frozen=True)
class Runtime:
    name: str  # Lambda's identifier, e.g. "python3.12"
    python_version: str  # "3.12"
    glibc: tuple[int, int]  # the glibc of the runtime's base image

    @property
    def abi_tag(self) -> str:
        """The CPython tag in extension-module file names: "cpython-312"."""
        major, minor = self.python_version.split(".")
        return f"cpython-{major}{minor}"


# python3.12 and later run on Amazon Linux 2023 (glibc 2.34); python3.11 on Amazon Linux 2 (2.26).
RUNTIMES: dict[str, Runtime] = {
    runtime.name: runtime
    for runtime in (
        Runtime("python3.11", "3.11", (2, 26)),
        Runtime("python3.12", "3.12", (2, 34)),
        Runtime("python3.13", "3.13", (2, 34)),
    )
}
DEFAULT_RUNTIME = "python3.12"


@dataclass(frozen=True)
class Target:
    runtime: Runtime
    architecture: Architecture

    @classmethod
    def of(cls, runtime: str = DEFAULT_RUNTIME, architecture: str = "x86_64") -> Target:
        if runtime not in RUNTIMES:
            raise ValueError(f"unknown runtime {runtime!r}; choose one of {', '.join(sorted(RUNTIMES))}")
        return cls(RUNTIMES[runtime], Architecture(architecture))

    @property
    def python_platform(self) -> str:
        """uv's `--python-platform` for this target: only wheels whose manylinux tag the
        runtime's glibc satisfies are eligible, so incompatible wheels are never chosen."""
        major, minor = self.runtime.glibc
        return f"{self.architecture.gnu_triplet_cpu}-manylinux_{major}_{minor}"

    @property
    def extension_suffix(self) -> str:
        """The suffix of a version-specific extension module for this target."""
        return f".{self.runtime.abi_tag}-{self.architecture.gnu_triplet_cpu}-linux-gnu.so"

    def describe(self) -> str:
        return f"{self.runtime.name}/{self.architecture.value}"


def format_glibc(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)
