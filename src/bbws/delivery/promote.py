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

import re
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


def passed_zip(previous: Environment, store: ArtifactStore, name: str, sha256: str) -> ReleaseRecord:
    """The release in which this exact zip passed as this function in `previous`: its current
    record, or the passed index (a build a newer release replaced there). Refuses a zip that
    never passed there, or whose release there is rolled back, saying what `previous` has."""
    current = store.read_record(name)
    state = current.status if current is not None and current.sha256 == sha256 else None
    if current is not None and state == Status.PASSED:
        return current
    indexed = None if state == Status.ROLLED_BACK else store.read_passed(name, sha256)
    if indexed is not None:
        return indexed
    if state is not None:
        raise GuardError(
            f"refusing to promote from {previous.name}:\n  {name}: {sha256[:12]} is {state} in {previous.name}, "
            "not passed"
        )
    last = f"; {previous.name} passed {current.sha256[:12]}" if current and current.status == Status.PASSED else ""
    raise GuardError(
        f"refusing to promote artifacts that did not pass:\n  {name}: {sha256[:12]} never passed in "
        f"{previous.name}, or was rolled back there{last}"
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
    build: str | None = None,
    report: Callable[[str], None] = lambda _line: None,
) -> Manifest:
    """Write into `out` (new or empty) the zips of `functions` that passed in `source` and their
    build's manifest (limited to those functions), every file fetched by sha256 from the source
    bucket and re-hashed. The result is a dist directory `bbws verify` and `bbws promote --dist`
    accept. Needs the destination's credentials. `build` (a manifest's sha256): that build, if
    each of its zips passed in `source`, even after a newer release replaced it there; default:
    what `source` passed last."""
    _adjacent(source, destination)
    if not functions:
        raise GuardError("name the functions to fetch")
    if out.exists() and any(out.iterdir()):
        raise GuardError(f"{out}: not empty; fetch into a new directory")
    require_account(destination, session)
    store = ArtifactStore(source, session.client("s3", region_name=source.region))
    if build is None:
        passed = passed_artifacts(source, store, functions)
        build = _one_build(source, passed)
        manifest = store.download_manifest(build)
    else:
        if not re.fullmatch(r"[0-9a-f]{64}", build):
            raise GuardError(f"--build {build!r}: a build is the 64 hex digits of its manifest's sha256")
        manifest = store.download_manifest(build)
        missing = sorted(set(functions) - set(manifest.functions))
        if missing:
            raise GuardError(f"build {build[:12]} has no artifact for {', '.join(missing)}; name others with -f")
        passed = {name: passed_zip(source, store, name, manifest.functions[name].sha256) for name in functions}
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
        for artifact in artifacts:
            passed_zip(source, source_store, artifact.name, artifact.spec.sha256)
        return deploy(destination, artifacts, session, report)
