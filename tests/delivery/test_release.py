"""Canary releases through the `live` alias (moto, injected clock): holds derived from the
watched alarms, a bake at 100 %, and no way to strand traffic — killed, alarmed, interrupted or
stopped by a rollback at every step."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bbws.delivery.accounts import ALIAS, GuardError
from bbws.delivery.deploy import deploy, load_artifacts
from bbws.delivery.progress import ProgressStore, ReleaseProgress, State
from bbws.delivery.release import (
    ReleaseHooks,
    ReleasePlan,
    RolledBack,
    Schedule,
    Stopped,
    Terminated,
    release,
    rollback,
)
from bbws.delivery.store import ArtifactStore, Status

from .conftest import TEST_ENVIRONMENTS, Cloud, FakeClock, make_dist

DEV = TEST_ENVIRONMENTS["dev"]
SCHEDULE = Schedule(bake_seconds=300, step_seconds=60, poll_seconds=30)
# The fixture's alarms (60 s, 2 of 3) need 3 x 60 + 60 = 240 s: 10 % is held its 300 s minimum,
# 25 % and 50 % 240 s (their 60 s minimum raised), 100 % its 300 s bake.
STEP_STARTS = {10: 0, 25: 300, 50: 540, 100: 780}
END = 1080
LEASE = SCHEDULE.lease


class Killed(BaseException):
    """`kill -9`: the process stops where it is; nothing it would run on the way out runs."""


@pytest.fixture
def deployed(cloud: Cloud, tmp_path: Path) -> Cloud:
    """Given version 2 of every function deployed to dev while `live` still serves version 1."""
    make_dist(
        tmp_path,
        {name: {f"bbws/{name}.py": f"NAME = {name!r}\n".encode()} for name in cloud.functions},
        handler="by-name",
    )
    deploy(DEV, load_artifacts(tmp_path), cloud.session)
    return cloud


def _routing(cloud: Cloud, function: str = "health") -> dict[str, float]:
    return cloud.alias("dev", function).get("RoutingConfig", {}).get("AdditionalVersionWeights", {})  # type: ignore[no-any-return]


def _watch_weights(cloud: Cloud, clock: FakeClock) -> list[Any]:
    """(version, canary weights) of health's alias at every moment the release waits."""
    seen: list[Any] = []

    def look(_now: float) -> None:
        alias = cloud.alias("dev", "health")
        state = (alias["FunctionVersion"], alias.get("RoutingConfig", {}).get("AdditionalVersionWeights", {}))
        if not seen or seen[-1] != state:
            seen.append(state)

    clock.on_sleep.append(look)
    return seen


def _progress(cloud: Cloud) -> ReleaseProgress:
    progress, _ = ProgressStore(DEV, cloud.client("s3")).read()
    assert progress is not None
    return progress


def _status(cloud: Cloud, function: str) -> Status:
    record = ArtifactStore(DEV, cloud.client("s3")).read_record(function)
    assert record is not None
    return record.status


def _assert_given_back(cloud: Cloud) -> None:
    """Every function serves version 1 again, with no canary weight left anywhere."""
    for function in cloud.functions:
        alias = cloud.alias("dev", function)
        assert (alias["FunctionVersion"], _routing(cloud, function)) == ("1", {}), function
        assert _status(cloud, function) == Status.ROLLED_BACK


def _at(clock: FakeClock, moment: float, action: Callable[[], None]) -> None:
    """Run `action` once, the first time the clock reaches `moment`."""
    done: list[bool] = []

    def hook(now: float) -> None:
        if now >= moment and not done:
            done.append(True)
            action()

    clock.on_sleep.append(hook)


def test_a_quiet_canary_goes_10_25_50_100_and_bakes_there(deployed: Cloud, clock: FakeClock) -> None:
    weights = _watch_weights(deployed, clock)
    records = release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    # Then traffic moved 10 %, 25 %, 50 %, all of it, and the 100 % step was watched too
    assert weights == [("1", {"2": 0.1}), ("1", {"2": 0.25}), ("1", {"2": 0.5}), ("2", {})]
    assert clock.now == END
    assert {r.function: r.status for r in records} == {"health": Status.RELEASED, "orders-api": Status.RELEASED}
    progress = _progress(deployed)
    assert (progress.state, progress.step) == (State.RELEASED, 100)


