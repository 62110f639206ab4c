"""`bbws verify`: every failure names the file and the reason; good artifacts boot under the real
runtime interface client (awslambdaric) and answer their synthetic event. The zips are made by
hand here, one per kind of breakage Lambda would reject."""

from __future__ import annotations

import gzip
import json
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery.archive import sha256_of
from bbws.delivery.aws_models import runtime_sdk
from bbws.delivery.manifest import Manifest
from bbws.delivery.runtime_boot import BootOptions
from bbws.delivery.targets import Target
from bbws.delivery.verify import find_interpreter, verify

from .conftest import REPO_ROOT, NativeFixtures, installed, make_dist, wheel

EM_AARCH64 = 183
HEALTHY = 'return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": \'{"status": "ok"}\'}'
GOOD_HANDLER = f"import json\n\ndef lambda_handler(event, context):\n    {HEALTHY}\n".encode()
EXTENSION = "pkg/_native.cpython-312-x86_64-linux-gnu.so"
MACH_O = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 56


def _verify(dist: Path, repo_root: Path, **options: object) -> dict[str, list[str]]:
    report = verify(dist, repo_root, candidates=[sys.executable], **options)  # type: ignore[arg-type]
    return {result.name: [str(finding) for finding in result.findings] for result in report.functions}


def _handler(*lines: str) -> bytes:
    body = "\n    ".join([*lines, HEALTHY])
    return f"def lambda_handler(event, context):\n    {body}\n".encode()


def test_a_good_artifact_boots_and_answers_its_synthetic_event(tmp_path: Path, repo_root: Path) -> None:
    # Given a zip whose handler answers the health route
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER}})
    steps: list[tuple[str, str]] = []
    # When it is verified
    report = verify(tmp_path, repo_root, candidates=[sys.executable], progress=lambda n, s: steps.append((n, s)))
    # Then it passes, booted under the runtime client, and each step was announced as it started
    assert report.ok, report.functions[0].findings
    assert report.functions[0].booted is True
    assert report.functions[0].probe == "GET /v1.0/health"
    assert [step for _, step in steps] == [
        "checking hashes",
        "checking RECORDs, native code and AWS models",
        "booting under awslambdaric: GET /v1.0/health",
    ]


@pytest.mark.parametrize(
    ("member", "fixture", "reason"),
    [
        (EXTENSION, "aarch64", "ELF machine EM_AARCH64, but python3.12/x86_64 needs EM_X86_64"),
        (EXTENSION, "mach-o", "Mach-O (macOS): python3.12/x86_64 loads only ELF objects for EM_X86_64"),
        ("pkg/_speedups", "mach-o", "Mach-O (macOS): python3.12/x86_64 loads only ELF objects for EM_X86_64"),
        (
            "pkg/_cv.abi3.so",
            "glibcxx",
            "needs GLIBCXX_3.4.30 from libstdc++.so.6, but python3.12 (Amazon Linux 2023) provides GLIBCXX_3.4.29 "
            "at most",
        ),
        (
            "pkg/_f16.abi3.so",
            "gcc",
            "needs GCC_12.0.0 from libgcc_s.so.1, but python3.12 (Amazon Linux 2023) provides GCC_7.0.0 at most",
        ),
        (
            "pkg/_needs.abi3.so",
            "needs-dep",
            "needs libbbwsdep.so.1, which is neither in the zip (where Lambda's loader looks) nor a system library "
            "of Amazon Linux 2023 (python3.12)",
        ),
    ],
)
def test_a_broken_native_file_fails_naming_the_zip_the_file_and_the_reason(
    tmp_path: Path, native: NativeFixtures, member: str, fixture: str, reason: str
) -> None:
    data = {
        "aarch64": native.with_machine(EM_AARCH64),
        "mach-o": MACH_O,
        "glibcxx": native.new_glibcxx,
        "gcc": native.new_gcc,
        "needs-dep": native.needs_dep,
    }[fixture]
    # Given a wheel carrying the file, whose handler never imports it
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, **wheel("pkg", "1.0", {member: data})}})
    # Then verify refuses the zip before booting it
    assert _verify(tmp_path, REPO_ROOT)["health"] == [f"{tmp_path / 'health.zip'}!{member}: {reason}"]


