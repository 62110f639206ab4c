"""The CloudWatch alarms a release watches, and how long each needs to reach ALARM.

The alarms of a function are every metric alarm with a `FunctionName` dimension equal to it (any
version or alias), or a name starting with its name (Terraform's `<function>-errors`,
`-throttles`, `-duration`). A canary step is only guarded if it lasts as long as its slowest
alarm needs to see the step's traffic: an alarm with period P, evaluation periods N and M
datapoints to alarm (M of N) turns ALARM once M of its last N periods breach, so a fault that
starts with a step is certain to be seen only after the N periods of the whole window have been
filled at the new weight, plus one more period for the last datapoint to arrive and be
evaluated (CloudWatch evaluates alarms about once a minute and Lambda's metrics land up to a
minute late). `reaction_seconds` = P x N + P. For Terraform's 60 s, 2-of-3 alarms: 240 s.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WatchedAlarm:
    name: str
    function: str  # the deployed function name it watches
    period: int  # seconds
    evaluation_periods: int
    datapoints_to_alarm: int
    state: str

    @property
    def reaction_seconds(self) -> float:
        """How long a step must last for this alarm to have judged traffic at the step's weight."""
        window = self.period * max(self.evaluation_periods, self.datapoints_to_alarm)
        return float(window + self.period)


def _period(alarm: dict[str, Any]) -> int:
    if alarm.get("Period"):
        return int(alarm["Period"])
    # metric-math alarms: the longest period among their metrics
    periods = [int(m["MetricStat"]["Period"]) for m in alarm.get("Metrics", []) if m.get("MetricStat")]
    periods += [int(m["Period"]) for m in alarm.get("Metrics", []) if m.get("Period")]
    return max(periods, default=60)


def _watches(alarm: dict[str, Any], name: str) -> bool:
    dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    for metric in alarm.get("Metrics", []):
        stat = metric.get("MetricStat") or {}
        dimensions.update({d["Name"]: d["Value"] for d in stat.get("Metric", {}).get("Dimensions", [])})
    function = str(dimensions.get("FunctionName", "")).split(":", 1)[0]
    return function == name or alarm["AlarmName"] == name or alarm["AlarmName"].startswith(f"{name}-")


def watched_alarms(cloudwatch: Any, function_names: Iterable[str]) -> list[WatchedAlarm]:
    """Every metric alarm about one of the functions (see the module docstring)."""
    wanted = list(function_names)
    found: list[WatchedAlarm] = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        for alarm in page.get("MetricAlarms", []):
            for name in wanted:
                if _watches(alarm, name):
                    evaluation = int(alarm.get("EvaluationPeriods") or 1)
                    found.append(
                        WatchedAlarm(
                            name=alarm["AlarmName"],
                            function=name,
                            period=_period(alarm),
                            evaluation_periods=evaluation,
                            datapoints_to_alarm=int(alarm.get("DatapointsToAlarm") or evaluation),
                            state=str(alarm.get("StateValue", "INSUFFICIENT_DATA")),
                        )
                    )
                    break
    return found


def firing(cloudwatch: Any, function_names: Sequence[str]) -> list[str]:
    return sorted({alarm.name for alarm in watched_alarms(cloudwatch, function_names) if alarm.state == "ALARM"})


def unwatched(alarms: Iterable[WatchedAlarm], function_names: Iterable[str]) -> list[str]:
    """The functions no alarm watches (a release of them could never roll back by itself)."""
    covered = {alarm.function for alarm in alarms}
    return sorted(set(function_names) - covered)


def slowest(alarms: Sequence[WatchedAlarm]) -> WatchedAlarm | None:
    return max(alarms, key=lambda alarm: alarm.reaction_seconds, default=None)
