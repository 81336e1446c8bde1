"""Latency histograms: cheap to record on the hot path, exact enough to report percentiles.

``LatencyHistogram`` is an HDR-style log-linear histogram of durations in nanoseconds with two
significant digits: values below 256 ns get one bucket each; above that, every power-of-two range
``[2**k, 2**(k+1))`` is split into 128 equal buckets. A bucket is therefore never wider than 1/128
of its lower bound, and reporting its midpoint puts every percentile within **1/256 (0.4 %)** of
the exact nearest-rank value (``sorted(values)[ceil(p/100 * n) - 1]``). Values are clamped to
``[MIN_NS, MAX_NS]`` = 100 ns .. 100 s; clamped values are counted in ``underflows`` /
``overflows``. ``count``, ``min``, ``max`` and ``mean`` are exact (of the clamped values).

The bucket index is ``(s << 7) + (v >> s)`` with ``s = max(v.bit_length() - 8, 0)``: one
``bit_length``, two shifts and a list increment, no allocation and no lock (recording is meant for
the single event-loop thread). ``benchmarks/bench_metrics.py`` measures it.

``LatencyTracker`` is a named set of histograms (the names below are the client's), with a report
of ``LatencySnapshot`` values in microseconds and a Prometheus rendering.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MIN_NS",
    "MAX_NS",
    "RELATIVE_ERROR",
    "ORDER_ACK",
    "ORDER_FILL",
    "MARKET_DATA_ONE_WAY",
    "TICK_TO_CALLBACK",
    "REQUEST_RTT",
    "LatencyHistogram",
    "LatencySnapshot",
    "LatencyTracker",
]

MIN_NS = 100
MAX_NS = 100_000_000_000
RELATIVE_ERROR = 1 / 256

# The operations IBKRClient measures. Any other name works too.
ORDER_ACK = "order_ack"
ORDER_FILL = "order_fill"
MARKET_DATA_ONE_WAY = "market_data_one_way"
TICK_TO_CALLBACK = "tick_to_callback"
REQUEST_RTT = "request_rtt"

_SUB_BITS = 8  # top bits kept per value: 256 linear values, then 128 buckets per power of two
_HALF = 1 << (_SUB_BITS - 1)
_N_BUCKETS = ((MAX_NS.bit_length() - _SUB_BITS) << (_SUB_BITS - 1)) + (1 << _SUB_BITS)


def _bucket_bounds(i: int) -> tuple[int, int]:
    """The inclusive range ``[low, high]`` of values that land in bucket ``i``."""
    if i < (1 << _SUB_BITS):
        return i, i
    s = (i >> (_SUB_BITS - 1)) - 1
    m = i - (s << (_SUB_BITS - 1))
    return m << s, ((m + 1) << s) - 1


# Midpoints of every bucket, computed once: percentile() reads them instead of doing arithmetic.
_MIDPOINTS: tuple[float, ...] = tuple((lo + hi) / 2 for lo, hi in map(_bucket_bounds, range(_N_BUCKETS)))


@dataclass(frozen=True, slots=True)
class LatencySnapshot:
    """Summary of one histogram, every duration in microseconds (float, sub-microsecond digits kept
    to the nanosecond). An empty histogram gives all zeros."""

    count: int
    p50: float
    p90: float
    p99: float
    p999: float
    max: float
    min: float
    mean: float


def _us(ns: float) -> float:
    return round(ns / 1000.0, 3)


class LatencyHistogram:
    """Durations in nanoseconds, log-linear buckets, 0.4 % percentile precision (module docstring)."""

    __slots__ = ("_counts", "_max", "_min", "_sum", "overflows", "underflows")

    def __init__(self) -> None:
        # Every value is >= MIN_NS > 0, so "_sum == 0" means empty.
        self._counts = [0] * _N_BUCKETS
        self._sum = 0
        self._min = MAX_NS
        self._max = MIN_NS
        self.underflows = 0
        self.overflows = 0

    def record(self, ns: int, _lo: int = MIN_NS, _hi: int = MAX_NS) -> None:
        """Add one duration. Out-of-range values are clamped and counted."""
        # The bounds are default arguments because locals are faster than globals; the count is
        # derived from the buckets when read. Index: values below 256 map to themselves, larger
        # ones keep their top 8 bits m (128..255) and the shift s: (s << 7) + m.
        if _lo <= ns <= _hi:
            s = ns.bit_length() - 8
            if s > 0:
                self._counts[(s << 7) + (ns >> s)] += 1
            else:
                self._counts[ns] += 1
            self._sum += ns
            if ns < self._min:
                self._min = ns
            if ns > self._max:
                self._max = ns
        else:
            self._record_clamped(ns)

    def record_n(self, ns: int, n: int, _lo: int = MIN_NS, _hi: int = MAX_NS) -> None:
        """Add the same duration ``n`` times (what ``n`` calls of ``record(ns)`` would do)."""
        if n == 1 or not _lo <= ns <= _hi:
            for _ in range(n):
                self.record(ns)
            return
        s = ns.bit_length() - 8
        if s > 0:
            self._counts[(s << 7) + (ns >> s)] += n
        else:
            self._counts[ns] += n
        self._sum += ns * n
        if ns < self._min:
            self._min = ns
        if ns > self._max:
            self._max = ns

    def _record_clamped(self, ns: int) -> None:
        if ns < MIN_NS:
            self.underflows += 1
            self.record(MIN_NS)
        else:
            self.overflows += 1
            self.record(MAX_NS)

    @property
    def count(self) -> int:
        return sum(self._counts)

    @property
    def min(self) -> int:
        """Smallest recorded value in ns (0 when empty)."""
        return self._min if self._sum else 0

    @property
    def max(self) -> int:
        """Largest recorded value in ns (0 when empty)."""
        return self._max if self._sum else 0

    @property
    def mean(self) -> float:
        """Exact mean in ns (0.0 when empty)."""
        return self._sum / self.count if self._sum else 0.0

    def percentile(self, p: float) -> float:
        """The nearest-rank ``p``-th percentile (0 <= p <= 100) in ns, within 0.4 %; 0.0 when empty.

        ``p == 0`` is the minimum and ``p == 100`` the maximum, both exact.
        """
        if not 0.0 <= p <= 100.0:
            raise ValueError(f"percentile must be within [0, 100], got {p}")
        return self._percentiles((p,))[0]

    def _percentiles(self, ps: Iterable[float]) -> list[float]:
        """Several percentiles in one pass over the buckets (``ps`` ascending)."""
        ps = list(ps)
        n = self.count
        if n == 0:
            return [0.0] * len(ps)
        # The epsilon keeps float noise (99.9 * 1000 / 100 = 999.0000000000001) from moving a rank up.
        ranks = [max(1, math.ceil(p * n / 100.0 - 1e-9)) for p in ps]
        out: list[float] = []
        lo, hi = float(self._min), float(self._max)
        seen = 0
        want = iter(ranks)
        rank = next(want)
        for i, c in enumerate(self._counts):
            if not c:
                continue
            seen += c
            while seen >= rank:
                # Rank 1 and rank n are the exact min and max; otherwise the bucket midpoint,
                # pulled inside [min, max].
                if rank == 1:
                    out.append(lo)
                elif rank == n:
                    out.append(hi)
                else:
                    out.append(min(max(_MIDPOINTS[i], lo), hi))
                nxt = next(want, None)
                if nxt is None:
                    return out
                rank = nxt
        raise AssertionError("bucket counts do not add up to count")  # pragma: no cover

    def snapshot(self) -> LatencySnapshot:
        p50, p90, p99, p999 = self._percentiles((50.0, 90.0, 99.0, 99.9))
        return LatencySnapshot(
            count=self.count,
            p50=_us(p50),
            p90=_us(p90),
            p99=_us(p99),
            p999=_us(p999),
            max=_us(self.max),
            min=_us(self.min),
            mean=_us(self.mean),
        )

    def merge(self, other: LatencyHistogram) -> None:
        """Add every value recorded in ``other`` to this histogram."""
        self._counts = [a + b for a, b in zip(self._counts, other._counts, strict=True)]
        self._sum += other._sum
        self._min = min(self._min, other._min)
        self._max = max(self._max, other._max)
        self.underflows += other.underflows
        self.overflows += other.overflows

    def reset(self) -> None:
        for i in range(_N_BUCKETS):
            self._counts[i] = 0
        self._sum = 0
        self._min = MAX_NS
        self._max = MIN_NS
        self.underflows = 0
        self.overflows = 0

    @property
    def total_ns(self) -> int:
        """Sum of all recorded (clamped) values in ns."""
        return self._sum

    def __repr__(self) -> str:
        return f"LatencyHistogram(count={self.count}, min={self.min}, max={self.max})"


_QUANTILES = (("0.5", 50.0), ("0.9", 90.0), ("0.99", 99.0), ("0.999", 99.9))


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class LatencyTracker:
    """A named set of ``LatencyHistogram``; a histogram is created on the first record of its name.

    Hot paths should keep ``tracker.histogram(name)`` and call its ``record`` directly: that skips
    the dict lookup.
    """

    __slots__ = ("_histograms",)

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._histograms: dict[str, LatencyHistogram] = {name: LatencyHistogram() for name in names}

    def histogram(self, name: str) -> LatencyHistogram:
        """The histogram for ``name``, created empty if new."""
        h = self._histograms.get(name)
        if h is None:
            h = self._histograms[name] = LatencyHistogram()
        return h

    def record(self, name: str, ns: int) -> None:
        h = self._histograms.get(name)
        if h is None:
            h = self._histograms[name] = LatencyHistogram()
        h.record(ns)

    def names(self) -> list[str]:
        return list(self._histograms)

    def __iter__(self) -> Iterator[tuple[str, LatencyHistogram]]:
        return iter(list(self._histograms.items()))

    def report(self) -> dict[str, LatencySnapshot]:
        return {name: h.snapshot() for name, h in self._histograms.items()}

    def reset(self) -> None:
        for h in self._histograms.values():
            h.reset()

    def to_prometheus_text(self, metric: str = "ibkr_latency_seconds") -> str:
        """The Prometheus text exposition format (0.0.4): one summary, label ``operation``,
        quantiles 0.5/0.9/0.99/0.999, values in seconds (the Prometheus base unit)."""
        lines = [
            f"# HELP {metric} Latency of ibkr operations (log-linear histogram, 0.4% precision).",
            f"# TYPE {metric} summary",
        ]
        for name, h in self._histograms.items():
            op = _label(name)
            values = h._percentiles(q for _, q in _QUANTILES)
            for (q, _), v in zip(_QUANTILES, values, strict=True):
                lines.append(f'{metric}{{operation="{op}",quantile="{q}"}} {v / 1e9!r}')
            lines.append(f'{metric}_sum{{operation="{op}"}} {h.total_ns / 1e9!r}')
            lines.append(f'{metric}_count{{operation="{op}"}} {h.count}')
        return "\n".join(lines) + "\n"

    def register_prometheus(self, registry: Any = None, metric: str = "ibkr_latency_seconds") -> Any:
        """Expose this tracker through ``prometheus_client`` (optional dependency, imported here).

        Registers a custom collector on ``registry`` (the default ``REGISTRY`` when None) and
        returns it, so that it can be unregistered. Raises ``ImportError`` if prometheus_client is
        not installed.
        """
        from prometheus_client.core import REGISTRY, Metric

        tracker = self

        class _Collector:
            def collect(self) -> Iterator[Any]:
                family = Metric(metric, "Latency of ibkr operations.", "summary")
                for name, h in tracker:
                    values = h._percentiles(q for _, q in _QUANTILES)
                    for (q, _), v in zip(_QUANTILES, values, strict=True):
                        family.add_sample(metric, {"operation": name, "quantile": q}, v / 1e9)
                    family.add_sample(metric + "_sum", {"operation": name}, h.total_ns / 1e9)
                    family.add_sample(metric + "_count", {"operation": name}, float(h.count))
                yield family

            def describe(self) -> list[Any]:
                return []

        collector = _Collector()
        (REGISTRY if registry is None else registry).register(collector)
        return collector
