"""Promotion against an emulated AWS account (moto): the next stage gets exactly the bytes that
passed the previous one, fetched from the previous stage's bucket by sha256, however old."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbws.cli import app
from bbws.delivery import accounts
from bbws.delivery.accounts import Environment, GuardError
from bbws.delivery.deploy import deploy, load_artifacts
from bbws.delivery.manifest import Manifest
from bbws.delivery.promote import fetch_passed, promote
from bbws.delivery.release import rollback
from bbws.delivery.store import ArtifactStore, Status, artifact_key, b64_sha256, manifest_key, manifest_sha256

from . import test_deploy as deploying
from .conftest import TEST_ENVIRONMENTS, Cloud, make_dist

DEV, SIT, PROD = TEST_ENVIRONMENTS["dev"], TEST_ENVIRONMENTS["sit"], TEST_ENVIRONMENTS["prod"]
BOTH = ("health", "orders-api")
dist = deploying.dist  # the same two-function build as the deploy tests
_pass_in, _store, _versions = deploying._pass_in, deploying._store, deploying._versions


def test_promotion_deploys_the_artifact_that_passed_the_previous_stage(cloud: Cloud, dist: Path) -> None:
    # Given the artifacts passed in dev
    _pass_in(cloud, DEV, dist)
    # When they are promoted to sit
    records = promote(DEV, SIT, cloud.session, dist=dist)
    # Then sit runs the same sha256 as a new version
    passed = _store(cloud, DEV).read_record("health")
    promoted = next(r for r in records if r.function == "health")
    assert passed is not None
    assert promoted.sha256 == passed.sha256
    configuration = cloud.client("lambda", "sit").get_function_configuration(
        FunctionName=SIT.function_name("health"), Qualifier=promoted.version
    )
    assert configuration["CodeSha256"] == b64_sha256(passed.sha256)


def test_promotion_without_a_dist_fetches_the_passed_artifact(cloud: Cloud, dist: Path) -> None:
    _pass_in(cloud, DEV, dist)
    records = promote(DEV, SIT, cloud.session, dist=None, functions=["health"])
    assert [r.function for r in records] == ["health"]
    assert records[0].sha256 == load_artifacts(dist, ["health"])[0].spec.sha256


def test_promotion_refuses_an_artifact_that_did_not_pass(cloud: Cloud, dist: Path, tmp_path: Path) -> None:
    # Given dev passed one build
    _pass_in(cloud, DEV, dist)
    # And a different build of the same functions
    other = tmp_path / "other"
    other.mkdir()
    make_dist(other, {"health": {"bbws/health/handlers/api.py": b"changed = True\n"}}, handler="by-name")
    # When it is promoted
    with pytest.raises(GuardError, match="refusing to promote artifacts that did not pass"):
        promote(DEV, SIT, cloud.session, dist=other)
    # Then sit is untouched
    assert _versions(cloud, SIT, "health") == ["$LATEST", "1"]


def test_promotion_refuses_what_was_only_deployed(cloud: Cloud, dist: Path) -> None:
    deploy(DEV, load_artifacts(dist), cloud.session)
    with pytest.raises(GuardError, match=r"health: .* is deployed in dev, not passed"):
        promote(DEV, SIT, cloud.session, dist=dist)


def test_promotion_cannot_skip_a_stage(cloud: Cloud, dist: Path) -> None:
    _pass_in(cloud, DEV, dist)
    with pytest.raises(GuardError, match="prod receives only from sit"):
        promote(DEV, PROD, cloud.session, dist=dist)


def test_a_deploy_keeps_the_builds_manifest_by_sha256_beside_the_zips(cloud: Cloud, dist: Path) -> None:
    # When a build is deployed to dev
    records = deploy(DEV, load_artifacts(dist), cloud.session)
    # Then its manifest is in dev's bucket under its own sha256, and every record names it
    manifest = Manifest.read(dist)
    build = manifest_sha256(manifest)
    body = cloud.client("s3").get_object(Bucket=DEV.artifacts_bucket, Key=manifest_key(build))["Body"].read()
    assert hashlib.sha256(body).hexdigest() == build
    assert Manifest.model_validate_json(body) == manifest
    assert {r.manifest_sha256 for r in records} == {build}


def test_fetch_writes_the_passed_zips_and_manifest_from_the_source_bucket(
    cloud: Cloud, dist: Path, tmp_path: Path
) -> None:
    # Given a build that passed in dev, and no copy of it left anywhere but dev's bucket
    _pass_in(cloud, DEV, dist)
    built = {a.name: a.spec.sha256 for a in load_artifacts(dist)}
    shutil.rmtree(dist)
    # When sit's deploy role fetches what passed in dev
    out = tmp_path / "fetched"
    manifest = fetch_passed(DEV, SIT, cloud.session, out, functions=BOTH)
    # Then the directory is a dist `verify` and `promote --dist` accept, with the same bytes
    assert {a.name: a.spec.sha256 for a in load_artifacts(out)} == built
    assert Manifest.read(out) == manifest
    assert sorted(p.name for p in out.iterdir()) == ["health.zip", "manifest.json", "orders-api.zip"]


def test_an_old_release_is_promoted_from_the_bucket_without_any_ci_artifact(
    cloud: Cloud, dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workflows' path: `bbws fetch` then `bbws promote --dist`, with the DEV run's files gone."""
    monkeypatch.setattr(accounts, "ENVIRONMENTS", TEST_ENVIRONMENTS)
    _pass_in(cloud, DEV, dist)
    passed = _store(cloud, DEV).read_record("health")
    assert passed is not None
    shutil.rmtree(dist)  # GitHub deleted the run's artifact long ago
    out = tmp_path / "dist"
    runner = CliRunner()
    both = ["-f", "health", "-f", "orders-api"]  # the emulated account has two of the seven functions
    fetched = runner.invoke(app, ["fetch", "--from", "dev", "--to", "sit", "--out", str(out), *both])
    assert fetched.exit_code == 0, fetched.output
    assert "sha256 checked" in fetched.output
    promoted = runner.invoke(app, ["promote", "--from", "dev", "--to", "sit", "--dist", str(out)])
    assert promoted.exit_code == 0, promoted.output
    record = _store(cloud, SIT).read_record("health")
    assert record is not None
    assert (record.status, record.sha256) == (Status.DEPLOYED, passed.sha256)
    configuration = cloud.client("lambda", "sit").get_function_configuration(
        FunctionName=SIT.function_name("health"), Qualifier=record.version
    )
    assert configuration["CodeSha256"] == b64_sha256(passed.sha256)
    # And sit's bucket now holds the zip and manifest for the promotion to prod
    assert record.manifest_sha256 is not None
    sit_store = _store(cloud, SIT)
    assert sit_store.download_manifest(record.manifest_sha256).functions["health"].sha256 == passed.sha256


