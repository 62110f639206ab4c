"""`bbws fetch | promote`: the next stage gets exactly the bytes that passed the previous one.

What passed is read from the source stage's own bucket, never from a CI artifact: each
function's record (`releases/<env>/<function>.json`, status `passed`) names the zip's sha256 and
its build's manifest, and both are fetched by sha256 (`artifacts/<sha256>.zip`,
`manifests/<sha256>.json`) and re-hashed on download. The buckets keep them as long as the stage
does, so a release that passed months ago promotes as well as today's (GitHub deletes a run's
artifacts after 90 days at most). The caller holds the *destination's* credentials; the source
bucket's policy grants the next stage's deploy role read access to `artifacts/*`,
`manifests/*` and `releases/*`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import boto3

from bbws.delivery.accounts import Environment, GuardError, require_account
from bbws.delivery.deploy import deploy, load_artifacts
from bbws.delivery.manifest import MANIFEST_NAME, Manifest
from bbws.delivery.store import ArtifactStore, ReleaseRecord, Status


def _adjacent(source: Environment, destination: Environment) -> None:
    if destination.previous != source.name:
        raise GuardError(
            f"refusing to promote {source.name} -> {destination.name}: "
            f"{destination.name} receives only from {destination.previous or 'nowhere (it is built here)'}",
        )


def passed_artifacts(previous: Environment, store: ArtifactStore, functions: Sequence[str]) -> dict[str, ReleaseRecord]:
    """The records of `functions` that passed in `previous`; refuses naming every one that did not."""
    records: dict[str, ReleaseRecord] = {}
    problems: list[str] = []
    for name in functions:
        record = store.read_record(name)
        if record is None:
            problems.append(f"{name}: nothing recorded in {previous.name}")
        elif record.status != Status.PASSED:
            problems.append(f"{name}: {record.sha256[:12]} is {record.status} in {previous.name}, not passed")
        else:
            records[name] = record
    if problems:
        raise GuardError(f"refusing to promote from {previous.name}:\n  " + "\n  ".join(problems))
    return records


def _one_build(source: Environment, passed: dict[str, ReleaseRecord]) -> str:
    """The manifest all the passed functions came from; one build is promoted at a time."""
    unknown = sorted(name for name, record in passed.items() if record.manifest_sha256 is None)
    if unknown:
        raise GuardError(
            f"{', '.join(unknown)}: deployed to {source.name} before builds' manifests were kept in its bucket; "
            f"deploy that build to {source.name} again, then promote it",
        )
    builds: dict[str, list[str]] = {}
    for name, record in sorted(passed.items()):
        builds.setdefault(str(record.manifest_sha256), []).append(name)
    if len(builds) > 1:
        listed = "; ".join(f"build {build[:12]}: {', '.join(names)}" for build, names in sorted(builds.items()))
        raise GuardError(
            f"the functions that passed in {source.name} come from {len(builds)} builds ({listed}); "
            "promote one build at a time with -f",
        )
    (build,) = builds
    return build


def fetch_passed(
    source: Environment,
    destination: Environment,
    session: boto3.session.Session,
    out: Path,
    *,
    functions: Sequence[str],
    report: Callable[[str], None] = lambda _line: None,
) -> Manifest:
    """Write into `out` (new or empty) the zips of `functions` that passed in `source` and their
    build's manifest (limited to those functions), every file fetched by sha256 from the source
    bucket and re-hashed. The result is a dist directory `bbws verify` and `bbws promote --dist`
    accept. Needs the destination's credentials."""
    _adjacent(source, destination)
    if not functions:
        raise GuardError("name the functions to fetch")
    if out.exists() and any(out.iterdir()):
        raise GuardError(f"{out}: not empty; fetch into a new directory")
    require_account(destination, session)
    store = ArtifactStore(source, session.client("s3", region_name=source.region))
    passed = passed_artifacts(source, store, functions)
    build = _one_build(source, passed)
    manifest = store.download_manifest(build)
    wrong = [
        f"{name}: passed {record.sha256[:12]}, but build {build[:12]} lists "
        f"{manifest.functions[name].sha256[:12] if name in manifest.functions else 'nothing'}"
        for name, record in sorted(passed.items())
        if name not in manifest.functions or manifest.functions[name].sha256 != record.sha256
    ]
    if wrong:
        raise GuardError(f"s3://{source.artifacts_bucket}: records and manifest disagree:\n  " + "\n  ".join(wrong))
    out.mkdir(parents=True, exist_ok=True)
    for name in sorted(passed):
        spec = manifest.functions[name]
        store.download(spec.sha256, out / spec.file)
        report(f"{name}: fetched {spec.sha256[:12]} from s3://{source.artifacts_bucket}/artifacts/ (sha256 checked)")
    fetched = manifest.model_copy(update={"functions": {name: manifest.functions[name] for name in sorted(passed)}})
    fetched.write(out)
    report(f"wrote {out / MANIFEST_NAME} (build {build[:12]} as it passed in {source.name})")
    return fetched


def promote(
    source: Environment,
    destination: Environment,
    session: boto3.session.Session,
    *,
    dist: Path | None,
    functions: Sequence[str] = (),
    report: Callable[[str], None] = lambda _line: None,
) -> list[ReleaseRecord]:
    """Deploy into `destination` exactly the artifacts that passed in `source`: those in `dist`
    (each must be the passed sha256), or, without `dist`, the passed ones fetched from the source
    bucket by sha256."""
    _adjacent(source, destination)
    require_account(destination, session)
    source_store = ArtifactStore(source, session.client("s3", region_name=source.region))
    with tempfile.TemporaryDirectory(prefix="bbws-promote-") as scratch:
        if dist is None:
            if not functions:
                raise GuardError("name the functions to promote, or pass --dist with the tested manifest")
            dist = Path(scratch) / "dist"
            fetch_passed(source, destination, session, dist, functions=functions, report=report)
        artifacts = load_artifacts(dist, functions)
        passed = passed_artifacts(source, source_store, [a.name for a in artifacts])
        mismatched = [
            f"{a.name}: {a.path} is {a.spec.sha256[:12]}, but {source.name} passed {passed[a.name].sha256[:12]}"
            for a in artifacts
            if passed[a.name].sha256 != a.spec.sha256
        ]
        if mismatched:
            raise GuardError("refusing to promote artifacts that did not pass:\n  " + "\n  ".join(mismatched))
        return deploy(destination, artifacts, session, report)
