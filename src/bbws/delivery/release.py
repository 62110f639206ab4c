"""`bbws release`: shift the `live` alias to the deployed version by canary, watching alarms.

10 % of traffic goes to the new version, which bakes (5 minutes by default) while every alarm of
the functions being released is polled; then 25 %, 50 % (shorter bakes) and 100 %. Any alarm in
ALARM at any point puts every function of the release back on its previous version, because the
functions of one build change together (orders-api and orders-consumer share a message format).
Time is injected so tests run the whole schedule instantly.

Extension points (the names issue 9's release rewrite keeps): `ReleaseHooks.before_traffic` runs
once everything is checked and before any alias moves (the pre-release backups; raising stops the
release with nothing moved), and `ReleaseHooks.on_event` hears a rollback
(`rolled back: <why>`) and the end (`released`) - the release notices (bbws.operations).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import boto3

from bbws.core.functions import FUNCTIONS
from bbws.delivery.accounts import ALIAS, Environment, GuardError, require_account
from bbws.delivery.deploy import alias_version, restore_alias
from bbws.delivery.store import ArtifactStore, ReleaseRecord, Status

CANARY_WEIGHTS = (10, 25, 50)


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class Schedule:
    bake_seconds: float = 300.0  # at the first step (10 %)
    step_seconds: float = 60.0  # at each later step
    poll_seconds: float = 15.0

    def steps(self) -> list[tuple[int, float]]:
        return [
            (weight, self.bake_seconds if index == 0 else self.step_seconds)
            for index, weight in enumerate(CANARY_WEIGHTS)
        ]


class RolledBack(Exception):
    """The release was rolled back; the message names the alarms that fired."""


@dataclass(frozen=True)
class ReleasePlan:
    environment: Environment
    release_id: str
    moves: tuple[_Rollout, ...]


def _ignore(*_args: object) -> None:
    return None


@dataclass(frozen=True)
class ReleaseHooks:
    before_traffic: Callable[[ReleasePlan], None] = _ignore
    on_event: Callable[[ReleasePlan, str], None] = _ignore


def alarms_for(cloudwatch: Any, function_names: Sequence[str]) -> list[dict[str, Any]]:
    """Every metric alarm about one of the functions: a FunctionName dimension equal to the
    function (any version or alias), or a name that starts with the function's name."""
    wanted = set(function_names)
    found: list[dict[str, Any]] = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        for alarm in page.get("MetricAlarms", []):
            dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
            if dimensions.get("FunctionName") in wanted or any(
                alarm["AlarmName"].startswith(f"{name}-") or alarm["AlarmName"] == name for name in wanted
            ):
                found.append(alarm)
    return found


def firing(cloudwatch: Any, function_names: Sequence[str]) -> list[str]:
    return sorted(
        alarm["AlarmName"] for alarm in alarms_for(cloudwatch, function_names) if alarm["StateValue"] == "ALARM"
    )


@dataclass
class _Rollout:
    name: str  # the function's short name
    function_name: str  # deployed name
    record: ReleaseRecord
    previous: str | None
    current: str | None = None  # what `live` served before the release (None: no alias yet)

    @property
    def version(self) -> str:
        return self.record.version


