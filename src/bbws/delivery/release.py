"""`bbws release` and `bbws rollback`: move the `live` aliases by canary, watched, never stranded.

A release moves every function with a deployed version together (they were built together, and
orders-api and orders-consumer share a message format): 10 %, 25 %, 50 %, then 100 % and a bake
there, each step held at least as long as the slowest watched alarm needs to judge it
(`alarms.py`: period x evaluation periods + one period) and at least the configured minimum. Any
alarm in ALARM, any error, SIGINT (a cancelled workflow) or SIGTERM puts every function back
where it was before the release exits. Its progress is recorded durably with a lease
(`progress.py`), so:

- a second release, while one runs, is refused; a `bbws rollback` takes the running one over at
  once and the running one stops at its next lease renewal without touching traffic again;
- a release that died (`kill -9`, a lost runner: its lease expired) is rolled back by the next
  `bbws release` or `bbws rollback`, or continued from its step with `bbws release --resume`;
- a first release (no `live` alias yet) creates `live` at the new version and is watched like
  any other; on alarm `live` is removed again, so no traffic-bearing alias points at the new
  version (the platform's callers, API Gateway and the event source mappings, invoke `live`
  only; the published version stays, unused, for inspection).

Extension points: `ReleaseHooks.before_traffic` runs once everything is checked and before the
first alias moves (a PROD backup; raising stops the release with nothing moved), and
`ReleaseHooks.on_event` hears every step, stop, rollback and the end (notifications).
Time comes from an injected clock, so tests run the whole schedule, and kill it, instantly.
"""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Protocol

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from bbws.core.functions import FUNCTIONS
from bbws.delivery import alarms as alarm_watch
from bbws.delivery.accounts import Environment, GuardError, require_account
from bbws.delivery.progress import Conflict, FunctionMove, ProgressStore, ReleaseProgress, State, new_holder
from bbws.delivery.store import ArtifactStore, ReleaseRecord, Status
from bbws.delivery.traffic import alias_version, give_back, shift

CANARY_WEIGHTS = (10, 25, 50, 100)
RELEASED = "released"  # ReleaseHooks.on_event: 100 % baked, the release is done
ROLLED_BACK = "rolled back"  # ReleaseHooks.on_event: the prefix of every rollback, then its reason


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    def time(self) -> float:
        """Wall-clock seconds: leases are compared across processes."""
        ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def time(self) -> float:
        return time.time()


@dataclass(frozen=True)
class Schedule:
    """Minimum holds per step; each is raised to what the watched alarms need (`alarm_floor`)."""

    bake_seconds: float = 300.0  # at 10 %
    step_seconds: float = 60.0  # at 25 % and 50 %
    final_bake_seconds: float = 300.0  # at 100 %, before the release counts as done
    poll_seconds: float = 15.0
    lease_seconds: float = 90.0  # renewed at every poll; expired = the release died
    # False holds only the minimums, even where the alarms could not fire that fast: for
    # rehearsals against the emulator; refused in protected environments.
    alarm_floor: bool = True

    def minimums(self) -> list[float]:
        return [self.bake_seconds, self.step_seconds, self.step_seconds, self.final_bake_seconds]

    def holds(self, watched: Sequence[alarm_watch.WatchedAlarm]) -> list[tuple[int, float]]:
        slowest = alarm_watch.slowest(watched)
        floor = 0.0 if slowest is None or not self.alarm_floor else slowest.reaction_seconds
        return [(weight, max(minimum, floor)) for weight, minimum in zip(CANARY_WEIGHTS, self.minimums(), strict=True)]

    @property
    def lease(self) -> float:
        return max(self.lease_seconds, 3 * self.poll_seconds)


class RolledBack(Exception):
    """The release was rolled back; the message says why."""


class Stopped(Exception):
    """A rollback took the release over; this process no longer moves traffic."""


class Terminated(BaseException):
    """SIGTERM arrived (what a cancelled or timed-out runner sends after SIGINT)."""


@dataclass(frozen=True)
class ReleasePlan:
    environment: Environment
    release_id: str
    moves: tuple[FunctionMove, ...]
    holds: tuple[tuple[int, float], ...]
    alarms: tuple[str, ...]