def test_an_extension_needing_a_newer_glibc_fails_naming_the_file(
    tmp_path: Path, repo_root: Path, native: NativeFixtures
) -> None:
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, **wheel("pkg", "1.0", {EXTENSION: native.new_glibc})}})
    (finding,) = _verify(tmp_path, repo_root)["health"]
    assert finding.startswith(f"{tmp_path / 'health.zip'}!{EXTENSION}: needs GLIBC_2.")
    assert finding.endswith("from libc.so.6, but python3.12 (Amazon Linux 2023) provides GLIBC_2.34 at most")


def test_a_needed_library_shipped_where_the_loader_finds_it_boots(
    tmp_path: Path, repo_root: Path, native: NativeFixtures
) -> None:
    # Given an extension with its library in pkg.libs (auditwheel's layout), loaded by the handler
    files = wheel("pkg", "1.0", {"pkg/_needs.abi3.so": native.needs_dep, "pkg.libs/libbbwsdep.so.1": native.dep})
    loader = _handler(
        "import ctypes, os", "assert ctypes.CDLL(os.path.join(os.getcwd(), 'pkg/_needs.abi3.so')).twice() == 4"
    )
    make_dist(tmp_path, {"health": {"handler.py": loader, **files}})
    # Then the static checks pass and the booted function really loads it
    assert _verify(tmp_path, repo_root)["health"] == []


