"""Wheel RECORD files that tell the truth about a zip: exactly the files shipped, their real hashes.

An installer's RECORD describes the install, not the zip: it lists scripts in `bin/` (whose
shebang holds the build machine's interpreter path, so the RECORD's hash of it differs between
checkouts) and other files a zip leaves out. Packaging writes each shipped distribution's
RECORD again from the bytes that go into the zip; `verify` checks every line of every RECORD
against the zip, and that no file outside the project's own package is unowned.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

RECORD = "RECORD"


def record_hash(data: bytes) -> str:
    """The RECORD spelling of a file's hash: `sha256=` + urlsafe base64 without padding."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def record_path(dist_info: str) -> str:
    return f"{dist_info}/{RECORD}"


def render_record(dist_info: str, files: Mapping[str, tuple[str, int]]) -> bytes:
    """A RECORD for `dist_info` listing `files` (archive name -> (hash, size)), sorted, with the
    RECORD itself last and unhashed (as the wheel spec says)."""
    own = record_path(dist_info)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for name in sorted(files):
        if name != own:
            digest, size = files[name]
            writer.writerow([name, digest, size])
    writer.writerow([own, "", ""])
    return buffer.getvalue().encode()


@dataclass(frozen=True)
class RecordProblem:
    file: str  # the archive member the problem is about
    reason: str


def parse_record(text: str) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for row in csv.reader(io.StringIO(text)):
        if not row:
            continue
        path, digest, size = [*row, "", ""][:3]
        rows.append((path, digest, size))
    return rows


def check_records(
    names: Iterable[str],
    read: Callable[[str], bytes],
    *,
    project_package: str,
) -> list[RecordProblem]:
    """Every RECORD line names a file in the zip with its true hash and size; every dist-info
    has a RECORD; every file outside `project_package` (the handler's top-level package) is
    listed by exactly one RECORD."""
    members = [name for name in names if not name.endswith("/")]
    present = set(members)
    problems: list[RecordProblem] = []
    owner: dict[str, str] = {}
    dist_infos = sorted({name.split("/", 1)[0] for name in members if name.split("/", 1)[0].endswith(".dist-info")})
    for dist_info in dist_infos:
        own = record_path(dist_info)
        if own not in present:
            problems.append(RecordProblem(dist_info, "no RECORD: the files of this distribution are unaccounted for"))
            continue
        try:
            rows = parse_record(read(own).decode("utf-8"))
        except (UnicodeDecodeError, csv.Error) as error:
            problems.append(RecordProblem(own, f"unreadable RECORD: {error}"))
            continue
        for path, digest, size in rows:
            problems.extend(_check_line(own, (path, digest, size), present, read))
            if path in owner and path != own:
                problems.append(RecordProblem(path, f"listed by both {owner[path]} and {own}"))
            owner.setdefault(path, own)
        if own not in owner:
            problems.append(RecordProblem(own, "does not list itself"))
    prefix = f"{project_package}/"
    for name in members:
        if name not in owner and not name.startswith(prefix) and name != f"{project_package}.py":
            problems.append(RecordProblem(name, "not listed in any RECORD (not the project's code either)"))
    return problems


def _check_line(
    own: str, row: tuple[str, str, str], present: set[str], read: Callable[[str], bytes]
) -> list[RecordProblem]:
    path, digest, size = row
    if path == own:
        return []
    if path not in present:
        return [RecordProblem(own, f"lists {path}, which is not in the zip")]
    algorithm, _, _ = digest.partition("=")
    if algorithm != "sha256":
        return [RecordProblem(path, f"{own} gives no sha256 for it ({digest or 'empty'})")]
    data = read(path)
    found: list[RecordProblem] = []
    actual = record_hash(data)
    if digest != actual:
        found.append(RecordProblem(path, f"{own} says {digest}, but the file is {actual}"))
    if size != str(len(data)):
        found.append(RecordProblem(path, f"{own} says {size or 'no'} bytes, but the file has {len(data)}"))
    return found
