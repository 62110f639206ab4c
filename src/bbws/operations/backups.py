"""Pre-release backups of an environment's tables, and the way back (`bbws restore`).

Before a release shifts any traffic in an environment whose definition asks for it (prod:
`release_backups` in `environments/<env>/environment.tf.json`), every table gets an on-demand
DynamoDB backup named `<table>-pre-<release>`; the release waits until each is AVAILABLE, records
the set (`releases/<env>/backups/<release>.json` in the artifacts bucket: ARNs, sizes, who took
them) and refuses to shift without it. Backups older than the retention setting are deleted after
a new set is taken, except the newest of each table. Restoring creates new tables
(`<table>-restored-<release>`) and never writes to a live one; in a protected environment it
needs a confirmation naming the release.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import boto3
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from bbws.delivery.accounts import Environment, GuardError, require_account
from bbws.local.provision import TABLE_SCHEMAS

RELEASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DEFAULT_TIMEOUT_SECONDS = 1800.0  # DynamoDB backs up in seconds to minutes whatever the size
DEFAULT_POLL_SECONDS = 5.0
AVAILABLE = "AVAILABLE"
_NAME_MARK = "-pre-"


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class _SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TableBackup(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    service: str
    table: str
    backup_name: str
    backup_arn: str
    status: str
    size_bytes: int | None = None


class BackupSet(BaseModel):
    """The backups a release took before it shifted traffic."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    release: str
    environment: str
    taken_by: str
    requested_at: str
    completed_at: str | None = None
    retention_days: int
    tables: list[TableBackup] = Field(default_factory=list)

    @property
    def complete(self) -> bool:
        return bool(self.tables) and all(t.status == AVAILABLE for t in self.tables) and self.completed_at is not None

    @property
    def arns(self) -> list[str]:
        return [t.backup_arn for t in self.tables]


def table_names(env: Environment) -> dict[str, str]:
    """Each service's table in the environment (named as Terraform names them)."""
    services = sorted(field.removesuffix("_table_name") for field in TABLE_SCHEMAS)
    return {service: env.function_name(service) for service in services}


def check_release_id(release: str) -> str:
    if not RELEASE_ID.fullmatch(release):
        raise GuardError(
            f"release id {release!r}: 1-64 letters, digits, '.', '_' or '-', starting with one of the first two"
        )
    return release


def backup_name(table: str, release: str) -> str:
    return f"{table}{_NAME_MARK}{release}"[:255]


def record_key(env: Environment, release: str) -> str:
    return f"releases/{env.name}/backups/{release}.json"


class BackupRecords:
    """The backup sets in the environment's artifacts bucket."""

    def __init__(self, env: Environment, s3: Any) -> None:
        self.env = env
        self._s3 = s3

    def read(self, release: str) -> BackupSet | None:
        try:
            body = self._s3.get_object(Bucket=self.env.artifacts_bucket, Key=record_key(self.env, release))[
                "Body"
            ].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return BackupSet.model_validate_json(body)

    def write(self, backups: BackupSet) -> None:
        self._s3.put_object(
            Bucket=self.env.artifacts_bucket,
            Key=record_key(self.env, backups.release),
            Body=backups.model_dump_json(by_alias=True, indent=2).encode(),
            ContentType="application/json",
        )


def _existing(dynamodb: Any, table: str, name: str) -> dict[str, Any] | None:
    """A backup of `table` named `name` already requested (a resumed release), if any."""
    for page in dynamodb.get_paginator("list_backups").paginate(TableName=table):
        for summary in page.get("BackupSummaries", []):
            if summary.get("BackupName") == name and summary.get("BackupStatus") != "DELETED":
                return dict(summary)
    return None


def retention_days(env: Environment) -> int:
    policy = env.release_backups
    if policy is None:
        raise GuardError(f"{env.name} takes no pre-release backups (no release_backups in its definition)")
    return policy.retention_days


def take_backups(
    env: Environment,
    session: boto3.session.Session,
    release: str,
    *,
    clock: Clock | None = None,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    report: Callable[[str], None] = lambda _line: None,
) -> BackupSet:
    """Back up every table for `release` and wait until each is AVAILABLE; record the set.

    Idempotent: a release that is resumed finds its set recorded (or its backups requested)
    and does not take a second one. Raises GuardError if the backups are not AVAILABLE in time.
    """
    check_release_id(release)
    caller = require_account(env, session)
    clock = clock or _SystemClock()
    records = BackupRecords(env, session.client("s3", region_name=env.region))
    recorded = records.read(release)
    if recorded is not None and recorded.complete:
        report(f"backups of release {release} already taken at {recorded.completed_at}")
        return recorded
    dynamodb = session.client("dynamodb", region_name=env.region)
    backups = BackupSet(
        release=release, environment=env.name, taken_by=caller, requested_at=_now(), retention_days=retention_days(env)
    )
    for service, table in table_names(env).items():
        name = backup_name(table, release)
        found = _existing(dynamodb, table, name)
        if found is None:
            try:
                details = dynamodb.create_backup(TableName=table, BackupName=name)["BackupDetails"]
            except ClientError as error:  # a missing table, a backup already running on it, no permission
                records.write(backups)  # what was requested so far stays on record for a retry
                raise GuardError(f"cannot back up {table} ({error}); refusing to shift traffic") from error
            arn, status = details["BackupArn"], details["BackupStatus"]
        else:
            arn, status = found["BackupArn"], found["BackupStatus"]
        backups.tables.append(
            TableBackup(service=service, table=table, backup_name=name, backup_arn=arn, status=status)
        )
        report(f"{table}: backup {name} {status.lower()}")
    records.write(backups)  # the ARNs are on record even if the wait below is cut short
    deadline = clock.monotonic() + timeout_seconds
    while True:
        pending = [t for t in backups.tables if t.status != AVAILABLE]
        for entry in pending:
            details = dynamodb.describe_backup(BackupArn=entry.backup_arn)["BackupDescription"]["BackupDetails"]
            entry.status = str(details["BackupStatus"])
            entry.size_bytes = details.get("BackupSizeBytes")
            if entry.status == "DELETED":
                raise GuardError(f"{entry.table}: backup {entry.backup_name} was deleted before it was available")
        if all(t.status == AVAILABLE for t in backups.tables):
            break
        if clock.monotonic() >= deadline:
            records.write(backups)
            waiting = ", ".join(t.table for t in backups.tables if t.status != AVAILABLE)
            raise GuardError(
                f"backups not AVAILABLE after {timeout_seconds:.0f} s ({waiting}); refusing to shift traffic"
            )
        clock.sleep(poll_seconds)
    backups.completed_at = _now()
    records.write(backups)
    report(f"backups of {len(backups.tables)} tables AVAILABLE for release {release}")
    for deleted in prune_backups(env, dynamodb, backups.retention_days, keep=set(backups.arns)):
        report(f"deleted {deleted}: older than {backups.retention_days} days")
    return backups