def release(
    env: Environment,
    session: boto3.session.Session,
    functions: Sequence[str] | None = None,
    *,
    schedule: Schedule | None = None,
    clock: Clock | None = None,
    report: Callable[[str], None] = lambda _line: None,
    hooks: ReleaseHooks | None = None,
    release_id: str | None = None,
) -> list[ReleaseRecord]:
    """Canary the deployed versions of `functions` (None: every function with a deployed version
    waiting) into service; raise RolledBack when an alarm fires."""
    hooks = hooks or ReleaseHooks()
    schedule = schedule or Schedule()
    clock = clock or SystemClock()
    require_account(env, session)
    lam = session.client("lambda", region_name=env.region)
    cloudwatch = session.client("cloudwatch", region_name=env.region)
    store = ArtifactStore(env, session.client("s3", region_name=env.region))

    targets: list[_Rollout] = []
    for name in functions if functions is not None else [f.name for f in FUNCTIONS]:
        record = store.read_record(name)
        if record is None or record.status != Status.DEPLOYED:
            if functions is None:
                continue
            state = "nothing" if record is None else record.status
            raise GuardError(f"{name}: {state} recorded in {env.name}; release needs a deployed version")
        function_name = env.function_name(name)
        current = alias_version(lam, function_name)
        previous = None if current in {None, record.version} else current
        targets.append(_Rollout(name, function_name, record, previous, current))
    if not targets:
        raise GuardError(f"nothing deployed and waiting for release in {env.name}")
    names = [t.function_name for t in targets]

    already = firing(cloudwatch, names)
    if already:
        raise GuardError(f"refusing to release while alarms are in ALARM: {', '.join(already)}")

    plan = ReleasePlan(env, release_id or uuid.uuid4().hex[:12], tuple(targets))
    hooks.before_traffic(plan)
    for target in targets:
        target.record = store.read_record(target.name) or target.record  # as the hook left it
        if target.current is None:  # first release: nothing serves traffic yet, so nothing to canary against
            lam.create_alias(FunctionName=target.function_name, Name=ALIAS, FunctionVersion=target.version)
    try:
        released = _shift(
            lam, cloudwatch, store, targets=targets, names=names, schedule=schedule, clock=clock, report=report
        )
    except RolledBack as rolled:
        hooks.on_event(plan, str(rolled))  # its message starts "rolled back"
        raise
    hooks.on_event(plan, "released")
    return released


def _shift(
    lam: Any,
    cloudwatch: Any,
    store: ArtifactStore,
    *,
    targets: list[_Rollout],
    names: list[str],
    schedule: Schedule,
    clock: Clock,
    report: Callable[[str], None],
) -> list[ReleaseRecord]:
    canaries = [t for t in targets if t.previous is not None]
    for weight, hold in schedule.steps():
        if not canaries:
            break
        for target in canaries:
            lam.update_alias(
                FunctionName=target.function_name,
                Name=ALIAS,
                FunctionVersion=str(target.previous),
                RoutingConfig={"AdditionalVersionWeights": {target.record.version: weight / 100}},
            )
        report(f"{weight} % of traffic on the new versions; watching alarms for {hold:.0f} s")
        _bake(
            cloudwatch,
            names=names,
            seconds=hold,
            poll=schedule.poll_seconds,
            clock=clock,
            roll_back=lambda: _roll_back(lam, store, canaries),
        )

    for target in targets:
        restore_alias(lam, target.function_name, target.record.version)
    report("100 % of traffic on the new versions")
    fired = firing(cloudwatch, names)
    if fired:
        _roll_back(lam, store, canaries)
        raise RolledBack(f"rolled back at 100 %: {', '.join(fired)} in ALARM")

    released: list[ReleaseRecord] = []
    for target in targets:
        record = target.record.model_copy(
            update={"previous_version": target.previous or target.record.previous_version}
        )
        record = record.moved_to(Status.RELEASED)
        store.write_record(record)
        released.append(record)
    return released


def _bake(
    cloudwatch: Any,
    *,
    names: Sequence[str],
    seconds: float,
    poll: float,
    clock: Clock,
    roll_back: Callable[[], None],
) -> None:
    deadline = clock.monotonic() + seconds
    while True:
        fired = firing(cloudwatch, names)
        if fired:
            roll_back()
            raise RolledBack(f"rolled back: {', '.join(fired)} in ALARM")
        remaining = deadline - clock.monotonic()
        if remaining <= 0:
            return
        clock.sleep(min(poll, remaining))


def _roll_back(lam: Any, store: ArtifactStore, canaries: Sequence[_Rollout]) -> None:
    for target in canaries:
        if target.previous is not None:
            restore_alias(lam, target.function_name, target.previous)
        store.write_record(target.record.moved_to(Status.ROLLED_BACK))