def test_a_tampered_zip_in_the_source_bucket_is_refused_and_not_kept(cloud: Cloud, dist: Path, tmp_path: Path) -> None:
    # Given dev passed a build, and then its stored zip was overwritten with other bytes
    _pass_in(cloud, DEV, dist)
    passed = _store(cloud, DEV).read_record("health")
    assert passed is not None
    cloud.client("s3").put_object(Bucket=DEV.artifacts_bucket, Key=f"artifacts/{passed.sha256}.zip", Body=b"evil")
    # When it is fetched, or promoted without a dist
    out = tmp_path / "fetched"
    wrong = hashlib.sha256(b"evil").hexdigest()
    with pytest.raises(GuardError, match=rf"artifacts/{passed.sha256}\.zip: content has sha256 {wrong}, not"):
        fetch_passed(DEV, SIT, cloud.session, out, functions=["health"])
    with pytest.raises(GuardError, match="content has sha256"):
        promote(DEV, SIT, cloud.session, dist=None, functions=["health"])
    # Then no tampered file is left behind and sit is untouched
    assert not (out / "health.zip").exists()
    assert not (out / "manifest.json").exists()
    assert _versions(cloud, SIT, "health") == ["$LATEST", "1"]


def test_a_tampered_manifest_in_the_source_bucket_is_refused(cloud: Cloud, dist: Path, tmp_path: Path) -> None:
    _pass_in(cloud, DEV, dist)
    build = manifest_sha256(Manifest.read(dist))
    cloud.client("s3").put_object(Bucket=DEV.artifacts_bucket, Key=manifest_key(build), Body=b"{}")
    with pytest.raises(GuardError, match=rf"manifests/{build}\.json: content has sha256"):
        fetch_passed(DEV, SIT, cloud.session, tmp_path / "out", functions=BOTH)


