"""LatencyHistogram.record_n: the same state as n calls of record, in range and out of it."""

from __future__ import annotations

import random

import pytest

from ibkr.metrics import MAX_NS, MIN_NS, LatencyHistogram


@pytest.mark.parametrize("seed", range(3))
def test_record_n_equals_n_records(seed: int) -> None:
    rng = random.Random(seed)
    pairs = [(rng.choice([0, 1, 5, 255, 256, 10**4, rng.randrange(1, 10**11), MAX_NS + 7]), rng.randrange(1, 6))
             for _ in range(300)]  # fmt: skip
    one, many = LatencyHistogram(), LatencyHistogram()
    for ns, n in pairs:
        one.record_n(ns, n)
        for _ in range(n):
            many.record(ns)
    assert one.snapshot() == many.snapshot()
    assert (one.count, one.min, one.max, one.mean) == (many.count, many.min, many.max, many.mean)
    assert (one.underflows, one.overflows) == (many.underflows, many.overflows)
    assert one.count == sum(n for _, n in pairs)
    assert one.min >= MIN_NS and one.max <= MAX_NS
