"""Cost of ``LatencyHistogram.record()`` in ns per call (a script, not a test).

    .venv/bin/python benchmarks/bench_metrics.py [calls]

Records a realistic spread of latencies (1 us .. 10 ms) prepared in advance, so that the loop
measures ``record`` plus the loop itself; the bare loop is measured too and subtracted.
"""

from __future__ import annotations

import random
import sys
import time

from ibkr.metrics import LatencyHistogram, LatencyTracker


def _values(n: int) -> list[int]:
    rng = random.Random(1)
    pool = [int(rng.lognormvariate(10.0, 1.5)) + 1000 for _ in range(4096)]
    return (pool * (n // len(pool) + 1))[:n]


def _bench(label: str, fn: object, values: list[int], baseline: float) -> None:
    for v in values[: len(values) // 4]:  # warm-up, untimed
        fn(v)  # type: ignore[operator]
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter_ns()
        for v in values:
            fn(v)  # type: ignore[operator]
        best = min(best, (time.perf_counter_ns() - t0) / len(values))
    print(f"{label:<40} {best - baseline:7.1f} ns/op  (loop included: {best:.1f})")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000
    values = _values(n)

    def noop(v: int) -> None:
        pass

    baseline = float("inf")
    for _ in range(3):
        t0 = time.perf_counter_ns()
        for v in values:
            noop(v)
        baseline = min(baseline, (time.perf_counter_ns() - t0) / n)
    print(f"{n:,} calls, bare loop + call {baseline:.1f} ns/op")

    warm = LatencyHistogram()  # the first few million calls of a process run slower: not timed
    for v in values:
        warm.record(v)

    h = LatencyHistogram()
    _bench("LatencyHistogram.record", h.record, values, baseline)
    tracker = LatencyTracker()
    _bench("LatencyTracker.histogram(name).record", tracker.histogram("order_ack").record, values, baseline)

    def by_name(v: int) -> None:
        tracker.record("tick_to_callback", v)

    _bench("LatencyTracker.record(name, ns)", by_name, values, baseline)
    print(h.snapshot())


if __name__ == "__main__":
    main()
