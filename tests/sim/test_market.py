"""Price processes and depth books: determinism, sane quotes, and diffs that rebuild the book."""

from __future__ import annotations

import dataclasses
import random

import pytest

from ibkr.sim import UNIVERSE, DepthOp, Level, PriceProcess, Universe, apply_depth_ops, prices
from ibkr.sim.book import ASK, DELETE, INSERT, UPDATE, DepthBook
from ibkr.sim.prices import LOT, price_digits

from .helpers import AAPL, EURUSD, SPY, Mirror, make


def _path(seed: int, con_id: int, steps: int) -> list[tuple[float, ...]]:
    inst = UNIVERSE.get(con_id)
    assert inst is not None
    p = PriceProcess(inst, seed, 0.0)
    out = []
    for n in range(steps):
        p.step(float(n))
        q = p.quote
        out.append((q.bid, q.ask, q.bid_size, q.ask_size, q.last, q.last_size, q.volume))
    return out


def test_same_seed_same_path_other_seed_other_path() -> None:
    assert _path(1, AAPL, 300) == _path(1, AAPL, 300)
    assert _path(1, AAPL, 300) != _path(2, AAPL, 300)


def _reference_path(seed: int, con_id: int, steps: int) -> list[tuple[float, ...]]:
    """The walk ``PriceProcess.step`` promises, written plainly with ``gauss``, ``choices`` and
    ``randint`` (the hot loop inlines all three and must draw exactly the same)."""
    inst = UNIVERSE.get(con_id)
    assert inst is not None
    rng = random.Random(f"prices:{seed}:{con_id}")
    tick, digits, lot = inst.min_tick, price_digits(inst.min_tick), LOT[inst.sec_type]
    spreads = prices._SPREADS[inst.sec_type]
    values, weights = [v for v, _ in spreads], [w for _, w in spreads]
    spread = rng.choices(values, weights)[0]
    bid = max(1, round(inst.initial_price / tick) - spread // 2)
    qbid, qask = round(bid * tick, digits), round((bid + spread) * tick, digits)
    first = round((bid + spread // 2 if spread > 1 else bid) * tick, digits)
    bid_size, ask_size = lot * rng.randint(1, 20), lot * rng.randint(1, 20)
    last, last_size, volume, high, low = first, 0, 0, first, first
    out = []
    for _ in range(steps):
        sigma = (qbid + qask) / 2 * inst.volatility / tick
        bid = max(1, bid + round(rng.gauss(0.0, max(sigma, 0.5))))
        spread = rng.choices(values, weights)[0]
        qbid, qask = round(bid * tick, digits), round((bid + spread) * tick, digits)
        bid_size, ask_size = lot * rng.randint(1, 20), lot * rng.randint(1, 20)
        if rng.random() < 0.5:
            last = qask if rng.random() < 0.5 else qbid
            last_size = lot * rng.randint(1, 10)
            volume += last_size
            high, low = max(high, last), min(low, last)
        out.append((qbid, qask, bid_size, ask_size, last, last_size, volume, high, low))
    return out


@pytest.mark.parametrize("memory", [prices._PRICE_MEMORY, 8])
def test_the_walk_draws_exactly_what_gauss_choices_and_randint_draw(
    memory: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also with a price memory small enough to start over many times (it stays within bounds)."""
    monkeypatch.setattr(prices, "_PRICE_MEMORY", memory)
    es = next(i.con_id for i in UNIVERSE if i.sec_type == "FUT")
    for con_id in (AAPL, EURUSD, es):
        inst = UNIVERSE.get(con_id)
        assert inst is not None
        p = PriceProcess(inst, 11, 0.0)
        got = []
        for n in range(2000):
            p.step(float(n))
            q = p.quote
            got.append((q.bid, q.ask, q.bid_size, q.ask_size, q.last, q.last_size, q.volume, q.high, q.low))
            assert len(p._price_of) <= memory
        assert got == _reference_path(11, con_id, 2000)


def test_an_instrument_path_ignores_the_others() -> None:
    a, b = make(seed=3), make(seed=3)
    for _ in range(50):
        a.step(AAPL)
        b.step(SPY)
        b.step(AAPL)
        b.step(EURUSD)
    assert a.quote(AAPL) == b.quote(AAPL) and a.book(AAPL).asks == b.book(AAPL).asks


def test_quotes_stay_sane_and_never_below_one_tick() -> None:
    base = UNIVERSE.get(AAPL)
    assert base is not None
    penny = dataclasses.replace(base, initial_price=0.03, volatility=0.5)
    p = PriceProcess(penny, 5, 0.0)
    lows = []
    for n in range(3000):
        traded = p.step(float(n))
        q = p.quote
        assert q.bid >= 0.01 and q.ask > q.bid
        assert q.low <= q.last <= q.high
        assert q.bid_size % 100 == 0 and q.ask_size % 100 == 0 and q.bid_size > 0
        if traded:
            assert q.last_time == float(n) and q.last in (q.bid, q.ask)
        lows.append(q.bid)
    assert min(lows) == 0.01  # it did reach the floor


def test_sizes_are_realistic_per_sec_type() -> None:
    ex = make()
    for _ in range(20):
        ex.step(EURUSD)
    q = ex.quote(EURUSD)
    assert q.bid_size % 1_000_000 == 0 and q.ask_size % 1_000_000 == 0
    assert round(q.ask - q.bid, 5) >= 0.00005


def test_book_levels_around_the_quote() -> None:
    ex = make()
    for con_id in (AAPL, EURUSD):
        ex.step(con_id)
        book, q = ex.book(con_id), ex.quote(con_id)
        assert len(book.asks) >= 10 and len(book.bids) >= 10
        assert (book.asks[0].price, book.asks[0].size) == (q.ask, q.ask_size)
        assert (book.bids[0].price, book.bids[0].size) == (q.bid, q.bid_size)
        assert all(a.price < b.price for a, b in zip(book.asks, book.asks[1:], strict=False))
        assert all(a.price > b.price for a, b in zip(book.bids, book.bids[1:], strict=False))
        assert all(lv.market_maker for lv in book.asks + book.bids)


def _naive_apply(levels: dict[int, list[tuple[float, int, str]]], op: DepthOp) -> None:
    side = levels[op.side]
    if op.operation == INSERT:
        side[op.position : op.position] = [(op.price, op.size, op.market_maker)]
    elif op.operation == UPDATE:
        side[op.position] = (op.price, op.size, op.market_maker)
    else:
        assert op.operation == DELETE
        side.pop(op.position)


def test_depth_diffs_rebuild_the_book() -> None:
    ex = make(seed=11)
    mirror = Mirror(ex, AAPL)
    naive: dict[int, list[tuple[float, int, str]]] = {0: [], 1: []}
    for op in ex.depth_snapshot(AAPL):
        assert op.operation == INSERT
        _naive_apply(naive, op)
    kinds = set()
    for _ in range(500):
        events = ex.step(AAPL)
        mirror.feed(events)
        for e in events:
            for op in getattr(e, "rows", ()):
                kinds.add(op.operation)
                _naive_apply(naive, op)
        assert mirror.matches(ex)
        book = ex.book(AAPL)
        assert naive[ASK] == [(lv.price, lv.size, lv.market_maker) for lv in book.asks]
    assert kinds == {INSERT, UPDATE, DELETE}


def test_a_moving_touch_reports_inserts_and_deletes_not_rewrites() -> None:
    inst = UNIVERSE.get(SPY)
    assert inst is not None
    p = PriceProcess(inst, 1, 0.0)
    book = DepthBook(inst, 1, p.quote)
    before = [Level(lv.price, lv.size, lv.market_maker) for lv in book.asks]
    p.set_touch(p.quote.bid - 0.02, 500, p.quote.ask - 0.02, 700)
    ops = [op for op in book.step(p.quote) if op.side == ASK]
    inserts = [op for op in ops if op.operation == INSERT]
    deletes = [op for op in ops if op.operation == DELETE]
    assert [op.position for op in inserts] == [0, 1] and len(deletes) == 2
    asks, bids = list(before), []
    apply_depth_ops(asks, bids, ops)
    assert asks == book.asks


def test_snapshot_of_a_universe_of_one() -> None:
    inst = UNIVERSE.get(AAPL)
    assert inst is not None
    ex = make(universe=Universe((inst,)))
    rows = ex.depth_snapshot(AAPL)
    assert [r.position for r in rows if r.side == ASK] == list(range(10))
    assert all(r.operation == INSERT for r in rows)