def test_each_step_lasts_as_long_as_the_slowest_alarm_needs(deployed: Cloud, clock: FakeClock) -> None:
    # Given an alarm of 5-minute periods over 2 evaluation periods: it needs 2 x 300 + 300 s
    deployed.add_alarm("dev", "orders-api", "latency", period=300, evaluations=2)
    lines: list[str] = []
    release(DEV, deployed.session, schedule=SCHEDULE, clock=clock, report=lines.append)
    # Then every step, the 10 % bake included, is held 900 s
    assert clock.now == 4 * 900
    assert "each step lasts at least 900 s: bbws-dev-orders-api-latency needs 2 x 300 s (+ one period)" in lines[0]


@pytest.mark.parametrize("weight", [10, 25, 50, 100])
def test_an_alarm_at_any_step_rolls_everything_back(deployed: Cloud, clock: FakeClock, weight: int) -> None:
    # Given the orders-api errors alarm fires 100 s into the step
    _at(clock, STEP_STARTS[weight] + 100, lambda: deployed.set_alarm("dev", "bbws-dev-orders-api-errors", "ALARM"))
    with pytest.raises(RolledBack, match=f"bbws-dev-orders-api-errors in ALARM at {weight} %"):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    # Then every function of the release is back on version 1 and the release record says so
    _assert_given_back(deployed)
    assert _progress(deployed).state == State.ROLLED_BACK
    # and it noticed at its next poll
    assert clock.now <= STEP_STARTS[weight] + 100 + SCHEDULE.poll_seconds


@pytest.mark.parametrize("weight", [10, 25, 50, 100])
def test_a_release_killed_at_any_step_is_rolled_back_by_the_next_release(
    deployed: Cloud, clock: FakeClock, weight: int
) -> None:
    # Given the release process is killed (kill -9) in the middle of a step
    def kill() -> None:
        raise Killed

    _at(clock, STEP_STARTS[weight] + 100, kill)
    with pytest.raises(Killed):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    clock.on_sleep.clear()
    # Then traffic is stranded mid-release, and the durable record says a release runs
    assert _routing(deployed) == ({} if weight == 100 else {"2": weight / 100})
    assert (_progress(deployed).state, _progress(deployed).step) == (State.RUNNING, weight)
    # And while its lease lasts, another release is refused
    with pytest.raises(GuardError, match=f"is at {weight} % in dev .*bbws rollback --env dev"):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    # When the lease has expired and the next release runs
    clock.now += LEASE + 1
    with pytest.raises(GuardError, match="nothing deployed and waiting for release in dev"):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    # Then the dead release was rolled back first
    _assert_given_back(deployed)
    assert _progress(deployed).state == State.ROLLED_BACK


def test_a_dead_release_is_rolled_back_by_the_next_rollback(deployed: Cloud, clock: FakeClock) -> None:
    def kill() -> None:
        raise Killed

    _at(clock, STEP_STARTS[25] + 10, kill)
    with pytest.raises(Killed):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    clock.on_sleep.clear()
    clock.now += LEASE + 1
    rollback(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    _assert_given_back(deployed)
    assert _progress(deployed).state == State.ROLLED_BACK


def test_a_dead_release_can_be_resumed_from_its_step(deployed: Cloud, clock: FakeClock) -> None:
    def kill() -> None:
        raise Killed

    _at(clock, STEP_STARTS[25] + 10, kill)
    with pytest.raises(Killed):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    clock.on_sleep.clear()
    first_id = _progress(deployed).release_id
    clock.now += LEASE + 1
    weights = _watch_weights(deployed, clock)
    # When it is resumed explicitly
    started = clock.now
    release(DEV, deployed.session, schedule=SCHEDULE, clock=clock, resume=True)
    # Then it re-baked 25 % from the start, went on to 100 % and baked there
    assert weights == [("1", {"2": 0.25}), ("1", {"2": 0.5}), ("2", {})]
    assert clock.now - started == END - STEP_STARTS[25]
    progress = _progress(deployed)
    assert (progress.release_id, progress.state) == (first_id, State.RELEASED)
    assert _status(deployed, "health") == Status.RELEASED


def test_resume_needs_a_dead_release(deployed: Cloud, clock: FakeClock) -> None:
    with pytest.raises(GuardError, match="nothing to resume in dev"):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock, resume=True)