def _ignore(*_args: object) -> None:
    return None


@dataclass(frozen=True)
class ReleaseHooks:
    before_traffic: Callable[[ReleasePlan], None] = _ignore
    on_event: Callable[[ReleasePlan, str], None] = _ignore


@dataclass
class _Context:
    env: Environment
    lam: Any
    cloudwatch: Any
    records: ArtifactStore
    progress: ProgressStore
    clock: Clock
    schedule: Schedule
    report: Callable[[str], None]
    hooks: ReleaseHooks = field(default_factory=ReleaseHooks)


def _context(
    env: Environment,
    session: boto3.session.Session,
    *,
    clock: Clock | None,
    schedule: Schedule | None,
    report: Callable[[str], None],
    hooks: ReleaseHooks | None,
) -> _Context:
    require_account(env, session)
    s3 = session.client("s3", region_name=env.region)
    return _Context(
        env,
        session.client("lambda", region_name=env.region),
        session.client("cloudwatch", region_name=env.region),
        ArtifactStore(env, s3),
        ProgressStore(env, s3),
        clock or SystemClock(),
        schedule or Schedule(),
        report,
        hooks or ReleaseHooks(),
    )


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


class _Lease:
    """This process's hold on the progress record; every write is conditional on the last ETag."""

    def __init__(self, context: _Context, progress: ReleaseProgress, etag: str) -> None:
        self.context = context
        self.progress = progress
        self.etag = etag
        self._lock = threading.Lock()  # the keep-alive thread and the release renew in turn

    def renew(self, event: str, **changes: Any) -> None:
        """Extend the lease (and record `changes`); raise Stopped if a rollback took over."""
        with self._lock:
            expires = self.context.clock.time() + self.context.schedule.lease
            updated = self.progress.noted(event, lease_expires_at=expires, **changes)
            try:
                self.etag = self.context.progress.write(updated, self.etag)
            except Conflict:
                self._stop()
            self.progress = updated

    def _stop(self) -> None:
        current, etag = self.context.progress.read()
        if current is not None and current.state is State.STOPPING and not current.stop_acknowledged:
            # if the rollback moved on meanwhile, it gives the traffic back again after waiting anyway
            with suppress(Conflict):
                self.context.progress.write(current.noted("stop acknowledged", stop_acknowledged=True), etag)
        by = "someone" if current is None else (current.stop_requested_by or current.owner)
        raise Stopped(f"release {self.progress.release_id} was taken over by {by}; this process stops moving traffic")

    @contextmanager
    def kept_alive(self, event: str) -> Iterator[None]:
        """Renew the lease from a thread while a hook runs (prod's backups take minutes), so the
        release is not taken for dead meanwhile; a takeover seen there stops it after the hook.
        The thread waits real seconds: the lease's timestamps still come from the clock."""
        done = threading.Event()
        stopped: list[Stopped] = []
        interval = max(0.01, min(self.context.schedule.poll_seconds, self.context.schedule.lease / 3))

        def beat() -> None:
            while not done.wait(interval):
                try:
                    self.renew(event)
                except Stopped as error:
                    stopped.append(error)
                    return
                except (ClientError, BotoCoreError) as error:  # try again; an expired lease is seen by renew
                    self.context.report(f"warning: could not renew the release lease ({error})")

        beater = threading.Thread(target=beat, name="bbws-release-lease", daemon=True)
        beater.start()
        try:
            yield
        finally:
            done.set()
            beater.join()
        if stopped:
            raise stopped[0]

    def finish(self, state: State, event: str) -> None:
        with self._lock:
            updated = self.progress.noted(event, state=state, lease_expires_at=self.context.clock.time())
            try:
                self.etag = self.context.progress.write(updated, self.etag)
                self.progress = updated
            except Conflict:
                self.context.report(f"the release record was taken over before {state}; leaving it to its new holder")


@contextmanager
def _signals_roll_back() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt (Python's default), SIGTERM raises Terminated, so both
    unwind into the rollback. Only the main thread can install handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(_signum: int, _frame: FrameType | None) -> None:
        raise Terminated("SIGTERM")

    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_term = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)