def _boto3(*, drop: str | None = None, corrupt: str | None = None) -> dict[str, bytes]:
    """boto3 and botocore as installed here, with the service models of dynamodb and sqs only
    (a full botocore is 20 MB), one of them dropped or corrupted."""
    services = {"dynamodb", "sqs"} - {drop}

    def keep(path: str) -> bool:
        parts = path.split("/")
        if parts[:2] != ["botocore", "data"] or len(parts) == 3:
            return True
        return parts[2] in services

    files: dict[str, bytes] = {}
    for distribution in ("boto3", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"):
        files.update(installed(distribution))

    def change(path: str, data: bytes) -> bytes:
        if corrupt is not None and path.startswith(f"botocore/data/{corrupt}/") and "/service-2." in path:
            return gzip.compress(b"{not json")
        return data

    botocore = installed("botocore", keep, change)
    return {**files, **botocore}


SQS_CODE = _handler() + b"\n\ndef queue():\n    import boto3\n    return boto3.client('sqs')\n"


def test_a_client_whose_service_model_is_not_in_the_zip_fails(tmp_path: Path, repo_root: Path) -> None:
    # Given code that creates an SQS client, and a botocore without botocore/data/sqs
    make_dist(tmp_path, {"health": {"handler.py": SQS_CODE, **_boto3(drop="sqs")}})
    # Then verify fails although importing the handler works (botocore loads models lazily)
    assert _verify(tmp_path, repo_root)["health"] == [
        f"{tmp_path / 'health.zip'}: client('sqs') has no service model in the zip "
        "(missing botocore/data/sqs/*/service-2.json.gz)"
    ]


def test_every_client_is_created_for_real_in_the_booted_function(tmp_path: Path, repo_root: Path) -> None:
    # Given the SQS model present but unreadable: only creating the client finds out
    make_dist(tmp_path, {"health": {"handler.py": SQS_CODE, **_boto3(corrupt="sqs")}})
    (finding,) = _verify(tmp_path, repo_root)["health"]
    assert finding.startswith(f"{tmp_path / 'health.zip'}: cannot create the sqs client: ")
    # and with a good model, the same zip passes
    good = tmp_path / "good"
    good.mkdir()
    make_dist(good, {"health": {"handler.py": SQS_CODE, **_boto3()}})
    assert _verify(good, repo_root)["health"] == []


@pytest.fixture(scope="module")
def python312_sdk() -> Path:
    """The python3.12 runtime's pinned boto3, installed once into the repository's cache."""
    return runtime_sdk(REPO_ROOT / ".bbws" / "cache", Target.of("python3.12"))


def test_a_zip_without_boto3_is_verified_against_the_runtimes_boto3(
    tmp_path: Path, repo_root: Path, python312_sdk: Path
) -> None:
    # Given a --no-bundle-boto3 zip whose handler imports boto3 and creates an SQS client
    code = b"import boto3\n" + SQS_CODE
    make_dist(tmp_path, {"health": {"handler.py": code}}, bundles_boto3=False)
    # Then it boots with the runtime's pinned boto3 after the zip on the path, and passes
    report = verify(tmp_path, repo_root, candidates=[sys.executable], sdk=python312_sdk)
    assert report.ok, report.functions[0].findings
    assert report.functions[0].booted is True
    # But a service the runtime's boto3 does not know fails, naming that boto3
    other = tmp_path / "other"
    other.mkdir()
    make_dist(
        other, {"health": {"handler.py": code + b"\ndef x():\n    boto3.client('bbws-nope')\n"}}, bundles_boto3=False
    )
    assert _verify(other, repo_root, sdk=python312_sdk)["health"] == [
        f"{other / 'health.zip'}: client('bbws-nope') has no service model in python3.12's boto3 1.38.36 "
        "(missing botocore/data/bbws-nope/*/service-2.json.gz)"
    ]


def test_a_handler_that_cannot_import_from_the_zip_alone_fails_with_the_runtimes_message(
    tmp_path: Path, repo_root: Path
) -> None:
    # Given a handler importing a package the zip does not carry (but the host venv has)
    make_dist(tmp_path, {"health": {"handler.py": b"import pydantic\n\ndef lambda_handler(e, c):\n    return 1\n"}})
    # Then the runtime's init error is the finding: only the zip is on the path
    assert _verify(tmp_path, repo_root)["health"] == [
        f"{tmp_path / 'health.zip'}: init failed: Runtime.ImportModuleError: Unable to import module 'handler': "
        "No module named 'pydantic'"
    ]


def test_an_error_answer_fails_with_the_runtimes_message(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": b"def lambda_handler(e, c):\n    raise ValueError('boom')\n"}})
    assert _verify(tmp_path, repo_root)["health"] == [f"{tmp_path / 'health.zip'}: invocation failed: ValueError: boom"]


def test_a_wrong_answer_to_the_synthetic_event_fails(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": b"def lambda_handler(e, c):\n    return {'statusCode': 503}\n"}})
    assert _verify(tmp_path, repo_root)["health"] == [
        f'{tmp_path / "health.zip"}: GET /v1.0/health: expected 200 with status "ok", got {{"statusCode": 503}}'
    ]


def test_a_handler_attribute_that_is_not_callable_fails(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": b"lambda_handler = 42\n"}})
    assert _verify(tmp_path, repo_root)["health"] == [
        f"{tmp_path / 'health.zip'}: invocation failed: TypeError: 'int' object is not callable"
    ]


def test_an_aws_call_made_by_the_synthetic_event_is_reported(tmp_path: Path, repo_root: Path) -> None:
    code = _handler(
        "import os, urllib.request, urllib.error",
        "try:",
        "    urllib.request.urlopen(os.environ['AWS_ENDPOINT_URL'] + '/tables')",
        "except urllib.error.HTTPError:",
        "    pass",
    )
    make_dist(tmp_path, {"health": {"handler.py": code}})
    assert _verify(tmp_path, repo_root)["health"] == [
        f"{tmp_path / 'health.zip'}: the synthetic event made AWS calls: GET /tables"
    ]


def test_a_function_that_never_answers_is_stopped(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": b"import time\n\ndef lambda_handler(e, c):\n    time.sleep(60)\n"}})
    findings = _verify(tmp_path, repo_root, options=BootOptions(timeout_seconds=2))["health"]
    assert findings[0] == f"{tmp_path / 'health.zip'}: no answer from the function within the boot timeout"


def test_modules_loaded_from_outside_the_zip_are_reported(tmp_path: Path, repo_root: Path) -> None:
    # Given a handler that reaches outside the zip for a module (here: the build machine's venv)
    outside = Path(pytest.__file__).parent.parent
    code = _handler("import sys", f"sys.path.append({str(outside)!r})", "import pluggy")
    make_dist(tmp_path, {"health": {"handler.py": code}})
    # Then verify names the stray modules
    (finding,) = _verify(tmp_path, repo_root)["health"]
    assert "modules loaded from outside the zip: pluggy" in finding


def test_a_zip_changed_after_packaging_fails_its_hash(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER}})
    with (tmp_path / "health.zip").open("ab") as handle:
        handle.write(b"tampered")
    findings = _verify(tmp_path, repo_root)["health"]
    assert any(f.startswith(f"{tmp_path / 'health.zip'}: sha256 ") and "manifest" in f for f in findings)


def test_a_missing_zip_and_a_missing_handler_module_are_reported(tmp_path: Path, repo_root: Path) -> None:
    make_dist(
        tmp_path,
        {"health": wheel("other", "1", {"other.py": GOOD_HANDLER}), "products-api": {"handler.py": GOOD_HANDLER}},
    )
    (tmp_path / "products-api.zip").unlink()
    findings = _verify(tmp_path, repo_root)
    assert findings["health"] == [f"{tmp_path / 'health.zip'}: handler module handler.py is not in the zip"]
    assert findings["products-api"] == [f"{tmp_path / 'products-api.zip'}: missing (listed in the manifest)"]


def test_without_a_matching_interpreter_the_boot_is_skipped_and_said_so(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER}})
    report = verify(tmp_path, repo_root, candidates=["/nonexistent/python3.12"])
    assert report.ok
    assert report.functions[0].booted is None
    assert report.functions[0].note == "runtime boot skipped: no python3.12 interpreter here"


def test_the_interpreter_must_be_the_runtime_version() -> None:
    assert find_interpreter("3.12", [sys.executable]) is not None
    assert find_interpreter("2.7", [sys.executable]) is None


def test_the_command_exits_non_zero_and_prints_each_failure(
    tmp_path: Path, native: NativeFixtures, monkeypatch: pytest.MonkeyPatch, repo_root: Path
) -> None:
    files = wheel("pkg", "1.0", {EXTENSION: native.with_machine(EM_AARCH64)})
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, **files}})
    monkeypatch.chdir(repo_root)
    result = CliRunner().invoke(app, ["verify", str(tmp_path)])
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "FAIL health" in output
    assert EXTENSION in output
    assert "EM_AARCH64" in output


