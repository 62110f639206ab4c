"""What a release does in operations' name around its traffic shift (`bbws release`, `bbws rollback`).

Before any alias moves (`ReleaseHooks.before_traffic`): where the environment's definition asks
for pre-release backups (prod), every table is backed up and waited for, the set is checked
complete and its ARNs are written into each released function's release record; then the start
is published to the environment's alarm topic (in a protected environment a start notice that
cannot be published refuses the release). Raising here stops the release with nothing moved.
After (`ReleaseHooks.on_event`): every rollback and the completion are published: a release's
own rollback (alarm, error, signal), a dead release rolled back by the next `bbws release` or
`bbws rollback`, and a `bbws rollback` by hand or from a workflow (the same hooks are passed to
`rollback`).

The release code (issue 9's) knows nothing of backups or SNS: it calls these hooks with its plan
(a release id and the functions it moves) and event names (`rolled back: <why>`, `released`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

import boto3

from bbws.delivery.accounts import Environment, require_account
from bbws.delivery.release import RELEASED, ROLLED_BACK, ReleaseHooks
from bbws.delivery.store import ArtifactStore
from bbws.operations.backups import (
    DEFAULT_POLL_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    Clock,
    check_release_id,
    require_backups,
    take_backups,
)
from bbws.operations.notices import Actor, FunctionChange, ReleaseEvent, ReleaseNotice, actor_from, publish_notice

UNKNOWN_SHA256 = "unknown"


class Move(Protocol):
    """One function of a release (the release code's move)."""

    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def previous(self) -> str | None: ...


class Plan(Protocol):
    @property
    def release_id(self) -> str: ...
    @property
    def moves(self) -> Sequence[Move]: ...


def new_release_id(environ: Mapping[str, str] | None = None, now: datetime | None = None) -> str:
    """A release id that says where it came from: `gh-<run>-<attempt>` in GitHub Actions (a
    re-run is a new release with its own backups), else the UTC time and 4 random hex digits."""
    environ = os.environ if environ is None else environ
    run = environ.get("GITHUB_RUN_ID")
    if run and run.isdigit():
        attempt = environ.get("GITHUB_RUN_ATTEMPT", "1")
        return check_release_id(f"gh-{run}-{attempt if attempt.isdigit() else '1'}")
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return check_release_id(f"{stamp}-{secrets.token_hex(2)}")


class ReleaseOperations:
    """The hooks of one `bbws release` in one environment."""

    def __init__(
        self,
        env: Environment,
        session: boto3.session.Session,
        *,
        environ: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        backup_timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        backup_poll_seconds: float = DEFAULT_POLL_SECONDS,
        report: Callable[[str], None] = lambda _line: None,
    ) -> None:
        self.env = env
        self.session = session
        self.environ = os.environ if environ is None else environ
        self.clock = clock
        self.backup_timeout_seconds = backup_timeout_seconds
        self.backup_poll_seconds = backup_poll_seconds
        self.report = report
        self.records = ArtifactStore(env, session.client("s3", region_name=env.region))
        self.backups: tuple[str, ...] = ()
        self._actor: Actor | None = None
        self._refused = False  # before_traffic refused: nothing moved, so no rollback to announce

    def hooks(self) -> ReleaseHooks:
        return ReleaseHooks(before_traffic=self.before_traffic, on_event=self.on_event)

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            self._actor = actor_from(self.environ, require_account(self.env, self.session))
        return self._actor

    def before_traffic(self, plan: Plan) -> None:
        """Backups first (where the environment takes them), on record; then the start notice."""
        try:
            self._prepare(plan)
        except BaseException:
            self._refused = True
            raise

    def _prepare(self, plan: Plan) -> None:
        check_release_id(plan.release_id)
        policy = self.env.release_backups
        if policy is not None and policy.before_release:
            self.report(f"backing up every table of {self.env.name} before release {plan.release_id}")
            take_backups(
                self.env, self.session, plan.release_id, clock=self.clock,
                timeout_seconds=self.backup_timeout_seconds, poll_seconds=self.backup_poll_seconds,
                report=self.report,
            )  # fmt: skip
            # Read back from the record, as the refusal reads it: complete and every table covered.
            recorded = require_backups(self.env, self.session, plan.release_id)
            self.backups = tuple(recorded.arns) if recorded is not None else ()
        for move in plan.moves:
            record = self.records.read_record(move.name)
            if record is not None and record.version == move.version:
                self.records.write_record(
                    record.model_copy(update={"release_id": plan.release_id, "pre_release_backups": list(self.backups)})
                )
        self._publish(plan, ReleaseEvent.STARTED, "", required=self.env.protected)

    def on_event(self, plan: Plan, event: str) -> None:
        if event == RELEASED:
            self._publish(plan, ReleaseEvent.COMPLETED, "every function serves its new version to 100 % of traffic")
        elif event.startswith(ROLLED_BACK) and not self._refused:
            self._publish(plan, ReleaseEvent.ROLLED_BACK, event, backups=self.backups or self._recorded_backups(plan))

    def _recorded_backups(self, plan: Plan) -> tuple[str, ...]:
        """A rollback by another process (a dead release's, `bbws rollback`): the backups its
        release recorded, so the notice still says what to restore from."""
        arns: dict[str, None] = {}
        for move in plan.moves:
            record = self.records.read_record(move.name)
            if record is not None and record.version == move.version and record.release_id == plan.release_id:
                arns.update(dict.fromkeys(record.pre_release_backups))
        return tuple(arns)

    def _changes(self, plan: Plan) -> list[FunctionChange]:
        changes = []
        for move in plan.moves:
            record = self.records.read_record(move.name)
            sha256 = record.sha256 if record is not None and record.version == move.version else UNKNOWN_SHA256
            changes.append(FunctionChange(move.name, move.previous, move.version, sha256))
        return changes

    def _publish(
        self, plan: Plan, event: ReleaseEvent, detail: str, *, required: bool = False, backups: Sequence[str] = ()
    ) -> None:
        notice = ReleaseNotice(
            event, self.env.name, plan.release_id, self.actor, self._changes(plan), detail=detail,
            backups=tuple(backups or self.backups),
        )  # fmt: skip
        publish_notice(self.env, self.session, notice, required=required, report=self.report)