@contextmanager
def _signals_ignored() -> Iterator[None]:
    """While traffic is being given back, a second Ctrl-C or SIGTERM must not cut it short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, signal.SIG_IGN) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _give_back(context: _Context, moves: Sequence[FunctionMove]) -> list[ReleaseRecord]:
    """Every function of `moves` back where it was; their records `rolled-back`."""
    rolled: list[ReleaseRecord] = []
    for move in moves:
        context.report(give_back(context.lam, move))
        record = context.records.read_record(move.name)
        if record is not None and record.version == move.version and record.status != Status.ROLLED_BACK:
            record = record.moved_to(Status.ROLLED_BACK)
            context.records.write_record(record)
            rolled.append(record)
    return rolled


def _announced(context: _Context, progress: ReleaseProgress, why: str) -> None:
    """Tell the hooks (the release notices) of a rollback of `progress`'s release."""
    plan = ReleasePlan(context.env, progress.release_id, tuple(progress.functions), (), ())
    context.hooks.on_event(plan, f"{ROLLED_BACK}: {why}")


def _bake(context: _Context, plan: ReleasePlan, lease: _Lease, weight: int, seconds: float) -> None:
    names = [move.function_name for move in plan.moves]
    deadline = context.clock.monotonic() + seconds
    while True:
        fired = alarm_watch.firing(context.cloudwatch, names)
        if fired:
            raise RolledBack(f"{', '.join(fired)} in ALARM at {weight} %")
        remaining = deadline - context.clock.monotonic()
        if remaining <= 0:
            return
        context.clock.sleep(min(context.schedule.poll_seconds, remaining))
        lease.renew(f"watching at {weight} %")


def _run(context: _Context, plan: ReleasePlan, lease: _Lease, start: int) -> list[ReleaseRecord]:
    """Shift traffic step by step from `plan.holds[start]`; give it back on any failure or signal."""
    moved = lease.progress.step > 0  # a resumed release has moved traffic already
    try:
        with _signals_roll_back():
            if not moved:
                with lease.kept_alive("preparing (before any traffic moves)"):
                    context.hooks.before_traffic(plan)
            for weight, hold in plan.holds[start:]:
                lease.renew(f"{weight} %", step=weight)  # never move traffic without holding the lease
                moved = True
                for move in plan.moves:
                    shift(context.lam, move, weight)
                context.report(
                    f"{weight} % of traffic on the new versions; watching {len(plan.alarms)} alarms for {hold:.0f} s"
                )
                context.hooks.on_event(plan, f"{weight} %")
                _bake(context, plan, lease, weight, hold)
            lease.renew("100 % baked")  # a rollback that took over at the last moment wins
    except Stopped as stopped:
        context.report(str(stopped))
        context.hooks.on_event(plan, "stopped")
        raise
    except (Exception, KeyboardInterrupt, SystemExit, Terminated) as error:
        reason = str(error) if isinstance(error, RolledBack) else f"{type(error).__name__} {error}".strip()
        if not moved:  # refused before traffic (a backup, the start notice): nothing to give back
            lease.finish(State.REFUSED, f"refused before any traffic moved: {reason}")
            context.hooks.on_event(plan, f"refused: {reason}")
            raise
        with _signals_ignored():
            context.report(f"rolling back release {plan.release_id}: {reason}")
            _give_back(context, plan.moves)
            lease.finish(State.ROLLED_BACK, f"{ROLLED_BACK}: {reason}")
        context.hooks.on_event(plan, f"{ROLLED_BACK}: {reason}")
        if isinstance(error, RolledBack):
            raise RolledBack(f"{ROLLED_BACK}: {reason}") from error
        raise
    released: list[ReleaseRecord] = []
    for move in plan.moves:
        record = context.records.read_record(move.name)
        if record is None or record.version != move.version:
            continue  # deployed again meanwhile: that version is not the one released here
        record = record.model_copy(update={"previous_version": move.previous, "alias_created": move.alias_created})
        record = record.moved_to(Status.RELEASED)
        context.records.write_record(record)
        released.append(record)
    lease.finish(State.RELEASED, "released: 100 % and baked")
    context.hooks.on_event(plan, RELEASED)
    return released