def require_backups(env: Environment, session: boto3.session.Session, release: str) -> BackupSet | None:
    """The release's complete backup set, where the environment asks for one; GuardError when it
    is missing or incomplete. None where the environment takes no pre-release backups."""
    if env.release_backups is None or not env.release_backups.before_release:
        return None
    recorded = BackupRecords(env, session.client("s3", region_name=env.region)).read(release)
    if recorded is None or not recorded.complete:
        state = "none recorded" if recorded is None else "not all AVAILABLE"
        raise GuardError(f"refusing to shift traffic in {env.name}: pre-release backups of {release}: {state}")
    expected = set(table_names(env).values())
    covered = {t.table for t in recorded.tables}
    if covered != expected:
        raise GuardError(
            f"refusing to shift traffic in {env.name}: no backup of {', '.join(sorted(expected - covered))}"
        )
    return recorded


def prune_backups(
    env: Environment, dynamodb: Any, days: int, *, keep: set[str], now: datetime | None = None
) -> list[str]:
    """Delete this tooling's backups (`<table>-pre-<release>`) older than `days`, never the
    newest of a table and never one in `keep`. Returns the names deleted."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    deleted: list[str] = []
    for table in table_names(env).values():
        ours = [
            summary
            for page in dynamodb.get_paginator("list_backups").paginate(TableName=table)
            for summary in page.get("BackupSummaries", [])
            if str(summary.get("BackupName", "")).startswith(f"{table}{_NAME_MARK}")
            and summary.get("BackupStatus") == AVAILABLE
        ]
        ours.sort(key=lambda s: s["BackupCreationDateTime"])
        for summary in ours[:-1]:  # the newest of each table is always kept
            if summary["BackupArn"] in keep or summary["BackupCreationDateTime"] >= cutoff:
                continue
            dynamodb.delete_backup(BackupArn=summary["BackupArn"])
            deleted.append(str(summary["BackupName"]))
    return deleted


def restored_name(table: str, release: str) -> str:
    return f"{table}-restored-{release}"[:255]


def restore_backups(
    env: Environment,
    session: boto3.session.Session,
    release: str,
    *,
    confirm_release: str | None = None,
    report: Callable[[str], None] = lambda _line: None,
) -> dict[str, str]:
    """Restore the release's backup set into new tables; returns live table -> restored table.

    Never overwrites: the targets are new names, and an existing one stops the command before any
    restore starts. In a protected environment `confirm_release` must name the release."""
    check_release_id(release)
    if env.protected and confirm_release != release:
        raise GuardError(
            f"refusing to restore in {env.name} (protected) without --confirm-release {release}: "
            "restoring creates new tables and writes nothing to the live ones, but name the release to be sure"
        )
    require_account(env, session)
    recorded = BackupRecords(env, session.client("s3", region_name=env.region)).read(release)
    if recorded is None:
        raise GuardError(f"no pre-release backups recorded for release {release} in {env.name}")
    dynamodb = session.client("dynamodb", region_name=env.region)
    targets = {entry.table: restored_name(entry.table, release) for entry in recorded.tables}
    live = set(table_names(env).values())
    taken = []
    for target in targets.values():
        if target in live:
            raise GuardError(f"refusing to restore onto the live table {target}")
        try:
            dynamodb.describe_table(TableName=target)
            taken.append(target)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
    if taken:
        raise GuardError(f"refusing to overwrite existing tables: {', '.join(sorted(taken))}")
    for entry in recorded.tables:
        dynamodb.restore_table_from_backup(
            TargetTableName=targets[entry.table],
            BackupArn=entry.backup_arn,
            # Restored with the environment's own data key, like the live tables.
            SSESpecificationOverride={
                "Enabled": True,
                "SSEType": "KMS",
                "KMSMasterKeyId": f"alias/{env.function_name('data')}",
            },
        )
        report(f"{entry.table}: restoring backup {entry.backup_name} into {targets[entry.table]}")
    return targets
