"""``ibkr order`` (place, modify, cancel), ``ibkr orders``, ``ibkr positions`` and ``ibkr account``
against ``ibkr sim``, one process per command: orders live on in the simulator between them."""

from __future__ import annotations

import json
import re

from tests.cli.helpers import ibkr

CLIENT = "31"


def run(port: int, *args: str) -> tuple[int, str, str]:
    r = ibkr(*args, "--port", str(port), "--client-id", CLIENT)
    assert "Traceback" not in r.err
    return r.code, r.out, r.err


def bid(port: int, symbol: str) -> float:
    code, out, err = run(port, "quote", symbol, "--once", "--json")
    assert code == 0, err
    value: float = json.loads(out)[0]["bid"]
    return value


def test_market_order_fills_and_shows_in_positions(sim_port: int) -> None:
    code, out, err = run(sim_port, "order", "place", "AAPL", "BUY", "100", "--wait", "filled")
    assert code == 0, err
    assert re.match(r"order \d+: BUY 100 AAPL MKT DAY -> Filled \(filled 100, remaining 0, avg price", out)
    assert re.search(r"^\s*\d+\s+AAPL\s+BOT\s+100\s+\d+\.\d\d\s+1\.00", out, re.M)  # the fill, with commission

    code, out, err = run(sim_port, "positions")
    assert code == 0, err
    assert re.search(r"DU1234567\s+AAPL\s+STK\s+USD\s+100\s", out)
    code, out, err = run(sim_port, "positions", "--json")
    assert code == 0, err
    [pos] = [p for p in json.loads(out) if p["symbol"] == "AAPL"]
    assert pos["position"] == 100 and pos["account"] == "DU1234567"


def test_place_json(sim_port: int) -> None:
    code, out, err = run(sim_port, "order", "place", "MSFT", "SELL", "5", "MKT", "--wait", "filled", "--json")
    assert code == 0, err
    order = json.loads(out)
    assert (order["side"], order["quantity"], order["status"], order["filled"]) == ("SELL", 5, "Filled", 5)
    assert order["fills"][0]["shares"] == 5


def test_resting_limit_order_listed_modified_cancelled(sim_port: int) -> None:
    price = round(bid(sim_port, "SPY") * 0.97, 2)
    code, out, err = run(sim_port, "order", "place", "SPY", "BUY", "10", "LMT", f"{price}", "--tif", "GTC")
    assert code == 0, err
    m = re.match(rf"order (\d+): BUY 10 SPY LMT {price:,.2f} GTC -> (PreSubmitted|Submitted)", out)
    assert m, out
    oid = m.group(1)

    code, out, err = run(sim_port, "orders")
    assert code == 0, err
    assert re.search(rf"^\s*{oid}\s+SPY\s+BUY\s+10\s+LMT\s+{price:,.2f}\s+-\s+GTC\s+\w*Submitted", out, re.M), out

    new_price = round(price - 0.5, 2)
    code, out, err = run(sim_port, "order", "modify", oid, "--price", f"{new_price}")
    assert code == 0, err
    assert f"order {oid}: BUY 10 SPY LMT {new_price:,.2f} GTC" in out

    code, out, err = run(sim_port, "orders", "--json")
    assert code == 0, err
    [o] = [o for o in json.loads(out) if o["order_id"] == int(oid)]
    assert o["limit_price"] == new_price and o["stop_price"] is None

    code, out, err = run(sim_port, "order", "cancel", oid)
    assert code == 0, err
    assert f"order {oid}:" in out and "-> Cancelled" in out

    code, out, err = run(sim_port, "orders", "--json")
    assert code == 0 and int(oid) not in [o["order_id"] for o in json.loads(out)]

    # a second cancel, or a modify of a finished order: refused, exit 5
    for args in (("order", "cancel", oid), ("order", "modify", oid, "--price", "1")):
        code, out, err = run(sim_port, *args)
        assert code == 5, (args, out, err)
        assert err.strip().splitlines() == [f"ibkr order: error: no open order {oid} for client id {CLIENT} "
                                            "(orders belong to the client id that placed them)"]  # fmt: skip


def test_rejected_order(sim_port: int) -> None:
    # the simulator rejects a limit price far from the market, as TWS does (201)
    code, _out, err = run(sim_port, "order", "place", "AAPL", "BUY", "1", "LMT", "1.00")
    assert code == 5
    assert err.startswith("ibkr order: error: Order rejected") and "(TWS error 201)" in err
    assert len(err.strip().splitlines()) == 1


def test_limit_order_without_price_is_a_usage_error(sim_port: int) -> None:
    code, _out, err = run(sim_port, "order", "place", "AAPL", "BUY", "1", "LMT")
    assert code == 2 and "needs a PRICE" in err


def test_cancel_all(sim_port: int) -> None:
    price = round(bid(sim_port, "AAPL") * 0.97, 2)
    code, out, err = run(sim_port, "order", "place", "AAPL", "BUY", "1", "LMT", f"{price}")
    assert code == 0, err
    code, out, err = run(sim_port, "order", "cancel", "--all")
    assert code == 0 and "global cancel sent" in out
    code, out, err = run(sim_port, "orders")
    assert code == 0 and "(no open orders)" in out


def test_account_values_summary_pnl(sim_port: int) -> None:
    code, out, err = run(sim_port, "account", "--keys", "NetLiquidation,BuyingPower")
    assert code == 0, err
    assert re.search(r"DU1234567\s+BuyingPower\s+[\d.]+\s+USD", out)
    assert re.search(r"DU1234567\s+NetLiquidation\s+[\d.]+\s+USD", out)
    assert len(out.strip().splitlines()) == 4

    code, out, err = run(sim_port, "account", "--summary", "--tags", "NetLiquidation,TotalCashValue", "--json")
    assert code == 0, err
    assert {r["key"] for r in json.loads(out)} == {"NetLiquidation", "TotalCashValue"}

    code, out, err = run(sim_port, "account", "--pnl", "--json")
    assert code == 0, err
    assert json.loads(out)["account"] == "DU1234567"