def _moves(context: _Context, functions: Sequence[str] | None) -> list[FunctionMove]:
    moves: list[FunctionMove] = []
    for name in functions if functions is not None else [f.name for f in FUNCTIONS]:
        record = context.records.read_record(name)
        if record is None or record.status != Status.DEPLOYED:
            if functions is None:
                continue
            state = "nothing" if record is None else record.status
            raise GuardError(f"{name}: {state} recorded in {context.env.name}; release needs a deployed version")
        function_name = context.env.function_name(name)
        current = alias_version(context.lam, function_name)
        previous = current if current not in {None, record.version} else None
        if previous is None and record.previous_version not in {None, record.version} and current is not None:
            previous = record.previous_version
        moves.append(FunctionMove(name=name, function_name=function_name, version=record.version,
                                  previous=previous, alias_created=current is None))  # fmt: skip
    return moves


def _plan(context: _Context, release_id: str, moves: Sequence[FunctionMove]) -> ReleasePlan:
    names = [move.function_name for move in moves]
    watched = alarm_watch.watched_alarms(context.cloudwatch, names)
    missing = alarm_watch.unwatched(watched, names)
    if missing:
        raise GuardError(
            f"refusing to release unwatched: no CloudWatch alarm watches {', '.join(missing)} "
            "(Terraform's function module defines its errors, throttles and duration alarms)"
        )
    already = sorted({alarm.name for alarm in watched if alarm.state == "ALARM"})
    if already:
        raise GuardError(f"refusing to release while alarms are in ALARM: {', '.join(already)}")
    holds = context.schedule.holds(watched)
    slowest = alarm_watch.slowest(watched)
    if slowest is not None and context.schedule.alarm_floor:
        context.report(
            f"each step lasts at least {slowest.reaction_seconds:.0f} s: {slowest.name} needs "
            f"{slowest.evaluation_periods} x {slowest.period} s (+ one period) to reach ALARM"
        )
    elif slowest is not None and slowest.reaction_seconds > min(hold for _weight, hold in holds):
        context.report(
            f"warning: --no-alarm-floor: steps of {', '.join(f'{hold:.0f}' for _w, hold in holds)} s are shorter "
            f"than the {slowest.reaction_seconds:.0f} s {slowest.name} needs to reach ALARM; they are not guarded"
        )
    return ReleasePlan(context.env, release_id, tuple(moves), tuple(holds), tuple(sorted({a.name for a in watched})))


def _settle_dead(context: _Context, current: ReleaseProgress, etag: str, by: str) -> list[ReleaseRecord]:
    """Roll back a release whose holder is gone (its lease expired), taking the record over
    first; announced like any rollback. One that died before moving traffic is only closed."""
    holder, owner = new_holder()
    expires = context.clock.time() + context.schedule.lease
    taken = current.noted(f"found dead by {by} ({owner})", state=State.STOPPING, holder=holder,
                          stop_requested_by=owner, lease_expires_at=expires)  # fmt: skip
    etag = context.progress.write(taken, etag)
    if current.step == 0:
        context.report(f"release {current.release_id} died before moving any traffic ({current.owner}); closing it")
        context.progress.write(taken.noted("closed: died before any traffic moved", state=State.REFUSED), etag)
        _announced(context, current, f"release died before any traffic moved ({current.owner}); nothing to give back")
        return []
    why = f"release died at {current.step} % ({current.owner}); rolled back by {by}"
    with _signals_ignored():
        context.report(f"release {current.release_id} died at {current.step} % ({current.owner}); rolling it back")
        rolled = _give_back(context, current.functions)
        context.progress.write(taken.noted(f"{ROLLED_BACK}: {why}", state=State.ROLLED_BACK), etag)
    _announced(context, current, why)
    return rolled


def _refuse_running(env: Environment, current: ReleaseProgress) -> None:
    doing = "is stopping" if current.state is State.STOPPING else f"is at {current.step} %"
    raise GuardError(
        f"release {current.release_id} {doing} in {env.name} ({current.owner}; lease until "
        f"{_when(current.lease_expires_at)}): wait for it, or stop it with `bbws rollback --env {env.name}`"
    )


