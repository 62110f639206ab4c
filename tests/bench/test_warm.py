"""Warm statistics: nearest-rank percentiles and the 1 ms median target."""

from __future__ import annotations

from bench.warm import percentile, summarise


def test_p99_of_a_hundred_samples_is_the_99th_smallest() -> None:
    samples = [float(n) for n in range(100, 0, -1)]
    assert percentile(samples, 0.99) == 99.0
    assert percentile(samples, 0.5) == 50.0
    assert percentile([7.0], 0.99) == 7.0


def test_the_target_is_on_the_median_not_the_tail() -> None:
    fast_with_tail = summarise([0.5] * 98 + [40.0, 50.0])
    slow = summarise([1.2] * 100)
    assert fast_with_tail["pass"] is True
    assert fast_with_tail["p99_ms"] == 40.0
    assert slow["pass"] is False


def test_the_sdk_share_is_reported_apart_from_the_services_own_work() -> None:
    figures = summarise(cpu_ms=[1.0, 1.2, 1.4], wall_ms=[1.1, 1.3, 9.0], sdk_ms=[0.5, 0.5, 0.6])
    assert figures["median_ms"] == 1.2
    assert figures["sdk_median_ms"] == 0.5
    assert figures["without_sdk_median_ms"] == 0.7
    assert figures["wall_median_ms"] == 1.3
    assert figures["pass"] is False  # the target is on the whole invocation, SDK included
