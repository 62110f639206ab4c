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
class RuntimeImage:
    """What the operating system under a Lambda runtime provides to native code: the shared
    libraries a file may need without shipping them, and the newest symbol version of each
    versioned namespace those libraries define. Facts, with their sources, in docs/delivery.md
    ("The runtime images"); `tests/delivery/test_targets.py` holds that table to this one."""

    name: str  # "Amazon Linux 2023"
    # Newest version per namespace ("GLIBC": (2, 34)): a file needing a newer one cannot load.
    symbol_versions: dict[str, tuple[int, ...]]
    # Unnumbered version names the libraries define (libstdc++'s CXXABI_TM_1, CXXABI_FLOAT128).
    named_versions: frozenset[str]
    # Which namespaces each system library defines (libstdc++.so.6 -> GLIBCXX, CXXABI).
    libraries: dict[str, frozenset[str]]

    @property
    def glibc(self) -> tuple[int, ...]:
        return self.symbol_versions["GLIBC"]


_GLIBC_LIBRARIES = (
    "libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0", "libutil.so.1", "libresolv.so.2",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
)  # fmt: skip


def _libraries() -> dict[str, frozenset[str]]:
    table = {name: frozenset({"GLIBC"}) for name in _GLIBC_LIBRARIES}
    # The runtime's own interface client (awslambdaric's runtime_client, C++) links these two,
    # so every Python runtime image has them.
    table["libstdc++.so.6"] = frozenset({"GLIBCXX", "CXXABI", "GLIBC"})
    table["libgcc_s.so.1"] = frozenset({"GCC", "GLIBC"})
    table["libz.so.1"] = frozenset({"ZLIB"})
    return table


# Amazon Linux 2023: glibc 2.34, GCC 11 (libstdc++ GLIBCXX_3.4.29 / CXXABI_1.3.13, libgcc_s
# GCC_7.0.0: GCC 8-11 added no libgcc_s version), zlib 1.2.11 (newest node ZLIB_1.2.9).
AMAZON_LINUX_2023 = RuntimeImage(
    "Amazon Linux 2023",
    symbol_versions={"GLIBC": (2, 34), "GLIBCXX": (3, 4, 29), "CXXABI": (1, 3, 13), "GCC": (7, 0, 0),
                     "ZLIB": (1, 2, 9)},
    named_versions=frozenset({"CXXABI_TM_1", "CXXABI_FLOAT128"}),
    libraries=_libraries(),
)  # fmt: skip
# Amazon Linux 2: glibc 2.26, GCC 7.3 (GLIBCXX_3.4.24 / CXXABI_1.3.11 / GCC_7.0.0), zlib 1.2.7.
AMAZON_LINUX_2 = RuntimeImage(
    "Amazon Linux 2",
    symbol_versions={"GLIBC": (2, 26), "GLIBCXX": (3, 4, 24), "CXXABI": (1, 3, 11), "GCC": (7, 0, 0),
                     "ZLIB": (1, 2, 7, 1)},
    named_versions=frozenset({"CXXABI_TM_1", "CXXABI_FLOAT128"}),
    libraries=_libraries(),
)  # fmt: skip


@dataclass(frozen=True)
class RuntimeSdk:
    """The boto3 a Lambda runtime ships, which a `--no-bundle-boto3` zip runs against. AWS no
    longer publishes the version per runtime (it varies by region and changes without notice),
    so the version verified against is pinned here, with where it was seen (docs/delivery.md)."""

    boto3: str
    botocore: str

    @property
    def requirements(self) -> tuple[str, ...]:
        return (f"boto3=={self.boto3}", f"botocore=={self.botocore}")


@dataclass(frozen=True)
class Runtime:
    name: str  # Lambda's identifier, e.g. "python3.12"
    python_version: str  # "3.12"
    image: RuntimeImage
    sdk: RuntimeSdk

    @property
    def glibc(self) -> tuple[int, ...]:
        """The glibc of the runtime's base image."""
        return self.image.glibc

    @property
    def abi_tag(self) -> str:
        """The CPython tag in extension-module file names: "cpython-312"."""
        major, minor = self.python_version.split(".")
        return f"cpython-{major}{minor}"


# python3.12 and later run on Amazon Linux 2023 (glibc 2.34); python3.11 on Amazon Linux 2 (2.26).
_SDK_AL2023 = RuntimeSdk("1.38.36", "1.38.36")  # python3.12 and 3.13, seen 2025-08 (terricain/aioboto3#381)
_SDK_AL2 = RuntimeSdk("1.27.1", "1.30.1")  # python3.11, stated 2023-11 by a boto maintainer (boto/botocore#3082)
RUNTIMES: dict[str, Runtime] = {
    runtime.name: runtime
    for runtime in (
        Runtime("python3.11", "3.11", AMAZON_LINUX_2, _SDK_AL2),
        Runtime("python3.12", "3.12", AMAZON_LINUX_2023, _SDK_AL2023),
        Runtime("python3.13", "3.13", AMAZON_LINUX_2023, _SDK_AL2023),
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
        major, minor = self.runtime.glibc[:2]
        return f"{self.architecture.gnu_triplet_cpu}-manylinux_{major}_{minor}"

    @property
    def extension_suffix(self) -> str:
        """The suffix of a version-specific extension module for this target."""
        return f".{self.runtime.abi_tag}-{self.architecture.gnu_triplet_cpu}-linux-gnu.so"

    def describe(self) -> str:
        return f"{self.runtime.name}/{self.architecture.value}"


def format_glibc(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)
