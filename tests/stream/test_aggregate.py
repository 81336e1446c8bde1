"""Filters, time bars (OHLCV) and VWAP against hand-computed values; the depth book and the
snapshot's derived fields."""

from __future__ import annotations

import pytest

from ibkr.errors import ConfigError
from ibkr.stream import Bar, BarAggregator, Book, Filter, Snapshot, Vwap
from ibkr.stream.snapshot import ASK, BID, DELETE, INSERT, UPDATE


def test_bars_by_hand() -> None:
    agg = BarAggregator(60.0, "AAPL")
    # minute 0: 10.0 x 100, 10.5 x 200, 9.5 x 100, 10.2 x 100; minute 1: 11.0 x 50; minute 3: 12.0 x 10
    trades = [(10.0, 100, 0.5), (10.5, 200, 10.0), (9.5, 100, 59.9), (10.2, 100, 59.99), (11.0, 50, 60.0)]
    done = [agg.add(p, s, t) for p, s, t in trades]
    assert done[:4] == [None] * 4
    first = done[4]
    vwap0 = (10.0 * 100 + 10.5 * 200 + 9.5 * 100 + 10.2 * 100) / 500
    assert first == Bar("AAPL", 0.0, 60.0, 10.0, 10.5, 9.5, 10.2, 500.0, pytest.approx(vwap0), 4)  # type: ignore[arg-type]
    assert agg.forming is not None and (agg.forming.start, agg.forming.open, agg.forming.count) == (60.0, 11.0, 1)
    # an empty minute in between: the next bar starts on its own minute
    second = agg.add(12.0, 10, 185.0)
    assert second is not None and (second.start, second.close, second.volume, second.vwap) == (60.0, 11.0, 50.0, 11.0)
    assert agg.forming is not None and agg.forming.start == 180.0
    assert agg.close_due(239.9) is None
    third = agg.close_due(240.0)
    assert third is not None and third.open == third.close == 12.0 and agg.forming is None
    assert [b.start for b in agg.bars] == [0.0, 60.0, 180.0]


def test_bar_interval_must_be_positive() -> None:
    with pytest.raises(ConfigError):
        BarAggregator(0)


def test_vwap_by_hand() -> None:
    v = Vwap()
    assert v.value is None
    for p, s in [(100.0, 10), (101.0, 30), (99.0, 60)]:
        v.add(p, s)
    assert v.value == pytest.approx((1000 + 3030 + 5940) / 100)


def test_snapshot_vwap_mid_spread() -> None:
    s = Snapshot("X", bid=99.5, ask=100.5)
    assert s.mid == 100.0 and s.spread == 1.0
    s.add_trade(100.0, 100)
    s.add_trade(102.0, 300)
    s.add_trade(50.0, 0)  # no size, no weight
    assert s.vwap == pytest.approx((10000 + 30600) / 400) and s.trade_count == 2
    assert Snapshot("X", bid=None, ask=1.0).spread is None and Snapshot("X", bid=-1.0, ask=1.0).mid is None


def test_filters() -> None:
    f = Filter(min_size=100, price_band=(10.0, 20.0))
    assert f.active
    assert f.trade_ok(15.0, 100) and not f.trade_ok(15.0, 99) and not f.trade_ok(25.0, 500)
    assert f.quote_ok(10.0, 20.0) and f.quote_ok(None, 12.0) and not f.quote_ok(9.99, 12.0)
    assert f.price_ok(10.0) and not f.price_ok(20.01)
    assert not Filter().active and Filter().trade_ok(1e9, 0)
    with pytest.raises(ConfigError):
        Filter(min_size=-1)
    with pytest.raises(ConfigError):
        Filter(price_band=(2.0, 1.0))


def test_depth_book_insert_update_delete() -> None:
    b = Book(rows=3)
    b.apply(0, INSERT, BID, 10.0, 5)
    b.apply(0, INSERT, BID, 10.1, 1)  # better bid: shifts the old one down
    b.apply(0, INSERT, ASK, 10.3, 2)
    b.apply(1, INSERT, ASK, 10.4, 3)
    assert b.levels(BID) == ((10.1, 1), (10.0, 5)) and b.levels(ASK) == ((10.3, 2), (10.4, 3))
    b.apply(1, UPDATE, BID, 10.0, 7)
    assert b.levels(BID) == ((10.1, 1), (10.0, 7))
    b.apply(2, UPDATE, BID, 9.9, 4)  # an update past the end appends
    b.apply(0, INSERT, BID, 10.2, 9)  # the book keeps 3 rows: the worst falls off
    assert b.levels(BID) == ((10.2, 9), (10.1, 1), (10.0, 7))
    b.apply(0, DELETE, BID, 10.2, 0)
    b.apply(5, DELETE, BID, 1.0, 0)  # past the end: ignored
    assert b.levels(BID) == ((10.1, 1), (10.0, 7))
    b.apply(1, DELETE, ASK, 10.4, 0)
    assert b.levels(ASK) == ((10.3, 2),)
    b.apply(0, UPDATE, ASK, 10.25, 1, "MM1")
    assert b.asks[0].market_maker == "MM1" and b.levels(ASK) == ((10.25, 1),)
    b.clear()
    assert b.levels(BID) == () and b.levels(ASK) == ()