@pytest.mark.parametrize(("signum", "raised"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)])
@pytest.mark.parametrize("weight", [10, 50, 100])
def test_sigint_and_sigterm_roll_back_before_the_release_exits(
    deployed: Cloud, clock: FakeClock, signum: int, raised: type[BaseException], weight: int
) -> None:
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover - pytest runs tests there
        pytest.skip("signals reach the main thread only")
    _at(clock, STEP_STARTS[weight] + 50, lambda: os.kill(os.getpid(), signum))
    with pytest.raises(raised):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    _assert_given_back(deployed)
    assert _progress(deployed).state == State.ROLLED_BACK
    # and the process's own signal handling is back as it was
    assert signal.getsignal(signal.SIGTERM) is not None


def test_a_rollback_stops_a_running_release_at_once(deployed: Cloud, clock: FakeClock) -> None:
    # Given a release at 25 %, and a rollback started from elsewhere (another runner)
    outcome: list[Any] = []
    fast = Schedule(poll_seconds=0.05, lease_seconds=5)

    def start_rollback() -> None:
        worker = threading.Thread(
            target=lambda: outcome.append(rollback(DEV, deployed.session, schedule=fast, report=outcome.append))
        )
        worker.start()
        outcome.append(worker)
        deadline = time.monotonic() + 10
        while _progress(deployed).state != State.STOPPING and time.monotonic() < deadline:
            time.sleep(0.02)

    _at(clock, STEP_STARTS[25] + 10, start_rollback)
    # Then the release stops at its next lease renewal, without moving traffic again
    with pytest.raises(Stopped, match="was taken over"):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    worker = next(item for item in outcome if isinstance(item, threading.Thread))
    worker.join(timeout=20)
    assert not worker.is_alive()
    _assert_given_back(deployed)
    progress = _progress(deployed)
    assert progress.state == State.ROLLED_BACK
    assert progress.stop_acknowledged
    assert any("stop acknowledged" in event for event in progress.history)


def test_a_first_release_is_watched_and_leaves_no_live_alias_on_alarm(deployed: Cloud, clock: FakeClock) -> None:
    # Given health has no `live` alias yet (nothing serves traffic from it)
    deployed.client("lambda").delete_alias(FunctionName=DEV.function_name("health"), Name=ALIAS)
    _at(clock, STEP_STARTS[50] + 10, lambda: deployed.set_alarm("dev", "bbws-dev-health-errors", "ALARM"))
    with pytest.raises(RolledBack):
        release(DEV, deployed.session, ["health"], schedule=SCHEDULE, clock=clock)
    # Then the release created `live` at version 2, watched it, and on alarm removed it again
    assert deployed.client("lambda").list_aliases(FunctionName=DEV.function_name("health"))["Aliases"] == []
    assert _status(deployed, "health") == Status.ROLLED_BACK


def test_a_quiet_first_release_keeps_its_alias_after_the_full_watch(deployed: Cloud, clock: FakeClock) -> None:
    deployed.client("lambda").delete_alias(FunctionName=DEV.function_name("health"), Name=ALIAS)
    release(DEV, deployed.session, ["health"], schedule=SCHEDULE, clock=clock)
    assert deployed.alias("dev", "health")["FunctionVersion"] == "2"
    assert clock.now == END  # watched as long as any release
    record = ArtifactStore(DEV, deployed.client("s3")).read_record("health")
    assert record is not None
    assert record.alias_created
    # and a later rollback removes the alias it created (there is no version to return to)
    rollback(DEV, deployed.session, clock=clock)
    assert deployed.client("lambda").list_aliases(FunctionName=DEV.function_name("health"))["Aliases"] == []


