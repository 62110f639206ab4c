"""`bbws verify`: every failure names the file and the reason; good artifacts import cleanly."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery.archive import sha256_of
from bbws.delivery.manifest import Manifest
from bbws.delivery.verify import find_interpreter, verify

from .conftest import NativeFixtures, make_dist, wheel

EM_AARCH64 = 183
GOOD_HANDLER = b"import json\n\ndef lambda_handler(event, context):\n    return json.dumps(event)\n"
EXTENSION = "pkg/_native.cpython-312-x86_64-linux-gnu.so"


def _verify(dist: Path, repo_root: Path) -> dict[str, list[str]]:
    report = verify(dist, repo_root, candidates=[sys.executable])
    return {result.name: [str(finding) for finding in result.findings] for result in report.functions}


def test_a_good_artifact_passes_and_its_handler_is_imported(tmp_path: Path, repo_root: Path) -> None:
    # Given a zip whose handler imports only the standard library
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER}})
    # When it is verified
    report = verify(tmp_path, repo_root, candidates=[sys.executable])
    # Then it passes, including the import in a fresh interpreter
    assert report.ok
    assert report.functions[0].imported is True


def test_an_extension_for_the_wrong_machine_fails_naming_the_file(
    tmp_path: Path, repo_root: Path, native: NativeFixtures
) -> None:
    # Given a zip carrying an AArch64 extension for an x86_64 target
    make_dist(
        tmp_path,
        {"health": {"handler.py": GOOD_HANDLER, **wheel("pkg", "1.0", {EXTENSION: native.with_machine(EM_AARCH64)})}},
    )
    # When it is verified
    findings = _verify(tmp_path, repo_root)
    # Then the failure names the zip, the file inside it and the reason
    assert findings["health"] == [
        f"{tmp_path / 'health.zip'}!{EXTENSION}: ELF machine EM_AARCH64, but python3.12/x86_64 needs EM_X86_64"
    ]


def test_an_extension_needing_a_newer_glibc_fails_naming_the_file(
    tmp_path: Path, repo_root: Path, native: NativeFixtures
) -> None:
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, **wheel("pkg", "1.0", {EXTENSION: native.new_glibc})}})
    findings = _verify(tmp_path, repo_root)
    assert len(findings["health"]) == 1
    assert findings["health"][0].startswith(f"{tmp_path / 'health.zip'}!{EXTENSION}: needs GLIBC_2.")
    assert findings["health"][0].endswith("but python3.12 provides glibc 2.34")


def test_a_zip_changed_after_packaging_fails_its_hash(tmp_path: Path, repo_root: Path) -> None:
    # Given an artifact whose bytes changed after the manifest was written
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER}})
    with (tmp_path / "health.zip").open("ab") as handle:
        handle.write(b"tampered")
    # Then verify names the zip and the sha256 mismatch
    findings = _verify(tmp_path, repo_root)
    assert any(f.startswith(f"{tmp_path / 'health.zip'}: sha256 ") and "manifest" in f for f in findings["health"])


def test_a_handler_that_cannot_import_from_the_zip_alone_fails(tmp_path: Path, repo_root: Path) -> None:
    # Given a handler importing a package the zip does not carry (but the host venv has)
    make_dist(tmp_path, {"health": {"handler.py": b"import pydantic\n\ndef lambda_handler(e, c):\n    return 1\n"}})
    # When it is verified
    findings = _verify(tmp_path, repo_root)
    # Then the import fails: only the zip is on the path
    assert findings["health"] == [
        f"{tmp_path / 'health.zip'}: importing handler.lambda_handler failed: "
        "ModuleNotFoundError: No module named 'pydantic'"
    ]


def test_a_missing_zip_and_a_missing_handler_module_are_reported(tmp_path: Path, repo_root: Path) -> None:
    make_dist(
        tmp_path,
        {"health": wheel("other", "1", {"other.py": GOOD_HANDLER}), "products-api": {"handler.py": GOOD_HANDLER}},
    )
    (tmp_path / "products-api.zip").unlink()
    findings = _verify(tmp_path, repo_root)
    assert findings["health"] == [f"{tmp_path / 'health.zip'}: handler module handler.py is not in the zip"]
    assert findings["products-api"] == [f"{tmp_path / 'products-api.zip'}: missing (listed in the manifest)"]


def test_without_a_matching_interpreter_the_import_is_skipped_and_said_so(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER}})
    report = verify(tmp_path, repo_root, candidates=["/nonexistent/python3.12"])
    assert report.ok
    assert report.functions[0].imported is None
    assert "no python3.12 interpreter" in report.functions[0].note


def test_the_interpreter_must_be_the_runtime_version() -> None:
    assert find_interpreter("3.12", [sys.executable]) is not None
    assert find_interpreter("2.7", [sys.executable]) is None


def test_the_command_exits_non_zero_and_prints_each_failure(
    tmp_path: Path, native: NativeFixtures, monkeypatch: pytest.MonkeyPatch, repo_root: Path
) -> None:
    # Given a dist with an incompatible extension
    make_dist(
        tmp_path,
        {"health": {"handler.py": GOOD_HANDLER, **wheel("pkg", "1.0", {EXTENSION: native.with_machine(EM_AARCH64)})}},
    )
    monkeypatch.chdir(repo_root)
    # When `bbws verify` runs on it
    result = CliRunner().invoke(app, ["verify", str(tmp_path)])
    # Then it fails and the output names the file and the reason
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "FAIL health" in output
    assert EXTENSION in output
    assert "EM_AARCH64" in output


def test_the_command_reports_success(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER}})
    monkeypatch.chdir(repo_root)
    result = CliRunner().invoke(app, ["verify", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "ok   health: hashes, binaries and handler import" in result.output


def test_a_handler_attribute_that_is_not_callable_fails(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": b"lambda_handler = 42\n"}})
    assert _verify(tmp_path, repo_root)["health"] == [
        f"{tmp_path / 'health.zip'}: handler.lambda_handler is not callable"
    ]


def test_modules_loaded_from_outside_the_zip_are_reported(tmp_path: Path, repo_root: Path) -> None:
    # Given a handler that reaches outside the zip for a module (here: the build machine's venv)
    outside = Path(pytest.__file__).parent.parent
    source = (
        f"import sys\nsys.path.append({str(outside)!r})\nimport pluggy\n\ndef lambda_handler(e, c):\n    return 1\n"
    )
    make_dist(tmp_path, {"health": {"handler.py": source.encode()}})
    # Then verify names the stray modules
    (finding,) = _verify(tmp_path, repo_root)["health"]
    assert "modules loaded from outside the zip: pluggy" in finding


def test_bytecode_and_unsorted_entries_are_reported(tmp_path: Path, repo_root: Path) -> None:
    # Given a zip written by hand: unsorted, with a .pyc inside
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER}})
    path = tmp_path / "health.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("z.py", "")
        archive.writestr("__pycache__/handler.cpython-312.pyc", b"")
        archive.writestr("handler.py", GOOD_HANDLER)
    manifest = Manifest.read(tmp_path)
    entry = manifest.functions["health"].model_copy(update={"sha256": sha256_of(path), "size": path.stat().st_size})
    manifest.model_copy(update={"functions": {"health": entry}}).write(tmp_path)
    findings = _verify(tmp_path, repo_root)["health"]
    assert f"{path}: entries are not sorted (not a deterministic build)" in findings
    assert f"{path}!__pycache__/handler.cpython-312.pyc: compiled bytecode must not be packaged" in findings


def test_a_file_that_is_not_a_zip_is_reported(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER}})
    path = tmp_path / "health.zip"
    path.write_bytes(b"not a zip")
    manifest = Manifest.read(tmp_path)
    entry = manifest.functions["health"].model_copy(update={"sha256": sha256_of(path), "size": path.stat().st_size})
    manifest.model_copy(update={"functions": {"health": entry}}).write(tmp_path)
    (finding,) = _verify(tmp_path, repo_root)["health"]
    assert finding.startswith(f"{path}: not a zip file")


def test_a_missing_manifest_says_how_to_make_one(tmp_path: Path, repo_root: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run `bbws package"):
        verify(tmp_path, repo_root)


def test_a_record_line_for_a_file_the_zip_does_not_ship_fails(tmp_path: Path, repo_root: Path) -> None:
    # Given an installer's RECORD kept as is: it lists a bin/ script that the zip left out
    files = wheel("jmespath", "1.1.0", {"jmespath/__init__.py": b"x = 1\n"})
    record = "jmespath-1.1.0.dist-info/RECORD"
    files[record] = b"bin/jp.py,sha256=zMDb-NnPguyWReJ-jnyqwO4aPWX4FiSI80WumC1MD_I,1718\n" + bytes(files[record])  # type: ignore[arg-type]
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, **files}})
    # Then verify names the RECORD and the file it wrongly lists
    assert _verify(tmp_path, repo_root)["health"] == [
        f"{tmp_path / 'health.zip'}!{record}: lists bin/jp.py, which is not in the zip"
    ]


def test_a_record_hash_or_size_that_is_not_the_files_fails(tmp_path: Path, repo_root: Path) -> None:
    # Given a RECORD written for other bytes than those shipped
    files = wheel("pkg", "1.0", {"pkg/__init__.py": b"old = 1\n"})
    files["pkg/__init__.py"] = b"new = 22\n"
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, **files}})
    findings = _verify(tmp_path, repo_root)["health"]
    # Then both the hash and the size are named, on the file
    assert len(findings) == 2
    assert findings[0].startswith(f"{tmp_path / 'health.zip'}!pkg/__init__.py: pkg-1.0.dist-info/RECORD says sha256=")
    assert findings[1].endswith("says 8 bytes, but the file has 9")


def test_a_file_no_record_lists_fails(tmp_path: Path, repo_root: Path) -> None:
    # Given a file slipped into a distribution's package, and one outside every package
    files = wheel("pkg", "1.0", {"pkg/__init__.py": b""})
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, "other/x.py": b"", "pkg/stray.py": b"", **files}})
    zip_ = tmp_path / "health.zip"
    # Then both are named: only the project's package (the handler's) needs no RECORD
    assert _verify(tmp_path, repo_root)["health"] == [
        f"{zip_}!other/x.py: not listed in any RECORD (not the project's code either)",
        f"{zip_}!pkg/stray.py: not listed in any RECORD (not the project's code either)",
    ]


def test_a_dist_info_without_record_fails(tmp_path: Path, repo_root: Path) -> None:
    files = wheel("pkg", "1.0", {"pkg/__init__.py": b""})
    del files["pkg-1.0.dist-info/RECORD"]
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, **files}})
    findings = _verify(tmp_path, repo_root)["health"]
    assert (
        f"{tmp_path / 'health.zip'}!pkg-1.0.dist-info: no RECORD: the files of this distribution are unaccounted for"
        in findings
    )


def test_the_distributions_in_the_zip_are_the_manifests(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, **wheel("pkg", "1.0", {"pkg/a.py": b""})}})
    manifest = Manifest.read(tmp_path)
    entry = manifest.functions["health"].model_copy(update={"distributions": ["other==2"]})
    manifest.model_copy(update={"functions": {"health": entry}}).write(tmp_path)
    assert _verify(tmp_path, repo_root)["health"] == [
        f"{tmp_path / 'health.zip'}: other==2 is in the manifest but not in the zip",
        f"{tmp_path / 'health.zip'}: pkg==1.0 is in the zip but not in the manifest",
    ]
