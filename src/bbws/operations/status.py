"""`bbws status --env E`: what an environment serves and whether it is healthy, in one look.

For each function of the function table: the version the `live` alias serves, a canary's
weight, the sha256 of each served version's code (Lambda's CodeSha256, as `bbws package` writes
it) and the function's last release record; every alarm of the environment in ALARM; every work
queue's depth and its dead-letter queue's. Read-only: Lambda GetAlias and
GetFunctionConfiguration, S3 GetObject of the release records, CloudWatch DescribeAlarms, SQS
GetQueueUrl and GetQueueAttributes.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from bbws.core.functions import FUNCTIONS
from bbws.delivery.accounts import ALIAS, Environment, require_account
from bbws.delivery.store import ArtifactStore

_MISSING = {"ResourceNotFoundException", "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
DEPTHS = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in _MISSING


def hex_sha256(code_sha256: str) -> str:
    """Lambda's CodeSha256 (base64 of the digest) as the hex digest `bbws package` records."""
    return base64.b64decode(code_sha256).hex()


@dataclass(frozen=True)
class ServedVersion:
    version: str
    weight: float  # share of traffic, 0-1
    sha256: str | None


@dataclass(frozen=True)
class FunctionStatus:
    function: str
    deployed_name: str
    served: list[ServedVersion] = field(default_factory=list)  # empty: no live alias
    record_status: str | None = None
    record_version: str | None = None
    record_sha256: str | None = None
    record_updated_at: str | None = None
    record_release_id: str | None = None
    record_backups: list[str] = field(default_factory=list)  # taken before that release moved traffic
    exists: bool = True


@dataclass(frozen=True)
class AlarmStatus:
    name: str
    reason: str
    since: str


@dataclass(frozen=True)
class QueueStatus:
    queue: str
    name: str
    visible: int | None  # None: the queue does not exist
    in_flight: int | None
    dead_letter_visible: int | None


@dataclass(frozen=True)
class EnvironmentStatus:
    environment: str
    account_id: str
    region: str
    caller: str
    functions: list[FunctionStatus]
    alarms: list[AlarmStatus]
    queues: list[QueueStatus]

    @property
    def healthy(self) -> bool:
        """No alarm firing and no dead letter waiting."""
        return not self.alarms and not any(q.dead_letter_visible for q in self.queues)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "healthy": self.healthy}


def _code_sha256(lam: Any, function_name: str, version: str) -> str | None:
    try:
        return hex_sha256(lam.get_function_configuration(FunctionName=function_name, Qualifier=version)["CodeSha256"])
    except ClientError as error:
        if _missing(error):
            return None
        raise


def function_status(env: Environment, lam: Any, store: ArtifactStore, function: str) -> FunctionStatus:
    deployed_name = env.function_name(function)
    try:
        record = store.read_record(function)
    except ClientError:  # no artifacts bucket (yet), or no right to read it: status still answers
        record = None
    recorded: dict[str, Any] = {}
    if record is not None:
        recorded = {
            "record_status": str(record.status),
            "record_version": record.version,
            "record_sha256": record.sha256,
            "record_updated_at": record.updated_at,
            "record_release_id": record.release_id,
            "record_backups": list(record.pre_release_backups),
        }
    try:
        alias = lam.get_alias(FunctionName=deployed_name, Name=ALIAS)
    except ClientError as error:
        if not _missing(error):
            raise
        try:
            lam.get_function_configuration(FunctionName=deployed_name)
        except ClientError as missing:
            if not _missing(missing):
                raise
            return FunctionStatus(function, deployed_name, exists=False, **recorded)
        return FunctionStatus(function, deployed_name, **recorded)
    weights = {
        str(version): float(weight)
        for version, weight in (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights", {}).items()
    }
    primary = str(alias["FunctionVersion"])
    served = [ServedVersion(primary, round(1 - sum(weights.values()), 4), _code_sha256(lam, deployed_name, primary))]
    served += [
        ServedVersion(version, weight, _code_sha256(lam, deployed_name, version))
        for version, weight in sorted(weights.items())
    ]
    return FunctionStatus(function, deployed_name, served, **recorded)


def alarms_in_alarm(cloudwatch: Any, env: Environment) -> list[AlarmStatus]:
    """Every alarm of the environment (named bbws-<env>-...) in ALARM, metric or composite."""
    found: list[AlarmStatus] = []
    pages = cloudwatch.get_paginator("describe_alarms").paginate(
        StateValue="ALARM", AlarmNamePrefix=env.function_name("")
    )
    for page in pages:
        for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]:
            since = alarm.get("StateUpdatedTimestamp")
            found.append(
                AlarmStatus(
                    str(alarm["AlarmName"]),
                    str(alarm.get("StateReason", "")),
                    since.isoformat(timespec="seconds") if hasattr(since, "isoformat") else str(since or ""),
                )
            )
    return sorted(found, key=lambda alarm: alarm.name)


def _depth(sqs: Any, name: str) -> tuple[int, int] | None:
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=DEPTHS)["Attributes"]
    except ClientError as error:
        if _missing(error):
            return None
        raise
    return int(attributes.get(DEPTHS[0], 0)), int(attributes.get(DEPTHS[1], 0))


def queue_status(sqs: Any, env: Environment, queue: str) -> QueueStatus:
    name = env.function_name(queue)  # queues are named like functions: bbws-<env>-<queue>
    main, dead = _depth(sqs, name), _depth(sqs, f"{name}-dlq")
    return QueueStatus(
        queue,
        name,
        main[0] if main else None,
        main[1] if main else None,
        dead[0] if dead else None,
    )


def platform_queues() -> list[str]:
    """Every work queue: the queue of each consumer in the function table."""
    return sorted({f.queue for f in FUNCTIONS if f.queue is not None})


def environment_status(
    env: Environment, session: boto3.session.Session, functions: Sequence[str] | None = None
) -> EnvironmentStatus:
    caller = require_account(env, session)
    lam = session.client("lambda", region_name=env.region)
    store = ArtifactStore(env, session.client("s3", region_name=env.region))
    names = list(functions) if functions else [f.name for f in FUNCTIONS]
    return EnvironmentStatus(
        environment=env.name,
        account_id=env.account_id,
        region=env.region,
        caller=caller,
        functions=[function_status(env, lam, store, name) for name in names],
        alarms=alarms_in_alarm(session.client("cloudwatch", region_name=env.region), env),
        queues=[queue_status(session.client("sqs", region_name=env.region), env, q) for q in platform_queues()],
    )
