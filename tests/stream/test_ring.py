"""Ring buffers: wraparound, last(n), since(t), bounded copies, unset values."""

from __future__ import annotations

import pytest

from ibkr.stream import DepthRing, DepthUpdate, Quote, QuoteRing, Trade, TradeRing


def test_trade_ring_wraps_and_keeps_the_newest() -> None:
    r = TradeRing(4, "AAPL")
    assert len(r) == 0 and r.last(3) == [] and r.since(0) == []
    for i in range(10):
        r.append(100.0 + i, float(i), 1000 + i)
    assert len(r) == 4 and r.total == 10 and r.capacity == 4
    assert [t.price for t in r.last(4)] == [106.0, 107.0, 108.0, 109.0]
    assert r.last(2) == [Trade("AAPL", 108.0, 8.0, 1008), Trade("AAPL", 109.0, 9.0, 1009)]
    # asking for more than is held returns what is held
    assert len(r.last(100)) == 4


@pytest.mark.parametrize("n", [1, 3, 5, 7, 8, 9, 16, 17])
def test_every_fill_level_reads_back_in_order(n: int) -> None:
    r = TradeRing(8)
    for i in range(n):
        r.append(float(i), 1.0, i)
    held = list(range(max(0, n - 8), n))
    assert [int(t.price) for t in r.last(8)] == held
    for k in range(1, 9):
        assert [int(t.price) for t in r.last(k)] == held[-k:]
    for t0 in range(-1, n + 2):
        assert [t.recv_ns for t in r.since(t0)] == [i for i in held if i >= t0]


def test_since_with_equal_times_takes_every_record_of_that_time() -> None:
    r = TradeRing(5)
    for i, ts in enumerate([10, 20, 20, 20, 30, 30, 40]):
        r.append(float(i), 1.0, ts)
    # held: ts 20, 20, 30, 30, 40 (the first two were overwritten)
    assert [t.recv_ns for t in r.since(20)] == [20, 20, 30, 30, 40]
    assert [t.recv_ns for t in r.since(21)] == [30, 30, 40]
    assert r.since(41) == []


def test_quote_ring_unset_values_read_back_as_none() -> None:
    r = QuoteRing(3, "EUR.USD")
    r.append(None, 1.1, None, 5.0, 1)
    r.append(1.0999, 1.1001, 2.0, 3.0, 2)
    assert r.last(2) == [Quote("EUR.USD", None, 1.1, None, 5.0, 1), Quote("EUR.USD", 1.0999, 1.1001, 2.0, 3.0, 2)]


def test_depth_ring_packs_position_operation_side() -> None:
    r = DepthRing(2, "ES")
    r.append(9, 2, 1, 5000.25, 12.0, 7)
    r.append(70000, 0, 0, 5000.5, 1.0, 8)
    assert r.last(2) == [
        DepthUpdate("ES", 9, 2, 1, 5000.25, 12.0, "", 7),
        DepthUpdate("ES", 70000, 0, 0, 5000.5, 1.0, "", 8),
    ]


def test_memory_is_preallocated_and_fixed() -> None:
    r = QuoteRing(1000)
    before = r.nbytes
    assert before == 1000 * 40
    for i in range(5000):
        r.append(1.0, 2.0, 3.0, 4.0, i)
    assert r.nbytes == before
    r.clear()
    assert len(r) == 0 and r.last(5) == []


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        TradeRing(0)