def test_functions_that_passed_from_different_builds_are_promoted_one_build_at_a_time(
    cloud: Cloud, dist: Path, tmp_path: Path
) -> None:
    # Given dev passed both functions, then a later build of health alone
    _pass_in(cloud, DEV, dist)
    later = tmp_path / "later"
    later.mkdir()
    make_dist(later, {"health": {"bbws/health/handlers/api.py": b"later = True\n"}}, handler="by-name")
    _pass_in(cloud, DEV, later)
    # When both are fetched together, the mix is refused, naming each build
    with pytest.raises(
        GuardError,
        match=r"come from 2 builds \(build \w+: (health|orders-api); build \w+: (health|orders-api)\); promote one",
    ):
        fetch_passed(DEV, SIT, cloud.session, tmp_path / "mixed", functions=BOTH)
    # And each build on its own is fetched
    only = fetch_passed(DEV, SIT, cloud.session, tmp_path / "health", functions=["health"])
    assert only.functions["health"].sha256 == load_artifacts(later)[0].spec.sha256


def test_a_record_without_its_build_is_refused_with_the_way_out(cloud: Cloud, dist: Path, tmp_path: Path) -> None:
    # Given a passed record written before deploys kept the manifest
    _pass_in(cloud, DEV, dist)
    store = _store(cloud, DEV)
    record = store.read_record("health")
    assert record is not None
    store.write_record(record.model_copy(update={"manifest_sha256": None}))
    with pytest.raises(GuardError, match="health: deployed to dev before builds' manifests were kept"):
        fetch_passed(DEV, SIT, cloud.session, tmp_path / "out", functions=["health"])


def test_fetch_refuses_a_directory_with_files_in_it(cloud: Cloud, dist: Path) -> None:
    _pass_in(cloud, DEV, dist)
    with pytest.raises(GuardError, match="not empty; fetch into a new directory"):
        fetch_passed(DEV, SIT, cloud.session, dist, functions=BOTH)


def test_fetch_needs_the_destinations_credentials(cloud: Cloud, dist: Path, tmp_path: Path) -> None:
    _pass_in(cloud, DEV, dist)
    elsewhere = Environment("sit", "111122223333", "eu-central-1", previous="dev")
    with pytest.raises(GuardError, match="but sit is account 111122223333"):
        fetch_passed(DEV, elsewhere, cloud.session, tmp_path / "out", functions=BOTH)
    with pytest.raises(GuardError, match="prod receives only from sit"):
        fetch_passed(DEV, PROD, cloud.session, tmp_path / "out", functions=BOTH)


def test_every_key_prefix_promotion_reads_is_granted_to_the_next_stage_and_written_by_its_own() -> None:
    """Given the store's key prefixes (zips, manifests, records), then the bootstrap lets each
    environment's deploy role write them in its own bucket and read them from the previous
    environment's, and each bucket's policy lets the next stage's deploy role read them."""
    from tests.infra.terraform import BOOTSTRAP, load_dir

    store = ArtifactStore(DEV, s3=None)
    prefixes = {key.split("/", 1)[0] for key in (artifact_key("0" * 64), manifest_key("0" * 64), store.record_key("x"))}
    assert prefixes == {"artifacts", "manifests", "releases"}
    documents: dict[str, dict[str, object]] = {}
    for block in load_dir(BOOTSTRAP)["data"]:
        documents.update(block.get("aws_iam_policy_document", {}))

    def granted(document: str, sid: str) -> set[str]:
        statements: list[dict[str, object]] = list(documents[document]["statement"])  # type: ignore[call-overload]
        for dynamic in documents[document].get("dynamic", []):  # type: ignore[attr-defined]
            statements.extend(dynamic["statement"]["content"])
        (statement,) = [s for s in statements if s.get("sid") == sid]
        return {str(r).rsplit("/", 2)[-2] for r in statement["resources"]}  # type: ignore[attr-defined]

    assert granted("deploy", "ArtifactsAndReleaseRecords") == prefixes
    assert granted("deploy", "PromoteFromThePreviousEnvironment") == prefixes
    assert granted("bucket", "NextEnvironmentPromotesPassedArtifacts") == prefixes


