"""``ibkr demo``: the embedded simulator, quotes, orders, fills, positions, latency, exit 0."""

from __future__ import annotations

import re

from tests.cli.helpers import ibkr


def test_demo_runs_a_session_and_exits_0() -> None:
    r = ibkr("demo", "--seconds", "1.5")
    assert r.code == 0, r.err
    assert "Traceback" not in r.err
    out = r.out
    assert "connected to the embedded simulator" in out
    # quotes: a table row per symbol with a bid and an ask
    for symbol in ("AAPL", "MSFT", "SPY"):
        assert re.search(rf"^{symbol}\s+\d+\.\d\d\s+\d+\.\d\d", out, re.M), symbol
    # orders: the market and the marketable limit order filled, the resting one cancelled
    assert re.search(r"order \d+: BUY 100 AAPL MKT DAY -> Filled", out)
    assert re.search(r"order \d+: BUY 50 MSFT LMT [\d.]+ DAY -> Filled", out)
    assert re.search(r"order \d+: BUY 10 SPY LMT [\d.]+ DAY -> Cancelled", out)
    fills = out.split("== fills", 1)[1].split("== positions", 1)[0]
    assert re.search(r"AAPL\s+BOT\s+100\s+\d+\.\d\d", fills)
    positions = out.split("== positions", 1)[1].split("== account", 1)[0]
    assert re.search(r"DU1234567\s+AAPL\s+STK\s+USD\s+100", positions)
    latency = out.split("== latency", 1)[1]
    assert re.search(r"order_ack\s+3\s+[\d,.]+", latency)
    assert re.search(r"request_rtt\s+\d+\s+[\d,.]+", latency)
    assert "demo finished" in out


def test_demo_respects_the_live_guard() -> None:
    r = ibkr("demo", "--port", "7496")
    assert r.code == 4 and "live-trading port" in r.err