def test_a_release_does_not_start_unwatched(deployed: Cloud, clock: FakeClock) -> None:
    deployed.client("cloudwatch").delete_alarms(AlarmNames=["bbws-dev-health-errors"])
    with pytest.raises(GuardError, match="refusing to release unwatched: no CloudWatch alarm watches bbws-dev-health"):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    assert _routing(deployed) == {}


def test_a_release_does_not_start_while_an_alarm_is_firing(deployed: Cloud, clock: FakeClock) -> None:
    deployed.set_alarm("dev", "bbws-dev-health-errors", "ALARM")
    with pytest.raises(GuardError, match="refusing to release while alarms are in ALARM"):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    assert _routing(deployed) == {}


def test_alarms_of_other_functions_do_not_stop_a_release(deployed: Cloud, clock: FakeClock) -> None:
    deployed.client("cloudwatch", "dev").put_metric_alarm(
        AlarmName="unrelated",
        MetricName="Errors",
        Namespace="AWS/Lambda",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Dimensions=[{"Name": "FunctionName", "Value": "someone-else"}],
    )
    deployed.set_alarm("dev", "unrelated", "ALARM")
    deployed.set_alarm("sit", "bbws-sit-health-errors", "ALARM")
    release(DEV, deployed.session, ["health"], schedule=SCHEDULE, clock=clock)
    assert deployed.alias("dev", "health")["FunctionVersion"] == "2"


def test_releasing_what_was_not_deployed_is_refused(cloud: Cloud, clock: FakeClock) -> None:
    with pytest.raises(GuardError, match="nothing deployed and waiting for release in dev"):
        release(DEV, cloud.session, schedule=SCHEDULE, clock=clock)
    with pytest.raises(GuardError, match="health: nothing recorded in dev"):
        release(DEV, cloud.session, ["health"], schedule=SCHEDULE, clock=clock)


def test_hooks_run_before_traffic_moves_and_hear_every_step(deployed: Cloud, clock: FakeClock) -> None:
    events: list[str] = []

    def before(plan: ReleasePlan) -> None:
        events.append(f"before {_routing(deployed) or 'nothing moved'} {[m.name for m in plan.moves]}")

    release(
        DEV,
        deployed.session,
        schedule=SCHEDULE,
        clock=clock,
        hooks=ReleaseHooks(before_traffic=before, on_event=lambda _plan, event: events.append(event)),
    )
    assert events == ["before nothing moved ['health', 'orders-api']", "10 %", "25 %", "50 %", "100 %", "released"]


def test_a_failing_before_traffic_hook_stops_the_release_with_nothing_moved(deployed: Cloud, clock: FakeClock) -> None:
    def backup(_plan: ReleasePlan) -> None:
        raise RuntimeError("backup failed")

    events: list[str] = []
    hooks = ReleaseHooks(before_traffic=backup, on_event=lambda _plan, event: events.append(event))
    with pytest.raises(RuntimeError, match="backup failed"):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock, hooks=hooks)
    # Then nothing moved, the records still wait for a release, and no rollback is announced
    assert (deployed.alias("dev", "health")["FunctionVersion"], _routing(deployed)) == ("1", {})
    assert [_status(deployed, f) for f in deployed.functions] == [Status.DEPLOYED] * 2
    assert _progress(deployed).state == State.REFUSED
    assert events == ["refused: RuntimeError backup failed"]
    assert clock.sleeps == []
    # And the next release goes ahead
    release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    assert deployed.alias("dev", "health")["FunctionVersion"] == "2"


def test_a_deploy_is_refused_while_a_release_is_in_progress(deployed: Cloud, clock: FakeClock, tmp_path: Path) -> None:
    def kill() -> None:
        raise Killed

    _at(clock, 10, kill)
    with pytest.raises(Killed):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    with pytest.raises(GuardError, match=r"refusing to deploy to dev: release .* is running there"):
        deploy(DEV, load_artifacts(tmp_path), deployed.session)


