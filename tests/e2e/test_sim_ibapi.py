"""The official client (``EClient`` / ``EWrapper`` with its own reader thread), unmodified, against
the simulator over loopback TCP. The client runs in a worker thread while the simulator runs on
the test's event loop; callbacks are awaited with threading Events, never with sleeps."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from decimal import Decimal
from typing import Any

from ibapi.client import EClient
from ibapi.contract import Contract
from ibapi.order import Order
from ibapi.wrapper import EWrapper

from ibkr.sim import SimConfig, Simulator

TIMEOUT = 10.0


class App(EWrapper, EClient):  # type: ignore[misc]
    def __init__(self) -> None:
        EClient.__init__(self, self)
        self.events: defaultdict[str, threading.Event] = defaultdict(threading.Event)
        self.next_id = 0
        self.errors: list[tuple[int, int, str]] = []
        self.details: list[Any] = []
        self.ticks: dict[int, float] = {}
        self.status: dict[int, str] = {}
        self.fills: list[tuple[int, Decimal, float]] = []
        self.commissions: list[float] = []
        self.positions: dict[int, Decimal] = {}
        self.account: dict[str, str] = {}
        self.bars: list[Any] = []

    def wait(self, name: str) -> None:
        assert self.events[name].wait(TIMEOUT), f"no {name} within {TIMEOUT}s"
        self.events[name].clear()

    def nextValidId(self, orderId: int) -> None:
        self.next_id = orderId
        self.events["ready"].set()

    def error(self, reqId: int, errorTime: int, errorCode: int, errorString: str, advanced: str = "") -> None:
        self.errors.append((reqId, errorCode, errorString))

    def contractDetails(self, reqId: int, contractDetails: Any) -> None:
        self.details.append(contractDetails)

    def contractDetailsEnd(self, reqId: int) -> None:
        self.events["details"].set()

    def tickPrice(self, reqId: int, tickType: int, price: float, attrib: Any) -> None:
        self.ticks[tickType] = price
        if {1, 2, 4} <= set(self.ticks):
            self.events["quote"].set()

    def orderStatus(self, orderId: int, status: str, *args: Any) -> None:
        self.status[orderId] = status
        if status == "Filled":
            self.events[f"filled {orderId}"].set()

    def execDetails(self, reqId: int, contract: Contract, execution: Any) -> None:
        self.fills.append((execution.orderId, execution.shares, execution.price))

    def commissionAndFeesReport(self, commissionAndFeesReport: Any) -> None:
        self.commissions.append(commissionAndFeesReport.commissionAndFees)

    def position(self, account: str, contract: Contract, position: Decimal, avgCost: float) -> None:
        self.positions[contract.conId] = position

    def positionEnd(self) -> None:
        self.events["positions"].set()

    def updateAccountValue(self, key: str, val: str, currency: str, accountName: str) -> None:
        self.account[key] = val

    def accountDownloadEnd(self, accountName: str) -> None:
        self.events["account"].set()

    def historicalData(self, reqId: int, bar: Any) -> None:
        self.bars.append(bar)

    def historicalDataEnd(self, reqId: int, start: str, end: str) -> None:
        self.events["history"].set()

    def connectionClosed(self) -> None:
        self.events["closed"].set()

    def currentTime(self, time: int) -> None:
        self.events["time"].set()


def _stock(symbol: str) -> Contract:
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = symbol, "STK", "SMART", "USD"
    return c


def _order(action: str, qty: int, order_type: str, price: float | None = None) -> Order:
    o = Order()
    o.action, o.totalQuantity, o.orderType = action, Decimal(qty), order_type
    if price is not None:
        o.lmtPrice = price
    return o


def session(port: int) -> App:
    app = App()
    app.connect("127.0.0.1", port, 11)
    thread = threading.Thread(target=app.run, daemon=True)
    thread.start()
    try:
        app.wait("ready")
        assert app.serverVersion() == 200

        aapl = _stock("AAPL")
        app.reqContractDetails(1, aapl)
        app.wait("details")
        assert app.details[0].contract.conId == 265598 and app.details[0].longName == "APPLE INC"

        app.reqMktData(2, aapl, "", False, False, [])
        app.wait("quote")
        assert app.ticks[1] < app.ticks[2]

        limit = round(app.ticks[2] + 0.10, 2)
        first = app.next_id
        app.placeOrder(first, aapl, _order("BUY", 100, "LMT", limit))
        app.wait(f"filled {first}")
        app.placeOrder(first + 1, aapl, _order("SELL", 30, "MKT"))
        app.wait(f"filled {first + 1}")
        assert {f[0] for f in app.fills} == {first, first + 1}
        assert all(price <= limit for oid, _, price in app.fills if oid == first)

        app.reqPositions()
        app.wait("positions")
        assert app.positions[265598] == Decimal(70)

        app.reqAccountUpdates(True, "")
        app.wait("account")
        assert float(app.account["NetLiquidation"]) > 0 and float(app.account["TotalCashValue"]) < 1_000_000

        app.reqHistoricalData(3, aapl, "", "2 D", "1 hour", "MIDPOINT", 1, 1, False, [])
        app.wait("history")
        assert len(app.bars) == 48
        # Quiet the stream before disconnecting: the official client's message loop goes on with
        # what is still queued after disconnect() has reset its server version, and fails on it
        # (a TypeError in its thread). Once the answer to REQ_CURRENT_TIME is handled, everything
        # sent before it was, and nothing else is subscribed.
        app.cancelMktData(2)
        app.reqAccountUpdates(False, "")
        app.reqCurrentTime()
        app.wait("time")
    finally:
        app.disconnect()
        thread.join(TIMEOUT)
    return app


async def test_official_client_connects_trades_and_disconnects() -> None:
    async with Simulator(SimConfig(ports=(0,), tick_rate=2000.0)) as sim:
        app = await asyncio.to_thread(session, sim.port)
        assert app.commissions and all(c > 0 for c in app.commissions)
        assert [code for _, code, _ in app.errors] == [2104, 2106, 2158]
