"""Every function's SnapStart priming hook under the real runtime client (awslambdaric's
snap-start init path: before-snapshot hooks, restore/next, after-restore hooks), then the
synthetic event `bbws verify` sends. The code comes from this checkout and its libraries from
this environment (packaging the eight zips is `bbws verify`'s job, tested on the health zip)."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import pytest

from bbws.core.functions import FUNCTIONS
from bbws.delivery.manifest import FunctionArtifact
from bbws.delivery.probe_events import probe_for
from bbws.delivery.runtime_boot import BootOptions, RuntimeClientDir, boot, prepare_runtime_client
from bbws.delivery.verify import lambda_environment

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> RuntimeClientDir:
    prepared = prepare_runtime_client(tmp_path_factory.mktemp("var-runtime"))
    if isinstance(prepared, str):
        pytest.skip(prepared)
    return prepared


@pytest.fixture(scope="module")
def task(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("var-task")
    (root / "bbws").symlink_to(ROOT / "src" / "bbws", target_is_directory=True)
    return root


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.name)
def test_each_function_primes_restores_and_answers_under_the_runtime_client(
    function: object, runtime: RuntimeClientDir, task: Path
) -> None:
    from bbws.core.functions import LambdaFunction

    assert isinstance(function, LambdaFunction)
    artifact = FunctionArtifact(
        file=f"{function.name}.zip", sha256="0" * 64, size=0, unzipped_size=0, files=0,
        handler=function.lambda_handler, service=function.service, runtime="python3.12", architecture="x86_64",
    )  # fmt: skip
    probe = probe_for(function.name)
    result = boot(
        sys.executable,
        task,
        runtime,
        handler=function.lambda_handler,
        environment=lambda_environment(function.name, artifact),
        event=probe.event,
        sdk=(Path(sysconfig.get_paths()["purelib"]),),
        options=BootOptions(snap_start=True),
    )
    # Then priming ran without reaching AWS (the boot's endpoint records any call), restore
    # went through, and the function answered its synthetic event as verify expects
    assert result.problems() == [], result.output[-2000:]
    assert result.restore_error is None
    assert result.init_error is None
    assert probe.check(result.response) is None
