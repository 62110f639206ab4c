"""Fixtures for the delivery tests: tiny native libraries built with gcc, a moto account with
the platform's functions and aliases, and a clock that never really sleeps."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bbws.core.functions import BY_NAME
from bbws.delivery import release as release_module
from bbws.delivery.accounts import ALIAS, Environment
from bbws.delivery.archive import write_zip
from bbws.delivery.manifest import FunctionArtifact, Manifest
from bbws.delivery.records import record_hash, record_path, render_record

REPO_ROOT = Path(__file__).resolve().parents[2]
MOTO_ACCOUNT = "123456789012"  # moto's default account


def _compile(directory: Path, name: str, source: str, *flags: str, compiler: str = "gcc", suffix: str = ".c") -> Path:
    if shutil.which(compiler) is None:
        pytest.skip(f"{compiler} is needed to build native-library fixtures")
    source_file = directory / f"{name}{suffix}"
    source_file.write_text(source)
    output = directory / name
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O0", "-o", str(output), str(source_file), *flags], check=True, cwd=directory
    )
    return output


@dataclass(frozen=True)
class NativeFixtures:
    """Hand-made broken (and good) native files, each compiled here by gcc/g++ at test time."""

    plain: bytes  # a shared library built for this machine, needing only old glibc symbols
    new_glibc: bytes  # calls arc4random, which exists only from glibc 2.36
    new_glibcxx: bytes  # C++: std::condition_variable::wait, GLIBCXX_3.4.30 (GCC 12's libstdc++)
    new_cxxabi: bytes  # C++: std::exception_ptr copies, CXXABI_1.3.13 (GCC 11's, newer than Amazon Linux 2's)
    new_gcc: bytes  # _Float16 -> double through libgcc_s's GCC_12.0.0 __extendhfdf2
    needs_dep: bytes  # DT_NEEDED libbbwsdep.so.1, symbol version BBWSDEP_2.0; DT_RUNPATH $ORIGIN/../pkg.libs
    dep: bytes  # libbbwsdep.so.1 defining BBWSDEP_2.0
    dep_old: bytes  # libbbwsdep.so.1 defining only BBWSDEP_1.0

    def with_machine(self, machine: int) -> bytes:
        """The plain library with its ELF header's e_machine rewritten (e.g. 183 = EM_AARCH64)."""
        data = bytearray(self.plain)
        data[18:20] = machine.to_bytes(2, "little")
        return bytes(data)


@pytest.fixture(scope="session")
def native(tmp_path_factory: pytest.TempPathFactory) -> NativeFixtures:
    directory = tmp_path_factory.mktemp("native")
    plain = _compile(directory, "plain.so", "int answer(void) { return 42; }\n")
    new = _compile(directory, "new_glibc.so", "#include <stdlib.h>\nunsigned int draw(void) { return arc4random(); }\n")
    glibcxx = _compile(
        directory,
        "cv.so",
        "#include <condition_variable>\n#include <mutex>\nstd::mutex m; std::condition_variable cv;\n"
        'extern "C" void wait_once() { std::unique_lock<std::mutex> lock(m); cv.wait(lock); }\n',
        compiler="g++",
        suffix=".cpp",
    )
    cxxabi = _compile(
        directory,
        "ep.so",
        '#include <exception>\nextern "C" int keep() '
        "{ std::exception_ptr p = std::current_exception(); std::exception_ptr q = p; return q == nullptr; }\n",
        compiler="g++",
        suffix=".cpp",
    )
    gcc = _compile(directory, "f16.so", "double widen(_Float16 x) { return (double)x; }\n", "-shared-libgcc", "-lgcc_s")
    (directory / "new.map").write_text(
        "BBWSDEP_1.0 { global: old_dep; local: *; };\nBBWSDEP_2.0 { global: dep; } BBWSDEP_1.0;\n"
    )
    (directory / "old.map").write_text("BBWSDEP_1.0 { global: old_dep; dep; local: *; };\n")
    source = "int old_dep(void) { return 1; }\nint dep(void) { return 2; }\n"
    dep = _compile(directory, "libbbwsdep.so.1", source, "-Wl,--version-script=new.map", "-Wl,-soname,libbbwsdep.so.1")
    (directory / "old").mkdir()
    dep_old = _compile(
        directory, "old/libbbwsdep.so.1", source, "-Wl,--version-script=old.map", "-Wl,-soname,libbbwsdep.so.1"
    )
    needs = _compile(
        directory,
        "needs_dep.so",
        "int dep(void);\nint twice(void) { return 2 * dep(); }\n",
        "-L.",
        "-l:libbbwsdep.so.1",
        "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../pkg.libs",
    )
    return NativeFixtures(
        plain.read_bytes(),
        new.read_bytes(),
        glibcxx.read_bytes(),
        cxxabi.read_bytes(),
        gcc.read_bytes(),
        needs.read_bytes(),
        dep.read_bytes(),
        dep_old.read_bytes(),
    )