def _later_build(tmp_path: Path) -> Path:
    later = tmp_path / "later"
    later.mkdir()
    make_dist(
        later,
        {name: {f"bbws/{name.split('-')[0]}/handlers/api.py": b"later = True\n"} for name in BOTH},
        handler="by-name",
    )
    return later


def test_an_older_build_a_newer_release_replaced_is_promoted_by_its_build(
    cloud: Cloud, dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given dev passed build A, then build B, and A's files are gone
    monkeypatch.setattr(accounts, "ENVIRONMENTS", TEST_ENVIRONMENTS)
    _pass_in(cloud, DEV, dist)
    old = manifest_sha256(Manifest.read(dist))
    old_zips = {a.name: a.spec.sha256 for a in load_artifacts(dist)}
    for built in dist.iterdir():  # the fixture's dist is tmp_path itself
        built.unlink()
    _pass_in(cloud, DEV, _later_build(tmp_path))
    # When nothing is named, the last build that passed is fetched
    latest = fetch_passed(DEV, SIT, cloud.session, tmp_path / "latest", functions=BOTH)
    assert {n: f.sha256 for n, f in latest.functions.items()} != old_zips
    # And when build A is named, A is fetched and promoted, through the CLI as the workflows do
    out = tmp_path / "old"
    both = ["-f", "health", "-f", "orders-api"]
    runner = CliRunner()
    fetched = runner.invoke(app, ["fetch", "--from", "dev", "--to", "sit", "--out", str(out), "--build", old, *both])
    assert fetched.exit_code == 0, fetched.output
    promoted = runner.invoke(app, ["promote", "--from", "dev", "--to", "sit", "--dist", str(out)])
    assert promoted.exit_code == 0, promoted.output
    for name, sha256 in old_zips.items():
        record = _store(cloud, SIT).read_record(name)
        assert record is not None
        assert record.sha256 == sha256


def test_a_build_rolled_back_after_it_passed_is_never_promoted(cloud: Cloud, dist: Path, tmp_path: Path) -> None:
    # Given dev passed build A and then rolled it back
    _pass_in(cloud, DEV, dist)
    old = manifest_sha256(Manifest.read(dist))
    rollback(DEV, cloud.session, list(BOTH))
    # Then A is refused while its rolled-back record is there
    with pytest.raises(GuardError, match=r"health: \w+ is rolled-back in dev, not passed"):
        fetch_passed(DEV, SIT, cloud.session, tmp_path / "a", functions=BOTH, build=old)
    # And after a newer build replaced that record, still refused: the deploy kept the rollback
    deploy(DEV, load_artifacts(_later_build(tmp_path)), cloud.session)
    with pytest.raises(GuardError, match=r"health: \w+ never passed in dev, or was rolled back there"):
        fetch_passed(DEV, SIT, cloud.session, tmp_path / "b", functions=BOTH, build=old)
    with pytest.raises(GuardError, match="never passed in dev, or was rolled back there"):
        promote(DEV, SIT, cloud.session, dist=dist)
    assert _versions(cloud, SIT, "health") == ["$LATEST", "1"]


@pytest.mark.parametrize("build", ["latest", "ABC", "0" * 63, "../" + "0" * 61])
def test_a_build_that_is_not_a_sha256_is_refused_before_any_download(cloud: Cloud, tmp_path: Path, build: str) -> None:
    with pytest.raises(GuardError, match="a build is the 64 hex digits of its manifest's sha256"):
        fetch_passed(DEV, SIT, cloud.session, tmp_path / "out", functions=BOTH, build=build)


def test_a_build_the_bucket_does_not_hold_is_refused_by_name(cloud: Cloud, tmp_path: Path) -> None:
    with pytest.raises(GuardError, match=r"manifests/0{64}\.json: no such manifest in dev"):
        fetch_passed(DEV, SIT, cloud.session, tmp_path / "out", functions=BOTH, build="0" * 64)