def test_a_workflows_rollback_touches_only_its_own_release(deployed: Cloud, clock: FakeClock) -> None:
    release(DEV, deployed.session, schedule=SCHEDULE, clock=clock, release_id="run-7")
    # a cleanup for a run whose release never started changes nothing
    assert rollback(DEV, deployed.session, release_id="run-8", clock=clock) == []
    assert deployed.alias("dev", "health")["FunctionVersion"] == "2"
    # the cleanup of the run that released (its smoke test failed) gives the traffic back
    rollback(DEV, deployed.session, release_id="run-7", clock=clock)
    _assert_given_back(deployed)


def _listening() -> tuple[list[str], ReleaseHooks]:
    events: list[str] = []
    return events, ReleaseHooks(on_event=lambda _plan, event: events.append(event))


def _kill() -> None:
    raise Killed


@pytest.mark.parametrize("weight", [10, 25, 50, 100])
def test_the_rollback_of_a_dead_release_is_announced(deployed: Cloud, clock: FakeClock, weight: int) -> None:
    _at(clock, STEP_STARTS[weight] + 100, _kill)
    with pytest.raises(Killed):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock, release_id="r-dead")
    clock.on_sleep.clear()
    clock.now += LEASE + 1
    events, hooks = _listening()
    # When the next release finds it dead
    with pytest.raises(GuardError, match="nothing deployed and waiting"):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock, hooks=hooks)
    # Then its rollback went through the hooks (the release notices), naming the step it died at
    assert len(events) == 1
    assert events[0].startswith(f"rolled back: release died at {weight} % (")
    assert events[0].endswith("rolled back by the next bbws release")


def test_a_rollback_announces_what_it_gave_back(deployed: Cloud, clock: FakeClock) -> None:
    plans: list[tuple[str, str]] = []
    hooks = ReleaseHooks(on_event=lambda plan, event: plans.append((plan.release_id, event)))
    # a dead release, settled by bbws rollback
    _at(clock, STEP_STARTS[50] + 10, _kill)
    with pytest.raises(Killed):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock, release_id="r-1")
    clock.on_sleep.clear()
    clock.now += LEASE + 1
    rollback(DEV, deployed.session, clock=clock, hooks=hooks)
    assert [(rid, event.split(" (")[0]) for rid, event in plans] == [("r-1", "rolled back: release died at 50 %")]
    # a finished release, rolled back by hand
    plans.clear()
    _redeploy(deployed)
    release(DEV, deployed.session, schedule=SCHEDULE, clock=clock, release_id="r-2")
    rolled = rollback(DEV, deployed.session, clock=clock, hooks=hooks)
    assert {r.function for r in rolled} == set(deployed.functions)
    assert [(rid, event.split(" (")[0]) for rid, event in plans] == [("r-2", "rolled back: bbws rollback")]
    # nothing left to roll back: nothing announced
    plans.clear()
    assert rollback(DEV, deployed.session, clock=clock, hooks=hooks) == []
    assert plans == []