class FakeClock:
    """Monotonic time that moves only when the code under test sleeps; `on_sleep` hooks let a
    test change the world (fire an alarm) at a given moment."""

    def __init__(self) -> None:
        self.started = time.time()
        self.now = 0.0
        self.sleeps: list[float] = []
        self.on_sleep: list[Callable[[float], None]] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        # wall time starts at the real one, so another process's (thread's) real clock agrees on leases
        return self.started + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        for hook in self.on_sleep:
            hook(self.now)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def fake_system_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """`bbws release` run through the CLI (which uses the system clock) on a FakeClock instead:
    the alarm-derived holds (minutes) pass instantly."""
    clock = FakeClock()
    monkeypatch.setattr(release_module, "SystemClock", lambda: clock)
    return clock


def tiny_zip(body: str = "def lambda_handler(event, context):\n    return event\n") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", body)
    return buffer.getvalue()


@dataclass
class Cloud:
    """An emulated AWS account with the platform's functions, each already serving version 1
    through its `live` alias, and an artifacts bucket per environment."""

    session: boto3.session.Session
    environments: dict[str, Environment]
    functions: tuple[str, ...]
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str, env: str = "dev") -> Any:
        key = f"{service}:{env}"
        if key not in self.clients:
            self.clients[key] = self.session.client(service, region_name=self.environments[env].region)
        return self.clients[key]

    def alias(self, env: str, function: str) -> dict[str, Any]:
        name = self.environments[env].function_name(function)
        return self.client("lambda", env).get_alias(FunctionName=name, Name=ALIAS)  # type: ignore[no-any-return]

    def add_alarm(
        self, env: str, function: str, suffix: str = "errors", *, period: int = 60, evaluations: int = 1
    ) -> str:
        name = f"{self.environments[env].function_name(function)}-{suffix}"
        self.client("cloudwatch", env).put_metric_alarm(
            AlarmName=name,
            MetricName="Errors",
            Namespace="AWS/Lambda",
            Statistic="Sum",
            Period=period,
            EvaluationPeriods=evaluations,
            DatapointsToAlarm=min(2, evaluations),
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            Dimensions=[{"Name": "FunctionName", "Value": self.environments[env].function_name(function)}],
        )
        return name

    def grant_ses_production_access(self, env: str) -> None:
        """SES of the environment's account out of the sandbox (the emulator grants it at once)."""
        self.client("sesv2", env).put_account_details(
            MailType="TRANSACTIONAL",
            WebsiteURL="https://shop.example",
            UseCaseDescription="order emails",
            ProductionAccessEnabled=True,
        )

    def set_alarm(self, env: str, alarm: str, state: str) -> None:
        self.client("cloudwatch", env).set_alarm_state(AlarmName=alarm, StateValue=state, StateReason="test")


# The real environment table, except that every stage lives in moto's one account, so one
# emulator holds them all. Account mismatches are tested with an environment on another account.
TEST_ENVIRONMENTS = {
    "dev": Environment("dev", MOTO_ACCOUNT, "eu-west-1", previous=None),
    "sit": Environment("sit", MOTO_ACCOUNT, "eu-central-1", previous="dev"),
    "prod": Environment("prod", MOTO_ACCOUNT, "af-south-1", previous="sit", protected=True),
}


