"""Canary releases through the `live` alias, watching CloudWatch alarms (moto, no real waiting)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bbws.delivery.accounts import ALIAS, GuardError
from bbws.delivery.deploy import deploy, load_artifacts
from bbws.delivery.release import RolledBack, Schedule, release
from bbws.delivery.store import ArtifactStore, Status

from .conftest import TEST_ENVIRONMENTS, Cloud, FakeClock, make_dist

DEV = TEST_ENVIRONMENTS["dev"]
SCHEDULE = Schedule(bake_seconds=300, step_seconds=60, poll_seconds=30)


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


def _watch_weights(cloud: Cloud, clock: FakeClock) -> list[Any]:
    """The canary weight of health's alias at every moment the release waits."""
    seen: list[Any] = []

    def look(_now: float) -> None:
        routing = cloud.alias("dev", "health").get("RoutingConfig", {}).get("AdditionalVersionWeights", {})
        if not seen or seen[-1] != routing:
            seen.append(routing)

    clock.on_sleep.append(look)
    return seen


def test_a_quiet_canary_goes_10_25_50_then_100_percent(deployed: Cloud, clock: FakeClock) -> None:
    # Given alarms on the functions, all quiet
    deployed.add_alarm("dev", "health")
    weights = _watch_weights(deployed, clock)
    # When the release runs
    records = release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    # Then traffic moved 10 %, 25 %, 50 % and finally all of it to version 2
    assert weights == [{"2": 0.1}, {"2": 0.25}, {"2": 0.5}]
    alias = deployed.alias("dev", "health")
    assert alias["FunctionVersion"] == "2"
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {}
    # And the 10 % step baked for the full five minutes before 25 %
    assert clock.now == 300 + 60 + 60
    assert {r.function: r.status for r in records} == {"health": Status.RELEASED, "orders-api": Status.RELEASED}


def test_a_canary_rolls_back_when_its_alarm_fires(deployed: Cloud, clock: FakeClock) -> None:
    # Given the health errors alarm fires two minutes into the 10 % bake
    alarm = deployed.add_alarm("dev", "health")
    clock.on_sleep.append(lambda now: deployed.set_alarm("dev", alarm, "ALARM") if now >= 120 else None)
    # When the release runs
    with pytest.raises(RolledBack, match=f"{alarm} in ALARM"):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    # Then every function of the release serves version 1 again, with the canary routing removed
    for function in deployed.functions:
        alias = deployed.alias("dev", function)
        assert alias["FunctionVersion"] == "1"
        assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {}
    # And it did not wait longer than it took to notice
    assert clock.now == 120
    record = ArtifactStore(DEV, deployed.client("s3")).read_record("health")
    assert record is not None
    assert record.status == Status.ROLLED_BACK


def test_an_alarm_at_a_later_step_also_rolls_back(deployed: Cloud, clock: FakeClock) -> None:
    alarm = deployed.add_alarm("dev", "orders-api", "throttles")
    clock.on_sleep.append(lambda now: deployed.set_alarm("dev", alarm, "ALARM") if now > 330 else None)
    with pytest.raises(RolledBack):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    assert deployed.alias("dev", "orders-api")["FunctionVersion"] == "1"


def test_a_release_does_not_start_while_an_alarm_is_firing(deployed: Cloud, clock: FakeClock) -> None:
    alarm = deployed.add_alarm("dev", "health")
    deployed.set_alarm("dev", alarm, "ALARM")
    with pytest.raises(GuardError, match="refusing to release while alarms are in ALARM"):
        release(DEV, deployed.session, schedule=SCHEDULE, clock=clock)
    assert deployed.alias("dev", "health").get("RoutingConfig", {}).get("AdditionalVersionWeights", {}) == {}


def test_alarms_of_other_functions_do_not_stop_a_release(deployed: Cloud, clock: FakeClock) -> None:
    other = deployed.add_alarm("sit", "health")
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
    deployed.set_alarm("sit", other, "ALARM")
    release(DEV, deployed.session, ["health"], schedule=SCHEDULE, clock=clock)
    assert deployed.alias("dev", "health")["FunctionVersion"] == "2"


def test_releasing_what_was_not_deployed_is_refused(cloud: Cloud, clock: FakeClock) -> None:
    with pytest.raises(GuardError, match="nothing deployed and waiting for release in dev"):
        release(DEV, cloud.session, schedule=SCHEDULE, clock=clock)
    with pytest.raises(GuardError, match="health: nothing recorded in dev"):
        release(DEV, cloud.session, ["health"], schedule=SCHEDULE, clock=clock)


def test_a_first_release_without_an_alias_creates_it(deployed: Cloud, clock: FakeClock) -> None:
    lam = deployed.client("lambda")
    lam.delete_alias(FunctionName=DEV.function_name("health"), Name=ALIAS)
    release(DEV, deployed.session, ["health"], schedule=SCHEDULE, clock=clock)
    assert deployed.alias("dev", "health")["FunctionVersion"] == "2"
    assert clock.now == 0  # nothing served traffic before, so there was nothing to canary against
