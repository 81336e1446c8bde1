"""The built-in universe, TWS-style contract matching and trading-hours strings."""

from __future__ import annotations

import ast
import datetime as dt
import pathlib
import re

import pytest

from ibkr.sim import UNIVERSE, Exchange, ManualClock, build_universe
from ibkr.sim.clock import SystemClock
from ibkr.sim.instruments import front_es_expiry, local_date


def test_universe_contents() -> None:
    kinds = [i.sec_type for i in UNIVERSE]
    assert kinds.count("STK") >= 20 and kinds.count("CASH") >= 5 and kinds.count("FUT") == 1
    known = {"AAPL": 265598, "MSFT": 272093, "SPY": 756733, "TSLA": 76792991, "AMZN": 3691937, "NVDA": 4815747}
    for symbol, con_id in known.items():
        (inst,) = UNIVERSE.resolve(symbol=symbol, sec_type="STK")
        assert inst.con_id == con_id and inst.exchange == "SMART" and inst.sec_id_type == "ISIN"
    eur = UNIVERSE.get(12087792)
    assert eur is not None and eur.local_symbol == "EUR.USD" and eur.min_tick == 0.00005
    jpy = UNIVERSE.get(15016059)
    assert jpy is not None and jpy.min_tick == 0.005
    (fut,) = [i for i in UNIVERSE if i.sec_type == "FUT"]
    assert (fut.symbol, fut.exchange, fut.multiplier, fut.min_tick) == ("ES", "CME", "50", 0.25)
    assert fut.last_trade_date_or_contract_month == "20250321" and fut.local_symbol == "ESH5"
    for inst in UNIVERSE:
        assert len(inst.market_rule_ids.split(",")) == len(inst.valid_exchanges.split(","))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"symbol": "AAPL"}, ["AAPL"]),
        ({"symbol": "aapl", "sec_type": "STK", "exchange": "SMART", "currency": "USD"}, ["AAPL"]),
        ({"symbol": "AAPL", "exchange": "NASDAQ"}, ["AAPL"]),
        ({"symbol": "AAPL", "sec_type": "CASH"}, []),
        ({"symbol": "AAPL", "currency": "EUR"}, []),
        ({"symbol": "AAPL", "exchange": "IDEALPRO"}, []),
        ({"symbol": "EUR", "sec_type": "CASH", "exchange": "IDEALPRO", "currency": "USD"}, ["EUR.USD"]),
        ({"symbol": "EUR", "currency": "USD"}, ["EUR.USD"]),
        ({"symbol": "USD", "sec_type": "CASH", "currency": "JPY"}, ["USD.JPY"]),
        ({"symbol": "USD", "sec_type": "CASH"}, ["USD.JPY", "USD.CHF", "USD.CAD"]),
        ({"local_symbol": "EUR.USD"}, ["EUR.USD"]),
        ({"con_id": 265598}, ["AAPL"]),
        ({"con_id": 265598, "symbol": "MSFT"}, []),
        ({"con_id": 1}, []),
        (
            {"symbol": "ES", "sec_type": "FUT", "exchange": "CME", "last_trade_date_or_contract_month": "202503"},
            ["ESH5"],
        ),
        ({"symbol": "ES", "last_trade_date_or_contract_month": "202506"}, []),
        ({"symbol": "ES", "multiplier": "50"}, ["ESH5"]),
        ({"sec_type": "STK"}, []),
        ({}, []),
    ],
)
def test_resolve(query: dict[str, str | int], expected: list[str]) -> None:
    assert [i.local_symbol for i in UNIVERSE.resolve(**query)] == expected  # type: ignore[arg-type]


def test_trading_hours_strings() -> None:
    day = dt.date(2025, 1, 2)  # a Thursday
    aapl = UNIVERSE.get(265598)
    eur = UNIVERSE.get(12087792)
    (fut,) = [i for i in UNIVERSE if i.sec_type == "FUT"]
    assert aapl is not None and eur is not None
    assert aapl.trading_hours(day, 4) == (
        "20250102:0400-20250102:2000;20250103:0400-20250103:2000;20250104:CLOSED;20250105:CLOSED"
    )
    assert aapl.liquid_hours(day, 1) == "20250102:0930-20250102:1600"
    assert eur.trading_hours(day, 1) == "20250101:1715-20250102:1700"
    assert fut.trading_hours(day, 1) == "20250101:1700-20250102:1600"
    assert fut.liquid_hours(day, 1) == "20250102:0830-20250102:1500"
    pattern = re.compile(r"^(\d{8}:(CLOSED|\d{4}-\d{8}:\d{4}))(;\d{8}:(CLOSED|\d{4}-\d{8}:\d{4}))*$")
    for inst in UNIVERSE:
        assert pattern.match(inst.trading_hours(day)) and pattern.match(inst.liquid_hours(day))


def test_exchange_hours_follow_its_clock() -> None:
    clock = ManualClock(epoch=1_735_830_000.0)  # 2025-01-02 10:00 New York
    ex = Exchange(clock=clock)
    trading, liquid = ex.hours(265598, days=2)
    assert trading == "20250102:0400-20250102:2000;20250103:0400-20250103:2000"
    assert liquid == "20250102:0930-20250102:1600;20250103:0930-20250103:1600"
    clock.advance(2 * 86400)
    assert ex.hours(265598, days=1)[0] == "20250104:CLOSED"


def test_front_future_follows_the_date() -> None:
    assert front_es_expiry(dt.date(2025, 1, 2)) == dt.date(2025, 3, 21)
    assert front_es_expiry(dt.date(2025, 3, 21)) == dt.date(2025, 3, 21)
    assert front_es_expiry(dt.date(2025, 3, 22)) == dt.date(2025, 6, 20)
    assert front_es_expiry(dt.date(2025, 12, 20)) == dt.date(2026, 3, 20)
    later = build_universe(dt.date(2025, 7, 1))
    (fut,) = [i for i in later if i.sec_type == "FUT"]
    assert fut.local_symbol == "ESU5" and fut.last_trade_date_or_contract_month == "20250919"


def test_clocks() -> None:
    clock = ManualClock(epoch=1_735_830_000.0)
    assert local_date(clock.time(), "US/Eastern") == dt.date(2025, 1, 2)
    clock.advance(1.5)
    assert clock.time() == 1_735_830_001.5 and clock.monotonic_ns() == 1_500_000_000
    with pytest.raises(ValueError):
        clock.advance(-1)
    real = SystemClock()
    assert real.monotonic_ns() <= real.monotonic_ns() and real.time() > 1_700_000_000


ENGINE = ("__init__", "clock", "instruments", "prices", "book", "orders", "events", "matching", "exchange", "account")


@pytest.mark.parametrize("module", ENGINE)
def test_engine_imports_only_stdlib_and_itself(module: str) -> None:
    path = pathlib.Path(__file__).parents[2] / "src" / "ibkr" / "sim" / f"{module}.py"
    for node in ast.walk(ast.parse(path.read_text())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        for name in names:
            if name.startswith("ibkr"):
                assert name.startswith("ibkr.sim.") and name.split(".")[2] in ENGINE, name
            assert name not in ("asyncio", "socket", "logging"), name