# One session for every test: it caches the service models, which are slow to load.
_SESSION = boto3.session.Session(region_name="eu-west-1")


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)
    with mock_aws():
        session = _SESSION
        functions = ("health", "orders-api")
        role = session.client("iam").create_role(RoleName="bbws-lambda", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        result = Cloud(session, TEST_ENVIRONMENTS, functions)
        for env in TEST_ENVIRONMENTS.values():
            s3 = result.client("s3", env.name)
            if env.region == "us-east-1":  # pragma: no cover - no environment is there
                s3.create_bucket(Bucket=env.artifacts_bucket)
            else:
                s3.create_bucket(
                    Bucket=env.artifacts_bucket, CreateBucketConfiguration={"LocationConstraint": env.region}
                )
            lam = result.client("lambda", env.name)
            for function in functions:
                name = env.function_name(function)
                lam.create_function(
                    FunctionName=name,
                    Runtime="python3.12",
                    Role=role,
                    Handler=BY_NAME[function].lambda_handler,
                    Code={"ZipFile": tiny_zip()},
                    Architectures=["x86_64"],
                )
                version = lam.publish_version(FunctionName=name)["Version"]
                lam.create_alias(FunctionName=name, Name=ALIAS, FunctionVersion=version)
                # as Terraform's function module: 60 s periods, 2 of 3 datapoints (240 s to judge a step)
                result.add_alarm(env.name, function, "errors", evaluations=3)
        yield result


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


def wheel(name: str, version: str, files: dict[str, bytes]) -> dict[str, Path | bytes]:
    """A distribution as packaging ships it: its files and a dist-info whose RECORD is true."""
    dist_info = f"{name.replace('-', '_')}-{version}.dist-info"
    listed = {path: (record_hash(data), len(data)) for path, data in files.items()}
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    listed[f"{dist_info}/METADATA"] = (record_hash(metadata), len(metadata))
    return {**files, f"{dist_info}/METADATA": metadata, record_path(dist_info): render_record(dist_info, listed)}


def _pins(entries: dict[str, Path | bytes]) -> list[str]:
    tops = {name.split("/", 1)[0] for name in entries if name.split("/", 1)[0].endswith(".dist-info")}
    pins = []
    for top in tops:
        dist, _, version = top.removesuffix(".dist-info").rpartition("-")
        pins.append(f"{dist.replace('_', '-').lower()}=={version}")
    return sorted(pins)


def installed(
    distribution: str,
    keep: Callable[[str], bool] = lambda _path: True,
    change: Callable[[str, bytes], bytes] = lambda _path, data: data,
) -> dict[str, bytes]:
    """The files of a distribution installed in this environment (the locked version), as a zip
    would carry them: its package files (those `keep` accepts, as `change` makes them) and a
    RECORD true to them."""
    files: dict[str, bytes] = {}
    for entry in metadata.files(distribution) or []:
        path = entry.as_posix()
        if path.startswith(("../", "/")) or ".dist-info/" in path or "__pycache__" in path or path.endswith(".pyc"):
            continue
        if keep(path):
            files[path] = change(path, Path(str(entry.locate())).read_bytes())
    return {name: bytes(data) for name, data in wheel(distribution, metadata.version(distribution), files).items()}


def make_dist(
    directory: Path,
    functions: dict[str, dict[str, Path | bytes]],
    handler: str = "handler.lambda_handler",
    *,
    bundles_boto3: bool = True,
) -> Manifest:
    """A dist directory as `bbws package` writes it, from hand-made zip contents (the
    distributions in the manifest are the zip's dist-info directories)."""
    artifacts: dict[str, FunctionArtifact] = {}
    for name, entries in functions.items():
        stats = write_zip(directory / f"{name}.zip", entries)
        artifacts[name] = FunctionArtifact(
            file=f"{name}.zip",
            sha256=stats.sha256,
            size=stats.size,
            unzipped_size=stats.unzipped_size,
            files=stats.files,
            handler=BY_NAME[name].lambda_handler if name in BY_NAME and handler == "by-name" else handler,
            service=name,
            runtime="python3.12",
            architecture="x86_64",
            distributions=_pins(entries),
        )
    manifest = Manifest(
        runtime="python3.12",
        architecture="x86_64",
        python_platform="x86_64-manylinux_2_34",
        lock_sha256="0" * 64,
        bundles_boto3=bundles_boto3,
        functions=artifacts,
    )
    manifest.write(directory)
    return manifest


PRODUCT = {"productId": "web-basic", "currency": "ZAR", "price": "99.99"}


class StubApi:
    """What the stub API answers, and every request it received."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self.health_status = "ok"
        self.missing_type = "application/problem+json"
        self.products: list[dict[str, str]] = [PRODUCT]


@pytest.fixture
def api() -> Iterator[tuple[str, StubApi]]:
    state = StubApi()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # noqa: ARG002 - keep test output quiet
            return

        def _send(self, status: int, body: object, content_type: str = "application/json") -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            state.requests.append(("GET", self.path, dict(self.headers), None))
            if self.path == "/v1.0/health":
                self._send(200, {"status": state.health_status, "version": "0.1.0", "environment": "dev"})
            elif self.path == "/v1.0/products":
                self._send(200, {"items": state.products, "nextCursor": None})
            else:
                self._send(404, {"type": "about:blank", "title": "Not Found", "status": 404}, state.missing_type)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(("POST", self.path, dict(self.headers), body))
            self._send(202, {"orderId": "o-1", "status": "PENDING", "message": "Order creation initiated"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()
    server.server_close()
