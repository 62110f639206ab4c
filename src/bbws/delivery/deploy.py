"""`bbws deploy | destroy`: moving verified artifacts into an environment.

Every entry point first proves the caller is in the environment's account (`require_account`).
Deploying uploads each zip and its build's manifest by sha256, publishes a new Lambda version
from the zip in S3 and checks that Lambda's CodeSha256 is the artifact's; the `live` alias is
moved later by `release`. Promotion (`promote.py`) deploys through here exactly the artifacts the
previous environment recorded as passed.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from bbws.core.functions import FUNCTIONS
from bbws.delivery.accounts import (
    Environment,
    GuardError,
    refuse_destroy,
    require_account,
)
from bbws.delivery.archive import sha256_of
from bbws.delivery.manifest import FunctionArtifact, Manifest
from bbws.delivery.progress import ProgressStore
from bbws.delivery.store import ArtifactStore, ReleaseRecord, Status, b64_sha256
from bbws.delivery.traffic import alias_version


@dataclass(frozen=True)
class Artifact:
    """A zip on disk that is known to be the manifest's (its sha256 was re-checked)."""

    name: str
    path: Path
    spec: FunctionArtifact
    build: Manifest  # the manifest it was listed in, uploaded beside it


def load_artifacts(dist: Path, functions: Sequence[str] = ()) -> list[Artifact]:
    """The manifest's artifacts, each re-hashed; refuses if any zip differs from the manifest."""
    manifest = Manifest.read(dist)
    unknown = sorted(set(functions) - set(manifest.functions))
    if unknown:
        raise GuardError(f"{dist / 'manifest.json'}: no artifact for {', '.join(unknown)}")
    artifacts: list[Artifact] = []
    for name in sorted(manifest.functions):
        if functions and name not in functions:
            continue
        spec = manifest.functions[name]
        path = dist / spec.file
        if not path.is_file():
            raise GuardError(f"{path}: missing (listed in the manifest)")
        actual = sha256_of(path)
        if actual != spec.sha256:
            raise GuardError(f"{path}: sha256 {actual} is not the manifest's {spec.sha256}; refusing to deploy it")
        artifacts.append(Artifact(name, path, spec, manifest))
    return artifacts


def deploy_artifact(env: Environment, lam: Any, store: ArtifactStore, artifact: Artifact) -> ReleaseRecord:
    """Upload one artifact, point the function's code at it, publish a version, record it."""
    function_name = env.function_name(artifact.name)
    configuration = lam.get_function_configuration(FunctionName=function_name)
    expected = {
        "Runtime": artifact.spec.runtime,
        "Handler": artifact.spec.handler,
        "Architectures": [artifact.spec.architecture],
    }
    for setting, wanted in expected.items():
        actual = configuration.get(setting)
        if actual is not None and actual != wanted:
            raise GuardError(
                f"{function_name}: {setting} is {actual}, but the artifact {artifact.path.name} needs {wanted} "
                "(change it in Terraform first)",
            )
    key = store.upload(artifact.path, artifact.spec.sha256)
    build = store.upload_manifest(artifact.build)
    code_sha = b64_sha256(artifact.spec.sha256)
    # A configuration update still in progress (a Terraform apply) would make the code update fail.
    lam.get_waiter("function_updated_v2").wait(FunctionName=function_name)
    updated = lam.update_function_code(FunctionName=function_name, S3Bucket=store.bucket, S3Key=key)
    if updated["CodeSha256"] != code_sha:
        raise GuardError(f"{function_name}: Lambda reports CodeSha256 {updated['CodeSha256']}, expected {code_sha}")
    lam.get_waiter("function_updated_v2").wait(FunctionName=function_name)
    # CodeSha256 makes Lambda refuse to publish if the code changed since the update above.
    published = lam.publish_version(
        FunctionName=function_name, CodeSha256=code_sha, Description=f"bbws sha256:{artifact.spec.sha256}"
    )
    record = ReleaseRecord(
        function=artifact.name,
        environment=env.name,
        sha256=artifact.spec.sha256,
        version=str(published["Version"]),
        previous_version=alias_version(lam, function_name),
        status=Status.DEPLOYED,
        artifact_key=key,
        artifact=artifact.spec,
        manifest_sha256=build,
    ).moved_to(Status.DEPLOYED)
    withdraw_if_rolled_back(store, store.read_record(artifact.name))
    store.write_record(record)
    return record


def withdraw_if_rolled_back(store: ArtifactStore, record: ReleaseRecord | None) -> None:
    """A release that passed here and was rolled back afterwards is no longer promotable: its
    entry in the passed index says so before a newer deploy replaces the record that does."""
    if record is not None and record.status == Status.ROLLED_BACK and record.passed_at() is not None:
        store.write_passed(record)


def deploy(
    env: Environment,
    artifacts: Sequence[Artifact],
    session: boto3.session.Session,
    report: Callable[[str], None] = lambda _line: None,
) -> list[ReleaseRecord]:
    """Deploy `artifacts` into `env` (after the account check)."""
    require_account(env, session)
    lam = session.client("lambda", region_name=env.region)
    s3 = session.client("s3", region_name=env.region)
    store = ArtifactStore(env, s3)
    running, _ = ProgressStore(env, s3).read()
    if running is not None and running.active:
        raise GuardError(
            f"refusing to deploy to {env.name}: release {running.release_id} is {running.state} there "
            f"({running.owner}); let it finish, or `bbws rollback --env {env.name}` (a dead one: or `bbws release "
            "--resume`)"
        )
    records: list[ReleaseRecord] = []
    for artifact in artifacts:
        record = deploy_artifact(env, lam, store, artifact)
        report(f"{env.function_name(artifact.name)}: version {record.version} ({artifact.spec.sha256[:12]})")
        records.append(record)
    return records


def mark_passed(
    env: Environment,
    session: boto3.session.Session,
    functions: Sequence[str] | None = None,
) -> list[ReleaseRecord]:
    """Record that the released versions passed their checks here (what promotion looks for).
    None: every function released in `env`. A named function that is not released is refused."""
    require_account(env, session)
    store = ArtifactStore(env, session.client("s3", region_name=env.region))
    marked: list[ReleaseRecord] = []
    for name in functions if functions is not None else [f.name for f in FUNCTIONS]:
        record = store.read_record(name)
        if record is None or record.status not in {Status.RELEASED, Status.PASSED}:
            if functions is None:
                continue
            state = "nothing" if record is None else record.status
            raise GuardError(f"{name}: {state} recorded in {env.name}; only a released version can pass")
        if record.status == Status.RELEASED:
            record = record.moved_to(Status.PASSED)
            store.write_record(record)
        store.write_passed(record)
        marked.append(record)
    return marked


Runner = Callable[[list[str]], int]


def _run(command: list[str]) -> int:
    return subprocess.run(command, check=False).returncode  # noqa: S603 - fixed argv


def destroy(
    env: Environment,
    session: boto3.session.Session,
    project_root: Path,
    *,
    runner: Runner = _run,
) -> int:
    """`terraform destroy` of a non-protected environment. PROD is refused before any AWS call,
    and any environment is refused when the credentials are PROD's."""
    refuse_destroy(env)
    sts: Any = session.client("sts", region_name=env.region)
    refuse_destroy(env, caller_account=str(sts.get_caller_identity()["Account"]))
    require_account(env, session)
    directory = project_root / "infra" / "terraform" / "environments" / env.name
    if not directory.is_dir():
        raise GuardError(f"{directory}: no Terraform for {env.name}")
    return runner(["terraform", f"-chdir={directory}", "destroy"])