def _redeploy(cloud: Cloud) -> None:
    """A new build of every function deployed again (version 3), `live` untouched."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        make_dist(
            Path(directory),
            {name: {f"bbws/{name}.py": f"NAME = {name!r}  # again\n".encode()} for name in cloud.functions},
            handler="by-name",
        )
        deploy(DEV, load_artifacts(Path(directory)), cloud.session)


def test_a_release_killed_before_traffic_moved_is_closed_and_the_next_one_goes_ahead(
    deployed: Cloud, clock: FakeClock
) -> None:
    # Given a release killed while its before-traffic hook (a backup) ran
    def backup(_plan: ReleasePlan) -> None:
        raise Killed

    with pytest.raises(Killed):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock, hooks=ReleaseHooks(before_traffic=backup))
    assert (_progress(deployed).state, _progress(deployed).step) == (State.RUNNING, 0)
    clock.now += LEASE + 1
    # When the next release runs
    events, hooks = _listening()
    release(DEV, deployed.session, schedule=SCHEDULE, clock=clock, hooks=hooks)
    # Then the dead one was closed with nothing to give back, and the versions it meant to release are live
    assert events[0].startswith("rolled back: release died before any traffic moved")
    assert events[-1] == "released"
    assert deployed.alias("dev", "health")["FunctionVersion"] == "2"


def test_the_lease_is_kept_while_a_long_before_traffic_hook_runs(deployed: Cloud, clock: FakeClock) -> None:
    # a lease of 0.1 s renewed every 0.02 s; steps of 0 s once the hook is done
    schedule = Schedule(0, 0, 0, poll_seconds=0.02, lease_seconds=0.1, alarm_floor=False)
    seen: list[bool] = []

    def slow_backup(_plan: ReleasePlan) -> None:
        clock.now += 3600  # an hour of backups passes on the release's clock...
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not _progress(deployed).lease_valid(clock.time()):
            time.sleep(0.01)  # ...while the keep-alive renews from its thread
        seen.append(_progress(deployed).lease_valid(clock.time()))

    release(DEV, deployed.session, schedule=schedule, clock=clock, hooks=ReleaseHooks(before_traffic=slow_backup))
    assert seen == [True]


def test_a_rollback_during_the_before_traffic_hook_stops_the_release_with_nothing_moved(
    deployed: Cloud, clock: FakeClock
) -> None:
    # the keep-alive renews every 0.2 real seconds; both sides read one clock, so the lease is valid
    schedule = Schedule(poll_seconds=0.2, lease_seconds=1)
    events, hooks = _listening()

    def backup(_plan: ReleasePlan) -> None:
        rollback(DEV, deployed.session, schedule=schedule, clock=clock, hooks=hooks)  # another runner's
        time.sleep(0.5)  # the keep-alive notices the takeover

    with pytest.raises(Stopped):
        release(DEV, deployed.session, schedule=schedule, clock=clock,
                hooks=ReleaseHooks(before_traffic=backup, on_event=hooks.on_event))  # fmt: skip
    assert _routing(deployed) == {}
    assert [_status(deployed, f) for f in deployed.functions] == [Status.DEPLOYED] * 2
    assert _progress(deployed).state == State.ROLLED_BACK
    assert events[0].startswith("rolled back: stopped at 0 % by bbws rollback")
    assert "10 %" not in events


def test_short_steps_without_the_alarm_floor_for_rehearsals(deployed: Cloud, clock: FakeClock) -> None:
    schedule = Schedule(bake_seconds=2, step_seconds=1, final_bake_seconds=3, poll_seconds=1, alarm_floor=False)
    lines: list[str] = []
    release(DEV, deployed.session, schedule=schedule, clock=clock, report=lines.append)
    assert clock.now == 2 + 1 + 1 + 3
    assert any(line.startswith("warning: --no-alarm-floor: steps of 2, 1, 1, 3 s") for line in lines)


def test_a_protected_environment_never_runs_steps_shorter_than_its_alarms(cloud: Cloud, clock: FakeClock) -> None:
    with pytest.raises(GuardError, match="prod is protected"):
        release(TEST_ENVIRONMENTS["prod"], cloud.session, schedule=Schedule(alarm_floor=False), clock=clock)


def test_a_function_whose_new_version_already_serves_is_watched_and_left_where_it_was(
    cloud: Cloud, clock: FakeClock, tmp_path: Path
) -> None:
    # Given health deployed with no alias (nothing to return to), then `live` put on the new version
    lam = cloud.client("lambda")
    lam.delete_alias(FunctionName=DEV.function_name("health"), Name=ALIAS)
    make_dist(tmp_path, {"health": {"bbws/health.py": b"V = 2\n"}}, handler="by-name")
    deploy(DEV, load_artifacts(tmp_path), cloud.session)
    lam.create_alias(FunctionName=DEV.function_name("health"), Name=ALIAS, FunctionVersion="2")
    _at(clock, STEP_STARTS[100] + 10, lambda: cloud.set_alarm("dev", "bbws-dev-health-errors", "ALARM"))
    lines: list[str] = []
    with pytest.raises(RolledBack, match="at 100 %"):
        release(DEV, cloud.session, ["health"], schedule=SCHEDULE, clock=clock, report=lines.append)
    # Then it was watched as long as any release, and `live` stays where it was before the release
    assert cloud.alias("dev", "health")["FunctionVersion"] == "2"
    assert "bbws-dev-health: no earlier version to return to; live left at version 2" in lines
