"""Client latency against ``ibkr sim`` in its own process: ibkr vs ib_async vs the official client.

One simulator process (``python -m ibkr sim --port 0 --pacing-limit 0 --record-send-times FILE``)
serves every library in the same run; the libraries run one after another, never at once.

* **Order ack round trip**: from the call that places a resting limit order (BUY 1 AAPL at 80% of
  the bid, inside the simulator's price band, so it never fills) to the first OPEN_ORDER /
  ORDER_STATUS of that order, one order at a time, ``--orders`` per library in ``--rounds``
  interleaved rounds (the library order rotates, so a load change on the machine hits every
  library alike), after ``--warmup`` orders each. Two points are timed: **callback** (the
  library's first order callback for that order runs) and **await** (the coroutine awaiting the
  acknowledgement resumes):

  - ibkr: ``IBKRClient.submit_order(contract, order)`` (it waits for the ack by default; the
    callback is ``client.events.on("order", ...)``). Client pacing off (``pacing_rate=0``).
  - ib_async: ``IB.placeOrder`` then awaiting a future set by the first ``openOrderEvent`` /
    ``orderStatusEvent`` of that trade (its status event), on the same loop, with the timeout a
    plain ``call_later`` timer (what ibkr's ``wait_ack`` does; ``asyncio.wait_for`` would add
    loop iterations to ib_async's figure). Its request throttle is off (``client.MaxRequests =
    0``).
  - ibapi: ``EClient.placeOrder`` from a worker thread; the callback time is taken in the first
    ``openOrder`` / ``orderStatus`` callback (its reader thread and message-loop thread as shipped).

  The orders are cancelled with a global cancel at the end.
* **Ticks**, ``--seconds`` per library (in ``--rounds`` interleaved rounds, subscribing anew in
  each), subscribed to ``--symbols`` US stocks at ``--tick-rate``
  messages/s (the simulator's total): each tick message's simulator send time (``--record-send-
  times``, CLOCK_MONOTONIC, which both processes share) is joined by its index in the client's
  stream with (a) the time the client had it framed (ibkr: its batch is handed to the client's
  dispatch, after the batch is decoded; ib_async: ``Decoder.interpret`` is called for it, before
  it is decoded) -- **one-way** -- and (b) the time the user's callback for that batch runs
  (ibkr: ``Ticker.on_update``; ib_async: ``pendingTickersEvent``) -- **send -> callback**. The
  join is checked: the number of messages each client counted must equal the number of send
  times the simulator recorded for it. ibkr's own ``tick_to_callback`` histogram
  (``get_latency_report()``: batch dispatch -> ``on_update``) is reported too.

Timing hooks (on both sides alike, outside the libraries' code): ibkr's ``client.on_messages`` and
socket ``write``, ib_async's ``decoder.interpret`` and ``conn.sendMsg`` are wrapped to note
indices and times. The ack's parts (``place_to_write``, ``write_to_sim_send``,
``sim_send_to_callback``, ``callback_to_await``) come from the socket write time and the
simulator's send time of the acknowledging message (ibkr: of the last message of the batch that
carried it; ib_async: of the OPEN_ORDER itself); not for ibapi.

Run: ``python -m benchmarks.bench_client [--orders 500] [--rounds 5] [--seconds 10]
[--tick-rate 1000] [--symbols 5] [--loop auto|asyncio|uvloop] [--sim-loop auto|asyncio|uvloop]
[--skip ib_async ibapi] [--json]`` (``--loop``: the libraries' loop; ``--sim-loop``: the
simulator's, uvloop when installed by default).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from ibkr.client import IBKRClient, OrderHandle, Stock, Ticker
from ibkr.config import ConnectionConfig
from ibkr.metrics import ORDER_ACK, TICK_TO_CALLBACK
from ibkr.protocol.ids import In
from ibkr.protocol.models import Contract
from ibkr.protocol.order_models import Order

SYMBOLS = ("AAPL", "MSFT", "AMZN", "NVDA", "TSLA", "GOOGL", "META", "SPY", "QQQ", "IWM")
#: market-data message ids (L1) whose one-way latency is measured
TICK_IDS = frozenset({In.TICK_PRICE, In.TICK_SIZE, In.TICK_STRING, In.TICK_GENERIC})
CLIENT_IDS = {"ibkr": 1, "ib_async": 2, "ibapi": 3}
ACK_TIMEOUT = 10.0


# --- the simulator in its own process ---------------------------------------------------------


@contextlib.asynccontextmanager
async def sim_process(*args: str) -> AsyncIterator[int]:
    """``python -m ibkr sim --port 0 ARGS`` in its own process; yields its port, stops it (SIGTERM).

    Its stderr is kept in a temporary file and shown only if it exits with an error."""
    with tempfile.TemporaryFile() as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ibkr", "sim", "--port", "0", *args, stdout=asyncio.subprocess.PIPE, stderr=err
        )
        try:
            assert proc.stdout is not None
            line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if not m:
                raise SystemExit(f"unexpected first line from ibkr sim: {line!r}")
            yield int(m.group(1))
        finally:
            if proc.returncode is None:
                proc.terminate()
                await asyncio.wait_for(proc.wait(), 30)
            if proc.returncode:
                err.seek(0)
                sys.stderr.write(err.read().decode(errors="replace"))


def read_send_times(path: Path) -> dict[int, list[int]]:
    """client id -> send times (ns) in stream order, from ``--record-send-times``."""
    out: dict[int, list[int]] = {}
    with path.open(encoding="utf-8") as f:
        next(f)
        for line in f:
            _port, cid, _seq, ns = line.split(",")
            if cid != "None":
                out.setdefault(int(cid), []).append(int(ns))
    return out


# --- statistics --------------------------------------------------------------------------------


def percentiles(values_ns: list[int]) -> dict[str, float]:
    """Nearest-rank p50 / p90 / p99 / max in microseconds."""
    if not values_ns:
        return {"count": 0, "p50": math.nan, "p90": math.nan, "p99": math.nan, "max": math.nan}
    s = sorted(values_ns)
    n = len(s)

    def rank(p: float) -> float:
        return s[max(0, math.ceil(p / 100 * n) - 1)] / 1000

    return {"count": n, "p50": rank(50), "p90": rank(90), "p99": rank(99), "max": s[-1] / 1000}


# --- order ack: one runner per library ---------------------------------------------------------


class Ack(NamedTuple):
    """One order, every time in monotonic ns: placed, written to the socket, first callback,
    awaiting code resumed; ``index``: the acknowledging message's position in the client's
    stream (to find the simulator's send time), -1 when not known."""

    t0: int
    sent: int
    callback: int
    resumed: int
    index: int


class AckRunner:
    """Places one resting order at a time and times it."""

    name = ""

    async def place(self) -> Ack:
        raise NotImplementedError

    async def run(self, n: int) -> list[Ack]:
        return [await self.place() for _ in range(n)]


class IbkrAck(AckRunner):
    name = "ibkr"

    def __init__(self, client: IBKRClient, contract: Contract, limit: float) -> None:
        self.client, self.contract, self.limit = client, contract, limit
        session = client.gateway.session(0)
        self.conn = session.conn
        self.waiting = -1
        self.cb_ns = self.sent_ns = 0
        self.index = -1
        client.events.on("order", self._on_order)
        stream = session._stream
        assert stream is not None
        write = stream.write

        def timed_write(data: bytes) -> None:
            if not self.sent_ns:
                self.sent_ns = time.monotonic_ns()
            write(data)

        stream.write = timed_write  # type: ignore[method-assign]

    def _on_order(self, handle: OrderHandle) -> None:
        if handle.order_id == self.waiting and not self.cb_ns:
            self.cb_ns = time.monotonic_ns()
            # the batch being dispatched ends at messages_in; OPEN_ORDER and ORDER_STATUS of
            # one order leave the simulator in one write, so they share its send time
            self.index = self.conn.messages_in - 1

    async def place(self) -> Ack:
        order = Order(action="BUY", total_quantity=Decimal(1), order_type="LMT", lmt_price=self.limit, tif="DAY")
        self.cb_ns = self.sent_ns = 0
        self.waiting = self.client._next_order_id  # the id submit_order is about to take
        t0 = time.monotonic_ns()
        handle = await self.client.submit_order(self.contract, order, timeout=ACK_TIMEOUT)
        t1 = time.monotonic_ns()
        if handle.order_id != self.waiting or not self.cb_ns:
            raise SystemExit(f"ibkr: order {handle.order_id} acknowledged without its callback")
        return Ack(t0, self.sent_ns, self.cb_ns, t1, self.index)


class IbAsyncAck(AckRunner):
    name = "ib_async"

    def __init__(self, ib: Any, contract: Any, limit: float) -> None:
        self.ib, self.contract, self.limit = ib, contract, limit
        self.trade: Any = None
        self.cb_ns = self.sent_ns = 0
        self.index = -1
        self.fut: asyncio.Future[None] | None = None
        ib.openOrderEvent += self._on_status
        ib.orderStatusEvent += self._on_status
        conn = ib.client.conn
        send = conn.sendMsg

        def timed_send(msg: bytes) -> None:
            if not self.sent_ns:
                self.sent_ns = time.monotonic_ns()
            send(msg)

        conn.sendMsg = timed_send

    def _on_status(self, trade: Any) -> None:
        if trade is self.trade and not self.cb_ns:
            self.cb_ns = time.monotonic_ns()
            self.index = self.ib.client._numMsgRecv - 2  # it counts the server hello too
            if self.fut is not None and not self.fut.done():
                self.fut.set_result(None)

    async def place(self) -> Ack:
        from ib_async import LimitOrder

        order = LimitOrder("BUY", 1, self.limit, tif="DAY")
        self.cb_ns = self.sent_ns = 0
        loop = asyncio.get_running_loop()
        fut = self.fut = loop.create_future()
        t0 = time.monotonic_ns()
        self.trade = self.ib.placeOrder(self.contract, order)
        # The same wait as ibkr's ``wait_ack``: a future of its own and a plain timer for the
        # timeout (``asyncio.wait_for`` costs ib_async extra loop iterations, ~300 us here).
        timer = loop.call_later(ACK_TIMEOUT, _expire, fut)
        try:
            await fut
        finally:
            timer.cancel()
        t1 = time.monotonic_ns()
        return Ack(t0, self.sent_ns, self.cb_ns, t1, self.index)


def _expire(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_exception(TimeoutError(f"no acknowledgement within {ACK_TIMEOUT}s"))


def _ibapi_app_class() -> type:
    from ibapi.client import EClient
    from ibapi.wrapper import EWrapper

    class AckApp(EWrapper, EClient):  # type: ignore[misc]
        def __init__(self) -> None:
            EClient.__init__(self, self)
            self.ready = threading.Event()
            self.ack = threading.Event()
            self.next_id = 0
            self.waiting = -1
            self.cb_ns = 0

        def nextValidId(self, orderId: int) -> None:
            self.next_id = max(self.next_id, orderId)
            self.ready.set()

        def _acked(self, order_id: int) -> None:
            if order_id == self.waiting and not self.ack.is_set():
                self.cb_ns = time.monotonic_ns()
                self.ack.set()

        def openOrder(self, orderId: int, contract: Any, order: Any, orderState: Any) -> None:
            self._acked(orderId)

        def orderStatus(self, orderId: int, *args: Any) -> None:
            self._acked(orderId)

        def error(self, *args: Any) -> None:
            pass

    return AckApp


class IbapiAck(AckRunner):
    """The official client: its reader thread and ``run()`` loop in threads, orders from another
    (the socket write is not timed: ``sent`` is the placing time)."""

    name = "ibapi"

    def __init__(self, app: Any, con_id: int, limit: float) -> None:
        from ibapi.contract import Contract as ApiContract

        self.app, self.limit = app, limit
        c = ApiContract()
        c.conId, c.symbol, c.secType, c.exchange, c.currency = con_id, "AAPL", "STK", "SMART", "USD"
        self.contract = c

    def _place_blocking(self, n: int) -> list[Ack]:
        from ibapi.order import Order as ApiOrder

        app = self.app
        out = []
        for _ in range(n):
            o = ApiOrder()
            o.action, o.totalQuantity, o.orderType, o.lmtPrice, o.tif = "BUY", Decimal(1), "LMT", self.limit, "DAY"
            oid = app.next_id
            app.next_id += 1
            app.ack.clear()
            app.cb_ns = 0
            app.waiting = oid
            t0 = time.monotonic_ns()
            app.placeOrder(oid, self.contract, o)
            if not app.ack.wait(ACK_TIMEOUT):
                raise SystemExit(f"ibapi: no ack for order {oid}")
            t1 = time.monotonic_ns()
            out.append(Ack(t0, t0, app.cb_ns, t1, -1))
        return out

    async def run(self, n: int) -> list[Ack]:
        return await asyncio.to_thread(self._place_blocking, n)


def ack_summary(acks: list[Ack], sends: list[int]) -> dict[str, Any]:
    """Percentiles of the round trip (to the callback, to the resumed await) and, where the
    acknowledging message's send time is known, of its parts."""
    out: dict[str, Any] = {
        "callback": percentiles([a.callback - a.t0 for a in acks]),
        "await": percentiles([a.resumed - a.t0 for a in acks]),
    }
    known = [a for a in acks if 0 <= a.index < len(sends)]
    if known:
        out["parts"] = {
            "place_to_write": percentiles([a.sent - a.t0 for a in known]),
            "write_to_sim_send": percentiles([sends[a.index] - a.sent for a in known]),
            "sim_send_to_callback": percentiles([a.callback - sends[a.index] for a in known]),
            "callback_to_await": percentiles([a.resumed - a.callback for a in known]),
        }
    return out


# --- ticks --------------------------------------------------------------------------------------


class IbkrTickProbe:
    """Notes (message index, framed ns, callback ns) for every L1 tick message ibkr receives."""

    def __init__(self, client: IBKRClient) -> None:
        self.client = client
        self.conn = client.gateway.session(0).conn
        self.rows: list[tuple[int, int, int]] = []
        self.cb_ns = 0
        self._orig = client.on_messages
        client.on_messages = self._on_messages  # type: ignore[method-assign]

    def on_update(self, ticker: Ticker) -> None:
        if not self.cb_ns:
            self.cb_ns = time.monotonic_ns()

    def _on_messages(self, slot: int, msgs: Any) -> None:
        t_in = time.monotonic_ns()
        start = self.conn.messages_in - len(msgs)
        self.cb_ns = 0
        self._orig(slot, msgs)
        cb = self.cb_ns
        for i, m in enumerate(msgs):
            if getattr(m, "ID", None) in TICK_IDS:
                self.rows.append((start + i, t_in, cb))

    @property
    def received(self) -> int:
        return int(self.conn.messages_in)


class IbAsyncTickProbe:
    """The same for ib_async: index and time at ``Decoder.interpret``, callback ns from
    ``pendingTickersEvent`` (fired once per socket read that changed a ticker)."""

    def __init__(self, ib: Any) -> None:
        self.ib = ib
        self.client = ib.client
        self.rows: list[tuple[int, int, int]] = []
        self._pending: list[tuple[int, int]] = []
        self._orig = ib.client.decoder.interpret
        self._ids = {str(int(i)) for i in TICK_IDS}
        ib.client.decoder.interpret = self._interpret
        ib.pendingTickersEvent += self._on_pending

    def _interpret(self, fields: list[str]) -> None:
        if fields[0] in self._ids:
            # _numMsgRecv counts the server hello as the first message
            self._pending.append((self.client._numMsgRecv - 2, time.monotonic_ns()))
        self._orig(fields)

    def _on_pending(self, tickers: Any) -> None:
        cb = time.monotonic_ns()
        self.rows.extend((i, t, cb) for i, t in self._pending)
        self._pending.clear()

    @property
    def received(self) -> int:
        return int(self.client._numMsgRecv) - 1


def join_ticks(rows: list[tuple[int, int, int]], sends: list[int], received: int, lib: str) -> dict[str, Any]:
    if len(sends) != received:
        raise SystemExit(f"{lib}: the simulator sent {len(sends)} messages, the client counted {received}")
    one_way = [t_in - sends[i] for i, t_in, _ in rows]
    to_cb = [cb - sends[i] for i, _, cb in rows if cb]
    return {"one_way": percentiles(one_way), "send_to_callback": percentiles(to_cb)}


# --- the run ------------------------------------------------------------------------------------


async def connect_ibkr(port: int, busy_poll_ms: float = 0.0) -> IBKRClient:
    client = IBKRClient(
        ConnectionConfig(
            host="127.0.0.1",
            port=port,
            client_id=CLIENT_IDS["ibkr"],
            pacing_rate=0,  # no client pacing: the simulator runs with --pacing-limit 0
            heartbeat_interval=0,  # no REQ_CURRENT_TIME pings in the measured stream
            auto_reconnect=False,
            request_timeout=30,
            busy_poll_ms=busy_poll_ms,
        )
    )
    await client.connect()
    return client


async def connect_ib_async(port: int) -> Any:
    from ib_async import IB, StartupFetchNONE

    ib = IB()
    ib.client.MaxRequests = 0  # its throttle (45 requests/s) off, like ibkr's pacing
    await ib.connectAsync("127.0.0.1", port, clientId=CLIENT_IDS["ib_async"], timeout=20, fetchFields=StartupFetchNONE)
    return ib


def connect_ibapi(port: int) -> tuple[Any, threading.Thread]:
    app = _ibapi_app_class()()
    app.connect("127.0.0.1", port, CLIENT_IDS["ibapi"])
    thread = threading.Thread(target=app.run, daemon=True)
    thread.start()
    if not app.ready.wait(20):
        raise SystemExit("ibapi: no NEXT_VALID_ID")
    return app, thread


async def ack_phase(runners: list[AckRunner], orders: int, rounds: int, warmup: int) -> dict[str, list[Ack]]:
    for r in runners:
        await r.run(warmup)
    acks: dict[str, list[Ack]] = {r.name: [] for r in runners}
    per_round = max(1, orders // rounds)
    for k in range(rounds):
        for r in runners[k % len(runners) :] + runners[: k % len(runners)]:
            acks[r.name] += await r.run(per_round)
    return acks


async def ibkr_ticks(client: IBKRClient, probe: IbkrTickProbe, contracts: list[Contract], seconds: float) -> None:
    tickers = [await client.subscribe_market_data(c) for c in contracts]
    for t in tickers:
        t.on_update.append(probe.on_update)
    await asyncio.sleep(seconds)
    for t in tickers:
        client.cancel_market_data(t)


async def ib_async_ticks(ib: Any, contracts: list[Any], seconds: float) -> None:
    for c in contracts:
        ib.reqMktData(c)
    await asyncio.sleep(seconds)
    for c in contracts:
        ib.cancelMktData(c)


async def tick_phase(
    client: IBKRClient, ib: Any, contracts: list[Contract], seconds: float, rounds: int
) -> dict[str, Any]:
    """``seconds`` of ticks per library in ``rounds`` interleaved rounds; returns the probes."""
    probes: dict[str, Any] = {"ibkr": IbkrTickProbe(client)}
    client.latency.histogram(TICK_TO_CALLBACK).reset()
    phases: list[Callable[[], Coroutine[Any, Any, None]]] = [
        lambda: ibkr_ticks(client, probes["ibkr"], contracts, seconds / rounds)
    ]
    if ib is not None:
        from ib_async import Contract as IbContract

        ib_contracts = [
            IbContract(conId=c.con_id, symbol=c.symbol, secType="STK", exchange="SMART", currency="USD")
            for c in contracts
        ]
        probes["ib_async"] = IbAsyncTickProbe(ib)
        phases.append(lambda: ib_async_ticks(ib, ib_contracts, seconds / rounds))
    for k in range(rounds):
        for phase in phases[k % len(phases) :] + phases[: k % len(phases)]:
            await phase()
    return probes


async def run(args: argparse.Namespace, loop_name: str) -> dict[str, Any]:
    libs = ["ibkr", *(lib for lib in ("ib_async", "ibapi") if lib not in args.skip)]
    results: dict[str, Any] = {
        "python": sys.version.split()[0],
        "nproc": os.cpu_count(),
        "loop": loop_name,
        "sim_loop": args.sim_loop,
        "orders": args.orders,
        "rounds": args.rounds,
        "warmup": args.warmup,
        "tick_seconds": args.seconds,
        "tick_rate": args.tick_rate,
        "symbols": args.symbols,
        "libraries": libs,
        "load_before": os.getloadavg()[0],
    }
    with tempfile.TemporaryDirectory() as tmp:
        send_file = Path(tmp) / "send_times.csv"
        sim_args = ["--pacing-limit", "0", "--tick-rate", str(args.tick_rate), "--record-send-times", str(send_file)]
        sim_args += ["--loop", args.sim_loop]
        async with sim_process(*sim_args) as port:
            client = await connect_ibkr(port)
            ib: Any = None
            app: Any = None
            thread: threading.Thread | None = None
            try:
                aapl = await client.qualify_contract(Stock("AAPL"))
                snap = await client.snapshot(aapl)
                assert snap.bid is not None
                limit = round(snap.bid * 0.8, 2)  # below the market (inside the 50% band): the orders rest
                runners: list[AckRunner] = [IbkrAck(client, aapl, limit)]
                if "ib_async" in libs:
                    from ib_async import Contract as IbContract

                    ib = await connect_ib_async(port)
                    ib_aapl = IbContract(
                        conId=aapl.con_id, symbol="AAPL", secType="STK", exchange="SMART", currency="USD"
                    )
                    runners.append(IbAsyncAck(ib, ib_aapl, limit))
                if "ibapi" in libs:
                    app, thread = await asyncio.to_thread(connect_ibapi, port)
                    runners.append(IbapiAck(app, aapl.con_id, limit))
                acks = await ack_phase(runners, args.orders, args.rounds, args.warmup)
                results["ibkr_order_ack_histogram_us"] = client.get_latency_report().as_dict()[ORDER_ACK]
                # ib_async logs every cancellation (error 202) at ERROR level: not news here
                logging.getLogger("ib_async").setLevel(logging.CRITICAL)
                await client.cancel_all_orders()

                contracts = [await client.qualify_contract(Stock(s)) for s in SYMBOLS[: args.symbols]]
                probes = await tick_phase(client, ib, contracts, args.seconds, args.rounds)
                results["ibkr_tick_to_callback_histogram_us"] = client.get_latency_report().as_dict()[TICK_TO_CALLBACK]
                # the counts the join is checked against: after a round trip, every message the
                # simulator sent before it has been read (nothing unsolicited follows)
                await client.get_server_time()
                if ib is not None:
                    await ib.reqCurrentTimeAsync()
                received = {lib: p.received for lib, p in probes.items()}
            finally:
                if app is not None:
                    app.disconnect()
                    if thread is not None:
                        await asyncio.to_thread(thread.join, 10)
                if ib is not None:
                    ib.disconnect()
                await client.aclose()
        sends = read_send_times(send_file)
    results["ack_us"] = {lib: ack_summary(a, sends.get(CLIENT_IDS[lib], [])) for lib, a in acks.items()}
    results["ticks_us"] = {
        lib: join_ticks(p.rows, sends.get(CLIENT_IDS[lib], []), received[lib], lib) for lib, p in probes.items()
    }
    results["load_after"] = os.getloadavg()[0]
    return results


def report(results: dict[str, Any]) -> None:
    libs = list(results["ack_us"])
    print(
        f"Python {results['python']}, {results['nproc']} cores, loop {results['loop']} "
        f"(simulator: --loop {results['sim_loop']}), "
        f"load {results['load_before']:.2f} -> {results['load_after']:.2f}"
    )
    print(
        f"\norder ack round trip, {results['orders']} resting LMT orders per library "
        f"({results['rounds']} interleaved rounds), microseconds"
    )
    print(f"{'library':<10}{'point':<10}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>9}{'ibkr p50 is':>14}")
    for point in ("await", "callback"):
        base = results["ack_us"]["ibkr"][point]["p50"]
        for lib in libs:
            s = results["ack_us"][lib][point]
            ratio = base / s["p50"]
            print(
                f"{lib:<10}{point:<10}{s['p50']:>9.0f}{s['p90']:>9.0f}{s['p99']:>9.0f}{s['max']:>9.0f}{ratio:>13.2f}x"
            )
    h = results["ibkr_order_ack_histogram_us"]
    print(f"ibkr get_latency_report() order_ack: p50 {h['p50']:.0f}  p90 {h['p90']:.0f}  p99 {h['p99']:.0f}")
    print("\nwhere the round trip goes (p50 of each part, microseconds; sim send = the simulator's write)")
    names = ("place_to_write", "write_to_sim_send", "sim_send_to_callback", "callback_to_await")
    print(f"{'library':<10}" + "".join(f"{n:>22}" for n in names))
    for lib in libs:
        parts = results["ack_us"][lib].get("parts")
        if parts:
            print(f"{lib:<10}" + "".join(f"{parts[n]['p50']:>22.0f}" for n in names))
    print(
        f"\nticks: {results['symbols']} symbols, {results['tick_rate']:g} msg/s from the simulator, "
        f"{results['tick_seconds']:g} s per library, microseconds"
    )
    print(f"{'library':<10}{'measure':<18}{'count':>8}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>9}")
    for lib, d in results["ticks_us"].items():
        for what in ("one_way", "send_to_callback"):
            s = d[what]
            print(f"{lib:<10}{what:<18}{s['count']:>8}{s['p50']:>9.0f}{s['p90']:>9.0f}{s['p99']:>9.0f}{s['max']:>9.0f}")
    h = results["ibkr_tick_to_callback_histogram_us"]
    print(
        f"ibkr get_latency_report() tick_to_callback ({h['count']:.0f} callbacks): "
        f"p50 {h['p50']:.1f}  p90 {h['p90']:.1f}  p99 {h['p99']:.1f}  max {h['max']:.1f}"
    )


def loop_factory(choice: str) -> tuple[Callable[[], asyncio.AbstractEventLoop] | None, str]:
    if choice in ("auto", "uvloop"):
        try:
            import uvloop
        except ImportError:
            if choice == "uvloop":
                raise SystemExit("uvloop is not installed") from None
        else:
            return uvloop.new_event_loop, f"uvloop {uvloop.__version__}"
    return None, "asyncio"


def run_with_loop(choice: str, main: Callable[[str], Coroutine[Any, Any, dict[str, Any]]]) -> dict[str, Any]:
    factory, name = loop_factory(choice)
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main(name))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=500, help="measured orders per library")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds the orders are split into")
    ap.add_argument("--warmup", type=int, default=20, help="orders per library before measuring")
    ap.add_argument("--seconds", type=float, default=10.0, help="tick phase length per library (split into the rounds)")
    ap.add_argument("--tick-rate", type=float, default=1000.0, help="the simulator's market-data messages/s")
    ap.add_argument("--symbols", type=int, default=5, choices=range(1, len(SYMBOLS) + 1), metavar="1..10")
    ap.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"])
    ap.add_argument(
        "--sim-loop", default="auto", choices=["auto", "asyncio", "uvloop"], help="the simulator's event loop"
    )
    ap.add_argument("--skip", nargs="*", default=[], choices=["ib_async", "ibapi"])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    results = run_with_loop(args.loop, lambda name: run(args, name))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        report(results)
    return results


if __name__ == "__main__":
    main()