def test_the_command_reports_success_and_each_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repo_root: Path
) -> None:
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER}})
    monkeypatch.chdir(repo_root)
    result = CliRunner().invoke(app, ["verify", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "health: booting under awslambdaric: GET /v1.0/health" in result.output  # not a terminal: one line a step
    assert "ok   health: checks passed; booted and answered GET /v1.0/health" in result.output
    assert "verified 1 function(s) in" in result.output


def test_bytecode_and_unsorted_entries_are_reported(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER}})
    path = tmp_path / "health.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("z.py", "")
        archive.writestr("__pycache__/handler.cpython-312.pyc", b"")
        archive.writestr("handler.py", GOOD_HANDLER)
    _rehash(tmp_path, path)
    findings = _verify(tmp_path, repo_root)["health"]
    assert f"{path}: entries are not sorted (not a deterministic build)" in findings
    assert f"{path}!__pycache__/handler.cpython-312.pyc: compiled bytecode must not be packaged" in findings


def _rehash(dist: Path, path: Path) -> None:
    manifest = Manifest.read(dist)
    entry = manifest.functions["health"].model_copy(update={"sha256": sha256_of(path), "size": path.stat().st_size})
    manifest.model_copy(update={"functions": {"health": entry}}).write(dist)


def test_a_file_that_is_not_a_zip_is_reported(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER}})
    path = tmp_path / "health.zip"
    path.write_bytes(b"not a zip")
    _rehash(tmp_path, path)
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
    assert _verify(tmp_path, repo_root)["health"] == [
        f"{tmp_path / 'health.zip'}!{record}: lists bin/jp.py, which is not in the zip"
    ]


