"""Deterministic zips."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bbws.delivery.archive import write_zip


def test_the_same_entries_give_the_same_bytes_in_any_order(tmp_path: Path) -> None:
    first = write_zip(tmp_path / "a.zip", {"b/x.py": b"x", "a.py": b"a"})
    second = write_zip(tmp_path / "b.zip", {"a.py": b"a", "b/x.py": b"x"})
    assert first.sha256 == second.sha256
    assert (first.files, first.unzipped_size) == (2, 2)


def test_bytecode_is_left_out(tmp_path: Path) -> None:
    write_zip(tmp_path / "a.zip", {"a.py": b"a", "__pycache__/a.cpython-312.pyc": b"x", "b.pyc": b"y"})
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.namelist() == ["a.py"]


def test_source_date_epoch_sets_every_timestamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    write_zip(tmp_path / "a.zip", {"pkg/a.py": b"a"})
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