def _resume(context: _Context, current: ReleaseProgress, etag: str) -> list[ReleaseRecord]:
    holder, owner = new_holder()
    taken = current.noted(f"resumed by {owner}", holder=holder, owner=owner, state=State.RUNNING,
                          lease_expires_at=context.clock.time() + context.schedule.lease)  # fmt: skip
    lease = _Lease(context, taken, context.progress.write(taken, etag))
    try:
        plan = _plan(context, current.release_id, current.functions)
    except GuardError as refused:  # an alarm fires, or nothing watches it: never leave its traffic half-moved
        with _signals_ignored():
            _give_back(context, current.functions)
            lease.finish(State.ROLLED_BACK, f"{ROLLED_BACK}: could not resume: {refused}")
        _announced(context, current, f"could not resume: {refused}")
        raise
    start = next((i for i, (weight, _) in enumerate(plan.holds) if weight == current.step), 0)
    context.report(f"resuming release {current.release_id} at {plan.holds[start][0]} % (re-baking that step)")
    return _run(context, plan, lease, start)


def release(
    env: Environment,
    session: boto3.session.Session,
    functions: Sequence[str] | None = None,
    *,
    schedule: Schedule | None = None,
    clock: Clock | None = None,
    report: Callable[[str], None] = lambda _line: None,
    hooks: ReleaseHooks | None = None,
    resume: bool = False,
    release_id: str | None = None,
) -> list[ReleaseRecord]:
    """Canary the deployed versions of `functions` (None: every function with a deployed version
    waiting) into service; raise RolledBack when it had to give the traffic back."""
    context = _context(env, session, clock=clock, schedule=schedule, report=report, hooks=hooks)
    if env.protected and not context.schedule.alarm_floor:
        raise GuardError(
            f"{env.name} is protected: every step is held as long as its alarms need (no --no-alarm-floor)"
        )
    current, etag = context.progress.read()
    if current is not None and current.active:
        if current.lease_valid(context.clock.time()):
            _refuse_running(env, current)
        assert etag is not None  # noqa: S101 - read together with the record
        if resume:
            return _resume(context, current, etag)
        _settle_dead(context, current, etag, "the next bbws release")
        current, etag = context.progress.read()
    elif resume:
        raise GuardError(f"nothing to resume in {env.name}: no release died there")

    moves = _moves(context, functions)
    if not moves:
        raise GuardError(f"nothing deployed and waiting for release in {env.name}")
    plan = _plan(context, release_id or uuid.uuid4().hex[:12], moves)
    holder, owner = new_holder()
    progress = ReleaseProgress(
        release_id=plan.release_id, environment=env.name, state=State.RUNNING, functions=list(moves),
        holder=holder, owner=owner, lease_expires_at=context.clock.time() + context.schedule.lease,
    ).noted(f"started by {owner}")  # fmt: skip
    try:
        lease = _Lease(context, progress, context.progress.write(progress, etag))
    except Conflict as error:
        raise GuardError(f"another release started in {env.name} at the same moment; run again") from error
    return _run(context, plan, lease, 0)


def rollback(
    env: Environment,
    session: boto3.session.Session,
    functions: Sequence[str] | None = None,
    *,
    release_id: str | None = None,
    schedule: Schedule | None = None,
    clock: Clock | None = None,
    report: Callable[[str], None] = lambda _line: None,
    hooks: ReleaseHooks | None = None,
) -> list[ReleaseRecord]:
    """Give the traffic back, announced through `hooks.on_event`. A running release is taken over
    at once (it stops at its next lease renewal) and a dead one is settled; otherwise the last
    release (or, with `functions`, each named function's last release) goes back to the version
    it replaced. With `release_id` (a workflow's cleanup) only that release is rolled back, and
    nothing else is touched."""
    context = _context(env, session, clock=clock, schedule=schedule, report=report, hooks=hooks)
    stopped = _stop_active(context, release_id)
    if stopped is not None:
        return stopped
    current, etag = context.progress.read()
    if release_id is not None:
        if current is None or current.release_id != release_id or current.state is not State.RELEASED:
            report(f"release {release_id} is not the released one in {env.name}: nothing to roll back")
            return []
        return _roll_back_finished(context, current, str(etag))
    if functions is None and current is not None and current.state is State.RELEASED:
        return _roll_back_finished(context, current, str(etag))
    return _roll_back_records(context, functions)