def test_a_record_hash_or_size_that_is_not_the_files_fails(tmp_path: Path, repo_root: Path) -> None:
    files = wheel("pkg", "1.0", {"pkg/__init__.py": b"old = 1\n"})
    files["pkg/__init__.py"] = b"new = 22\n"
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, **files}})
    findings = _verify(tmp_path, repo_root)["health"]
    assert len(findings) == 2
    assert findings[0].startswith(f"{tmp_path / 'health.zip'}!pkg/__init__.py: pkg-1.0.dist-info/RECORD says sha256=")
    assert findings[1].endswith("says 8 bytes, but the file has 9")


def test_a_file_no_record_lists_fails(tmp_path: Path, repo_root: Path) -> None:
    files = wheel("pkg", "1.0", {"pkg/__init__.py": b""})
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, "other/x.py": b"", "pkg/stray.py": b"", **files}})
    zip_ = tmp_path / "health.zip"
    assert _verify(tmp_path, repo_root)["health"] == [
        f"{zip_}!other/x.py: not listed in any RECORD (not the project's code either)",
        f"{zip_}!pkg/stray.py: not listed in any RECORD (not the project's code either)",
    ]


def test_a_dist_info_without_record_fails(tmp_path: Path, repo_root: Path) -> None:
    files = wheel("pkg", "1.0", {"pkg/__init__.py": b""})
    del files["pkg-1.0.dist-info/RECORD"]
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, **files}})
    findings = _verify(tmp_path, repo_root)["health"]
    zip_ = tmp_path / "health.zip"
    assert f"{zip_}!pkg-1.0.dist-info: no RECORD: the files of this distribution are unaccounted for" in findings


def test_the_distributions_in_the_zip_are_the_manifests(tmp_path: Path, repo_root: Path) -> None:
    make_dist(tmp_path, {"health": {"handler.py": GOOD_HANDLER, **wheel("pkg", "1.0", {"pkg/a.py": b""})}})
    manifest = Manifest.read(tmp_path)
    entry = manifest.functions["health"].model_copy(update={"distributions": ["other==2"]})
    manifest.model_copy(update={"functions": {"health": entry}}).write(tmp_path)
    assert _verify(tmp_path, repo_root)["health"] == [
        f"{tmp_path / 'health.zip'}: other==2 is in the manifest but not in the zip",
        f"{tmp_path / 'health.zip'}: pkg==1.0 is in the zip but not in the manifest",
    ]


def test_the_synthetic_events_need_no_aws() -> None:
    from bbws.core.functions import FUNCTIONS
    from bbws.delivery.probe_events import probe_for

    # every function has one, and each is plain JSON
    for function in FUNCTIONS:
        probe = probe_for(function.name)
        assert json.loads(json.dumps(probe.event)) == probe.event


def test_the_snapstart_path_runs_the_before_snapshot_hooks(tmp_path: Path, repo_root: Path) -> None:
    # Given a handler registering a before-snapshot (priming) hook that fails
    code = (
        b"from snapshot_restore_py import register_before_snapshot\n\n"
        b"@register_before_snapshot\ndef prime():\n    raise RuntimeError('priming failed')\n\n" + GOOD_HANDLER
    )
    make_dist(tmp_path, {"health": {"handler.py": code}})
    # Then an on-demand boot never runs it, and verify, which boots as deployed (SnapStart),
    # fails it with the runtime's message
    assert _verify(tmp_path, repo_root, options=BootOptions())["health"] == []
    (finding,) = _verify(tmp_path, repo_root)["health"]
    assert finding.startswith(f"{tmp_path / 'health.zip'}: init failed: RuntimeError: priming failed")
