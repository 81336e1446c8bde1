"""LatencyHistogram / LatencyTracker: percentiles against exact sorted values, merge, clamp, export."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibkr.metrics import (
    MAX_NS,
    MIN_NS,
    RELATIVE_ERROR,
    LatencyHistogram,
    LatencySnapshot,
    LatencyTracker,
)


def exact(values: list[int], p: float) -> int:
    """Nearest-rank percentile of the clamped values."""
    ordered = sorted(min(max(v, MIN_NS), MAX_NS) for v in values)
    rank = max(1, math.ceil(p * len(ordered) / 100 - 1e-9))
    return ordered[rank - 1]


def assert_close(estimate: float, truth: int) -> None:
    assert abs(estimate - truth) <= truth * RELATIVE_ERROR, (estimate, truth)


def filled(values: list[int]) -> LatencyHistogram:
    h = LatencyHistogram()
    for v in values:
        h.record(v)
    return h


PS = (0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100)


@pytest.mark.parametrize("seed", range(5))
def test_percentiles_within_documented_precision(seed: int) -> None:
    rng = random.Random(seed)
    values = [int(rng.lognormvariate(11, 2)) + MIN_NS for _ in range(20_000)]
    h = filled(values)
    for p in PS:
        assert_close(h.percentile(p), exact(values, p))
    assert h.count == len(values)
    assert h.min == min(values)
    assert h.max == max(values)
    assert h.mean == pytest.approx(sum(values) / len(values))


@given(st.lists(st.integers(min_value=0, max_value=2 * MAX_NS), min_size=1, max_size=300), st.floats(0, 100))
def test_percentile_property(values: list[int], p: float) -> None:
    assert_close(filled(values).percentile(p), exact(values, p))


def test_small_values_are_exact() -> None:
    values = list(range(MIN_NS, 256))
    h = filled(values)
    for p in PS:
        assert h.percentile(p) == exact(values, p)


def test_bucket_edges() -> None:
    for v in (255, 256, 257, 511, 512, 1023, 1024, 10**6, 2**33 - 1, 2**33, MAX_NS):
        h = filled([v])
        assert h.percentile(50) == v  # one value: min == max == every percentile
        h.record(v)
        h.record(v + 0)
        assert_close(h.percentile(50), v)


def test_empty_histogram() -> None:
    h = LatencyHistogram()
    assert h.count == 0
    assert (h.min, h.max, h.mean, h.percentile(99)) == (0, 0, 0.0, 0.0)
    assert h.snapshot() == LatencySnapshot(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def test_clamp_counts_out_of_range_values() -> None:
    h = filled([1, 50, MIN_NS, 10**6, MAX_NS, MAX_NS + 1, 10**15])
    assert (h.underflows, h.overflows) == (2, 2)
    assert h.count == 7
    assert h.min == MIN_NS
    assert h.max == MAX_NS
    assert h.percentile(0) == MIN_NS
    assert h.percentile(100) == MAX_NS


def test_percentile_rejects_out_of_range_p() -> None:
    with pytest.raises(ValueError):
        LatencyHistogram().percentile(101)
    with pytest.raises(ValueError):
        LatencyHistogram().percentile(-1)


def test_merge_equals_recording_everything_in_one() -> None:
    rng = random.Random(7)
    a_values = [rng.randrange(1, 10**7) for _ in range(3000)]
    b_values = [rng.randrange(10**5, 10**10) for _ in range(2000)] + [10**12]
    a, b, both = filled(a_values), filled(b_values), filled(a_values + b_values)
    a.merge(b)
    assert a.snapshot() == both.snapshot()
    assert (a.count, a.min, a.max, a.mean) == (both.count, both.min, both.max, both.mean)
    assert (a.underflows, a.overflows) == (both.underflows, both.overflows)
    assert b.count == len(b_values)  # the source is unchanged


def test_merge_into_empty_and_reset() -> None:
    a = LatencyHistogram()
    a.merge(filled([1000, 2000]))
    assert (a.count, a.min, a.max) == (2, 1000, 2000)
    a.reset()
    assert (a.count, a.min, a.max, a.underflows) == (0, 0, 0, 0)
    a.record(5000)
    assert (a.count, a.min, a.max) == (1, 5000, 5000)


def test_nearest_rank_is_not_moved_by_float_noise() -> None:
    h = filled(list(range(1000, 1000 * 1001, 1000)))  # 1 us .. 1000 us, 1000 values
    assert_close(h.percentile(99.9), 999_000)  # rank 999, not 1000
    assert h.percentile(99.9) < 1_000_000


def test_snapshot_is_in_microseconds() -> None:
    values = list(range(1000, 1_001_000, 1000))  # 1 us .. 1000 us
    snap = filled(values).snapshot()
    assert snap.count == 1000
    assert snap.min == 1.0
    assert snap.max == 1000.0
    assert snap.mean == pytest.approx(500.5)
    for got, p in ((snap.p50, 50), (snap.p90, 90), (snap.p99, 99), (snap.p999, 99.9)):
        assert abs(got - exact(values, p) / 1000) <= exact(values, p) / 1000 * RELATIVE_ERROR + 0.001


def test_tracker_report_and_histogram_access() -> None:
    t = LatencyTracker(["order_ack"])
    t.record("request_rtt", 2_000_000)
    t.histogram("request_rtt").record(4_000_000)
    report = t.report()
    assert set(report) == {"order_ack", "request_rtt"}
    assert report["order_ack"].count == 0
    assert report["request_rtt"].count == 2
    assert report["request_rtt"].max == 4000.0
    t.reset()
    assert t.report()["request_rtt"].count == 0


def test_prometheus_text() -> None:
    t = LatencyTracker()
    for v in (1000, 2000, 3000):
        t.record("order_ack", v)
    t.record('we"ird\\name', 10**9)
    text = t.to_prometheus_text()
    lines = text.splitlines()
    assert lines[0].startswith("# HELP ibkr_latency_seconds ")
    assert lines[1] == "# TYPE ibkr_latency_seconds summary"
    samples = dict(line.rsplit(" ", 1) for line in lines[2:])
    assert float(samples['ibkr_latency_seconds{operation="order_ack",quantile="0.5"}']) == pytest.approx(
        2e-6, rel=0.004
    )
    assert 'ibkr_latency_seconds{operation="order_ack",quantile="0.999"} 3e-06' in lines
    assert 'ibkr_latency_seconds_sum{operation="order_ack"} 6e-06' in lines
    assert 'ibkr_latency_seconds_count{operation="order_ack"} 3' in lines
    assert 'ibkr_latency_seconds_count{operation="we\\"ird\\\\name"} 1' in lines
    assert text.endswith("\n")


def test_register_prometheus() -> None:
    prometheus_client = pytest.importorskip("prometheus_client")
    registry = prometheus_client.CollectorRegistry()
    t = LatencyTracker()
    t.record("order_fill", 5_000_000)
    t.register_prometheus(registry)
    assert registry.get_sample_value("ibkr_latency_seconds_count", {"operation": "order_fill"}) == 1.0
    assert registry.get_sample_value(
        "ibkr_latency_seconds", {"operation": "order_fill", "quantile": "0.99"}
    ) == pytest.approx(0.005)
    assert b'ibkr_latency_seconds_sum{operation="order_fill"} 0.005' in prometheus_client.generate_latest(registry)
