"""Ring buffers: the shared L1 ring (trades and quotes by kind), wraparound, last(n), since(t),
bounded memory, unset values, exact float64 values; the depth ring."""

from __future__ import annotations

import random

import pytest

from ibkr.stream import DepthRing, DepthUpdate, L1Ring, Quote, QuoteHistory, Trade, TradeHistory


def test_trades_wrap_and_keep_the_newest() -> None:
    ring = L1Ring(4, "AAPL")
    r = TradeHistory(ring)
    assert len(r) == 0 and r.last(3) == [] and r.since(0) == []
    for i in range(10):
        ring.append_trade(100.0 + i, float(i), 1000 + i)
    assert len(r) == 4 and r.total == 10 and r.capacity == 4 and len(ring) == 4
    assert [t.price for t in r.last(4)] == [106.0, 107.0, 108.0, 109.0]
    assert r.last(2) == [Trade("AAPL", 108.0, 8.0, 1008), Trade("AAPL", 109.0, 9.0, 1009)]
    # asking for more than is held returns what is held
    assert len(r.last(100)) == 4


@pytest.mark.parametrize("n", [1, 3, 5, 7, 8, 9, 16, 17])
def test_every_fill_level_reads_back_in_order(n: int) -> None:
    ring = L1Ring(8)
    r = TradeHistory(ring)
    for i in range(n):
        ring.append_trade(float(i), 1.0, i)
    held = list(range(max(0, n - 8), n))
    assert [int(t.price) for t in r.last(8)] == held
    for k in range(1, 9):
        assert [int(t.price) for t in r.last(k)] == held[-k:]
    for t0 in range(-1, n + 2):
        assert [t.recv_ns for t in r.since(t0)] == [i for i in held if i >= t0]


def test_since_with_equal_times_takes_every_record_of_that_time() -> None:
    ring = L1Ring(5)
    r = TradeHistory(ring)
    for i, ts in enumerate([10, 20, 20, 20, 30, 30, 40]):
        ring.append_trade(float(i), 1.0, ts)
    # held: ts 20, 20, 30, 30, 40 (the first two were overwritten)
    assert [t.recv_ns for t in r.since(20)] == [20, 20, 30, 30, 40]
    assert [t.recv_ns for t in r.since(21)] == [30, 30, 40]
    assert r.since(41) == []


@pytest.mark.parametrize("capacity", [1, 2, 3, 7, 16])
def test_mixed_kinds_match_a_plain_list_at_every_step(capacity: int) -> None:
    """Trades and quotes share the slots: each view returns exactly the newest rows of its kind
    among the last ``capacity`` rows, whatever the interleaving and wrap point."""
    rng = random.Random(capacity)
    ring = L1Ring(capacity, "X")
    trades, quotes = TradeHistory(ring), QuoteHistory(ring)
    model: list[Trade | Quote] = []
    for i in range(5 * capacity + 3):
        ts = i // 2
        if rng.random() < 0.4:
            t = Trade("X", rng.uniform(1, 500), float(rng.randint(1, 900)), ts)
            ring.append_trade(t.price, t.size, ts)
            model.append(t)
        else:
            bid = rng.uniform(1, 500)
            q = Quote("X", bid, bid + 0.01, float(rng.randint(1, 9)), None, ts)
            ring.append_quote(q.bid, q.ask, q.bid_size, q.ask_size, ts)
            model.append(q)
        held = model[-capacity:]
        want_t = [u for u in held if isinstance(u, Trade)]
        want_q = [u for u in held if isinstance(u, Quote)]
        assert len(trades) == len(want_t) and len(quotes) == len(want_q)
        for k in range(capacity + 2):
            assert trades.last(k) == (want_t[-k:] if k else [])
            assert quotes.last(k) == (want_q[-k:] if k else [])
        for t0 in range(-1, i // 2 + 2):
            assert trades.since(t0) == [u for u in want_t if u.recv_ns >= t0]
            assert quotes.since(t0) == [u for u in want_q if u.recv_ns >= t0]
    assert trades.total + quotes.total == ring.total


def test_values_read_back_exactly() -> None:
    """float64 all the way: no rounding of prices or fractional sizes."""
    ring = L1Ring(4, "EUR.USD")
    ring.append_trade(1.0823456789012345, 0.123456789, 1)
    ring.append_quote(1.08234, 1.0823500000000001, 2_500_000.5, 1e-9, 2)
    assert TradeHistory(ring).last(1) == [Trade("EUR.USD", 1.0823456789012345, 0.123456789, 1)]
    assert QuoteHistory(ring).last(1) == [Quote("EUR.USD", 1.08234, 1.0823500000000001, 2_500_000.5, 1e-9, 2)]


def test_quote_unset_values_read_back_as_none() -> None:
    ring = L1Ring(3, "EUR.USD")
    ring.append_quote(None, 1.1, None, 5.0, 1)
    ring.append_quote(1.0999, 1.1001, 2.0, 3.0, 2)
    assert QuoteHistory(ring).last(2) == [
        Quote("EUR.USD", None, 1.1, None, 5.0, 1),
        Quote("EUR.USD", 1.0999, 1.1001, 2.0, 3.0, 2),
    ]


def test_depth_ring_packs_position_operation_side() -> None:
    r = DepthRing(2, "ES")
    r.append(9, 2, 1, 5000.25, 12.0, 7)
    r.append(70000, 0, 0, 5000.5, 1.0, 8)
    assert r.last(2) == [
        DepthUpdate("ES", 9, 2, 1, 5000.25, 12.0, "", 7),
        DepthUpdate("ES", 70000, 0, 0, 5000.5, 1.0, "", 8),
    ]
    assert [d.recv_ns for d in r.since(8)] == [8]


def test_memory_is_preallocated_and_fixed() -> None:
    ring = L1Ring(1000)
    before = ring.nbytes
    assert before == 1000 * 41  # kind (1) + four float64 (32) + time (8)
    for i in range(5000):
        if i % 3:
            ring.append_quote(1.0, 2.0, 3.0, 4.0, i)
        else:
            ring.append_trade(1.0, 2.0, i)
    assert ring.nbytes == before
    ring.clear()
    assert len(ring) == 0 and TradeHistory(ring).last(5) == [] and len(QuoteHistory(ring)) == 0
    assert DepthRing(1000).nbytes == 1000 * 32


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        L1Ring(0)
    with pytest.raises(ValueError):
        DepthRing(0)