def _stop_active(context: _Context, release_id: str | None) -> list[ReleaseRecord] | None:
    """A running release taken over, or a dead one settled; None when none is active."""
    for _attempt in range(5):
        current, etag = context.progress.read()
        if current is None or not current.active:
            return None
        if release_id is not None and current.release_id != release_id:
            context.report(
                f"release {current.release_id} runs in {context.env.name}, not {release_id}: nothing of it to roll back"
            )
            return []
        try:
            if not current.lease_valid(context.clock.time()):
                return _settle_dead(context, current, str(etag), "bbws rollback")
            return _take_over(context, current, str(etag))
        except Conflict:
            continue  # the release renewed in between: read again and take over again
    raise GuardError(f"could not take the release record of {context.env.name} over; run again")


def _take_over(context: _Context, current: ReleaseProgress, etag: str) -> list[ReleaseRecord]:
    """Stop a running release: the record is ours (state `stopping`) before any alias moves, so
    the release's next renewal fails and it exits without touching traffic again."""
    holder, owner = new_holder()
    taken = current.noted(f"rollback by {owner}", state=State.STOPPING, holder=holder, stop_requested_by=owner,
                          lease_expires_at=context.clock.time() + context.schedule.lease)  # fmt: skip
    etag = context.progress.write(taken, etag)
    rolled: list[ReleaseRecord] = []
    with _signals_ignored():
        if current.step > 0:  # a release moves traffic only after recording the step: 0 moved nothing
            context.report(f"stopping release {current.release_id} at {current.step} % and giving its traffic back")
            rolled = _give_back(context, current.functions)
        # The release may move an alias between its last renewal and our takeover: wait (at most
        # until the lease we displaced ends) for it to acknowledge, then give the traffic back again.
        while context.clock.time() < current.lease_expires_at:
            latest, _ = context.progress.read()
            if latest is None or latest.stop_acknowledged or latest.holder != holder:
                break
            context.clock.sleep(min(1.0, context.schedule.poll_seconds))
        latest, latest_etag = context.progress.read()
        if latest is not None and latest.step > 0:
            rolled += [r for r in _give_back(context, latest.functions) if r not in rolled]
        final = (latest or taken).noted(f"{ROLLED_BACK} by bbws rollback ({owner})", state=State.ROLLED_BACK)
        context.progress.write(final, latest_etag or etag)
    _announced(context, current, f"stopped at {current.step} % by bbws rollback ({owner})")
    return rolled


def _roll_back_finished(context: _Context, current: ReleaseProgress, etag: str) -> list[ReleaseRecord]:
    _holder, owner = new_holder()
    with _signals_ignored():
        rolled = _give_back(context, current.functions)
        context.progress.write(
            current.noted(f"{ROLLED_BACK} by bbws rollback ({owner})", state=State.ROLLED_BACK), etag
        )
    _announced(context, current, f"bbws rollback ({owner}): live points at the previous version of each function")
    return rolled


def _roll_back_records(context: _Context, functions: Sequence[str] | None) -> list[ReleaseRecord]:
    """Each function's last recorded move undone (no release record covers it)."""
    _holder, owner = new_holder()
    rolled: list[ReleaseRecord] = []
    by_release: dict[str, list[FunctionMove]] = {}
    for name in functions if functions is not None else [f.name for f in FUNCTIONS]:
        record = context.records.read_record(name)
        returnable = record is not None and (record.previous_version is not None or record.alias_created)
        if record is None or not returnable or record.status == Status.ROLLED_BACK:
            if functions is None:
                continue
            raise GuardError(f"{name}: no previous version recorded in {context.env.name}; nothing to roll back to")
        move = FunctionMove(name=name, function_name=context.env.function_name(name), version=record.version,
                            previous=record.previous_version, alias_created=record.alias_created)  # fmt: skip
        with _signals_ignored():
            rolled.extend(_give_back(context, [move]))
        by_release.setdefault(record.release_id or "unrecorded release", []).append(move)
    for release_id, moves in by_release.items():
        plan = ReleasePlan(context.env, release_id, tuple(moves), (), ())
        context.hooks.on_event(
            plan, f"{ROLLED_BACK}: bbws rollback ({owner}): live points at the previous version of each function"
        )
    return rolled
