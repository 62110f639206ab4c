"""Deterministic zip files: the same inputs give the same bytes, whatever the file system says.

Entries are sorted, every timestamp is 1980-01-01 (or SOURCE_DATE_EPOCH), modes are fixed
(0644 files, 0755 directories), the creating system is always Unix, and no bytecode goes in.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

_EPOCH_1980 = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = stat.S_IFREG | 0o644
_DIR_MODE = stat.S_IFDIR | 0o755
_UNIX = 3
_LEVEL = 6  # zlib's default: level 9 costs ~50 % more time for ~0.2 % smaller zips
# Already compressed (botocore ships ~17 MB of .json.gz): deflating again costs time, saves nothing.
_STORED_SUFFIXES = (".gz", ".bz2", ".xz", ".zip", ".whl", ".png", ".jpg", ".jpeg")


def fixed_timestamp() -> tuple[int, int, int, int, int, int]:
    """SOURCE_DATE_EPOCH when set (reproducible-builds.org convention), else 1980-01-01."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return _EPOCH_1980
    stamp = time.gmtime(max(int(epoch), 315532800))  # zip cannot store dates before 1980
    return (stamp.tm_year, stamp.tm_mon, stamp.tm_mday, stamp.tm_hour, stamp.tm_min, stamp.tm_sec & ~1)


def is_excluded(name: str) -> bool:
    """Bytecode is rebuilt by the runtime and differs per interpreter build: never ship it."""
    return "__pycache__/" in f"{name}/" or name.endswith((".pyc", ".pyo"))


def _directories(names: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for name in names:
        parts = name.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            found.add("/".join(parts[:depth]) + "/")
    return found


@dataclass(frozen=True)
class ArchiveStats:
    sha256: str
    size: int
    unzipped_size: int
    files: int


def write_zip(destination: Path, entries: Mapping[str, Path | bytes]) -> ArchiveStats:
    """Write `entries` (archive name -> file or bytes) to `destination` deterministically."""
    names = [name for name in entries if not is_excluded(name)]
    timestamp = fixed_timestamp()
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    unzipped = 0
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_LEVEL) as archive:
        for name in sorted([*names, *_directories(names)]):
            info = zipfile.ZipInfo(name, date_time=timestamp)
            info.create_system = _UNIX
            if name.endswith("/"):
                info.external_attr = (_DIR_MODE << 16) | 0x10  # 0x10: MS-DOS directory flag
                archive.writestr(info, b"")
                continue
            source = entries[name]
            data = source if isinstance(source, bytes) else source.read_bytes()
            unzipped += len(data)
            info.external_attr = _FILE_MODE << 16
            stored = name.endswith(_STORED_SUFFIXES)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=None if stored else _LEVEL)
    os.replace(partial, destination)
    return ArchiveStats(sha256_of(destination), destination.stat().st_size, unzipped, len(names))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
