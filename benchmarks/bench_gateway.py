"""Gateway pool throughput: 1 vs 5 pooled connections against ``ibkr sim`` in its own process.

The simulator keeps its default pacing limit (50 requests/s per client; one more within a second
is answered with error 100 and dropped), as TWS does. IBKRClient runs on an ``IBKRGateway`` with
``max_connections`` 1, then 5 (client ids 21 and 31-35), each connection with the default
client pacing budget (45 requests/s, bursts of 9 per 0.2 s); the pool's least-loaded routing
spreads the requests. Measured, for each pool size in the same run:

* **requests answered per second**: ``--requests`` market-data requests offered at once and
  awaited together (``asyncio.gather``), timed from the offer to the last answer:
  - ``historical``: ``get_historical_data`` (REQ_HISTORICAL_DATA, 30 minutes of 5-minute bars:
    6 bars + end);
  - ``snapshot``: ``snapshot`` (REQ_MKT_DATA snapshot=1, answered until TICK_SNAPSHOT_END).
  Any error 100 (pacing violation) the simulator sends is counted and reported; a correct pool
  gets none.
* **messages received per second through the pool**: L1 on ``--symbols`` stocks plus depth
  books on ``--depth`` of them (spread over the connections), the simulator asked for
  ``--tick-rate`` messages/s in total (far above what one simulator process produces, so it
  sends as fast as it can), for ``--seconds``; counted in the gateway's statistics
  (``messages_in``) and drained by a consumer of the raw API (``receive_message``), while the
  typed client updates its tickers and books from the same batches.

The request phases run against one simulator process with its default market-data rate, the
message phases against a second one asked for ``--tick-rate``. Client and simulator share the
machine: with one simulator process the message rate is bounded by what that process can
produce, for 1 and 5 connections alike (see docs/benchmarks.md).

Run: ``python -m benchmarks.bench_gateway [--requests 450] [--seconds 10] [--tick-rate 200000]
[--symbols 10] [--depth 5] [--connections 1 5] [--loop auto|asyncio|uvloop] [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.bench_client import SYMBOLS, run_with_loop, sim_process
from ibkr.client import IBKRClient, Stock
from ibkr.config import ConnectionConfig, GatewayConfig
from ibkr.gateway import IBKRGateway
from ibkr.protocol.messages.system import ErrMsg
from ibkr.protocol.models import Contract
from ibkr.transport.session import Received, Session

_PACING_VIOLATION = 100
KINDS = ("historical", "snapshot")


class _ErrorCounter:
    """A gateway listener that counts error 100 (pacing violations) per connection."""

    def __init__(self, n: int) -> None:
        self.violations = [0] * n

    def on_messages(self, slot: int, msgs: Received) -> None:
        for m in msgs:
            if type(m) is ErrMsg and m.error_code == _PACING_VIOLATION:
                self.violations[slot] += 1

    def on_session_up(self, slot: int, session: Session, first: bool) -> None:
        return None

    def on_session_down(self, slot: int, reason: BaseException | None) -> None:
        pass


async def _connect(port: int, n: int) -> tuple[IBKRClient, IBKRGateway, _ErrorCounter]:
    gateway = IBKRGateway(
        GatewayConfig(
            primary_host="127.0.0.1",
            primary_port=port,
            max_connections=n,
            client_id_base=21 if n == 1 else 31,
            heartbeat_interval=0,
            auto_reconnect=False,
            receive_queue_size=1_000_000,
        )
    )
    errors = _ErrorCounter(n)
    gateway.add_listener(errors)
    # a request the simulator dropped (error 100) fails after this, instead of holding the run
    client = IBKRClient(ConnectionConfig(host="127.0.0.1", port=port, request_timeout=15), gateway=gateway)
    await client.connect()
    return client, gateway, errors


async def _offer(
    client: IBKRClient, gateway: IBKRGateway, make: Callable[[], Awaitable[Any]], n: int
) -> dict[str, Any]:
    """Offer ``n`` requests at once; the rate counts the answered ones up to the last answer (a
    request the simulator dropped with error 100 fails only at the request timeout)."""
    before = [c.messages_out for c in gateway.statistics().connections]
    done: list[float] = []

    async def one() -> None:
        await make()
        done.append(time.perf_counter())

    t0 = time.perf_counter()
    results = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    dt = (max(done) - t0) if done else math.nan
    sent = [c.messages_out - b for c, b in zip(gateway.statistics().connections, before, strict=True)]
    return {
        "requests": n,
        "answered": len(done),
        "seconds": round(dt, 3),
        "per_second": len(done) / dt,
        "failed": len(failed),
        "first_failure": repr(failed[0]) if failed else "",
        "sent_per_connection": sent,
    }


async def _requests(client: IBKRClient, gateway: IBKRGateway, spy: Contract, kind: str, n: int) -> dict[str, Any]:
    if kind == "historical":
        return await _offer(
            client, gateway, lambda: client.get_historical_data(spy, duration="1800 S", bar_size="5 mins"), n
        )
    return await _offer(client, gateway, lambda: client.snapshot(spy), n)


async def _messages(
    client: IBKRClient, gateway: IBKRGateway, contracts: list[Contract], depth: int, seconds: float
) -> dict[str, Any]:
    drained = 0
    stop = False

    async def drain() -> None:
        nonlocal drained
        while not stop:
            if await gateway.receive_message(timeout=0.2) is not None:
                drained += 1

    while await gateway.receive_message(timeout=0) is not None:  # what the requests left behind
        pass
    consumer = asyncio.get_running_loop().create_task(drain())
    tickers = [await client.subscribe_market_data(c) for c in contracts]
    books = [await client.market_depth(c, rows=10) for c in contracts[:depth]]
    await asyncio.gather(*(t.wait_update(timeout=30) for t in tickers))
    # measure from here: every subscription is flowing
    stats0, drained0, t0 = gateway.statistics(), drained, time.perf_counter()
    cpu0 = time.process_time()
    await asyncio.sleep(seconds)
    stats1, drained1, t1 = gateway.statistics(), drained, time.perf_counter()
    cpu1 = time.process_time()
    for t in tickers:
        client.cancel_market_data(t)
    for b in books:
        client.cancel_market_depth(b)
    stop = True
    await consumer
    dt = t1 - t0
    per_conn = [c1.messages_in - c0.messages_in for c0, c1 in zip(stats0.connections, stats1.connections, strict=True)]
    return {
        "seconds": round(dt, 3),
        "messages": stats1.messages_in - stats0.messages_in,
        "per_second": (stats1.messages_in - stats0.messages_in) / dt,
        "bytes_per_second": (stats1.bytes_in - stats0.bytes_in) / dt,
        "drained_per_second": (drained1 - drained0) / dt,
        "dropped": stats1.receive_queue_dropped,
        "per_connection": per_conn,
        "client_cpu": round((cpu1 - cpu0) / dt, 2),
        "subscriptions_per_connection": [c.load for c in stats1.connections],
    }


async def run(args: argparse.Namespace, loop_name: str) -> dict[str, Any]:
    results: dict[str, Any] = {
        "python": sys.version.split()[0],
        "nproc": os.cpu_count(),
        "loop": loop_name,
        "requests": args.requests,
        "kinds": args.kinds,
        "seconds": args.seconds,
        "tick_rate": args.tick_rate,
        "symbols": args.symbols,
        "depth": args.depth,
        "load_before": os.getloadavg()[0],
        "pools": {},
    }
    # Two simulator processes, one after the other: the request phases against one with the
    # default market-data rate (a flat-out feed would delay its request handling and so
    # compress arrivals into its one-second pacing count), the message phases against one
    # asked for --tick-rate.
    for n in args.connections:
        results["pools"][str(n)] = {}
    async with sim_process() as port:
        for n in args.connections:
            client, gateway, errors = await _connect(port, n)
            try:
                spy = await client.qualify_contract(Stock("SPY"))
                pool = results["pools"][str(n)]
                for kind in args.kinds:
                    pool[kind] = await _requests(client, gateway, spy, kind, args.requests)
                pool["pacing_violations"] = errors.violations
            finally:
                await client.aclose()
                await gateway.aclose()
    if args.seconds > 0:
        async with sim_process("--tick-rate", str(args.tick_rate)) as port:
            for n in args.connections:
                client, gateway, errors = await _connect(port, n)
                try:
                    contracts = [await client.qualify_contract(Stock(s)) for s in SYMBOLS[: args.symbols]]
                    pool = results["pools"][str(n)]
                    pool["messages"] = await _messages(client, gateway, contracts, args.depth, args.seconds)
                finally:
                    await client.aclose()
                    await gateway.aclose()
    results["load_after"] = os.getloadavg()[0]
    return results


def report(results: dict[str, Any]) -> None:
    pools = results["pools"]
    sizes = list(pools)
    base = sizes[0]
    print(
        f"Python {results['python']}, {results['nproc']} cores, loop {results['loop']}, "
        f"load {results['load_before']:.2f} -> {results['load_after']:.2f}"
    )
    print(f"\nrequests answered per second ({results['requests']} offered at once; client pacing 45/s per connection)")
    print(f"{'kind':<12}{'connections':>12}{'req/s':>10}{'seconds':>9}{'failed':>8}{'vs 1':>7}  sent per connection")
    print("(req/s: answered requests up to the last answer; failed: dropped by the simulator, timed out)")
    for kind in results["kinds"]:
        for n in sizes:
            r = pools[n][kind]
            ratio = r["per_second"] / pools[base][kind]["per_second"]
            print(
                f"{kind:<12}{n:>12}{r['per_second']:>10.1f}{r['seconds']:>9.2f}{r['failed']:>8}{ratio:>6.2f}x"
                f"  {r['sent_per_connection']}"
            )
    print(
        "pacing violations (error 100) per connection: "
        + ", ".join(f"{n}: {pools[n]['pacing_violations']}" for n in sizes)
    )
    if "messages" in pools[base]:
        print(
            f"\nmessages received per second ({results['symbols']} L1 + {results['depth']} depth subscriptions, "
            f"{results['seconds']:g} s, simulator asked for {results['tick_rate']:g} msg/s)"
        )
        print(
            f"{'connections':>12}{'msg/s':>10}{'MB/s':>7}{'drained/s':>11}{'dropped':>9}{'client CPU':>12}{'vs 1':>7}"
            "  per connection"
        )
        for n in sizes:
            m = pools[n]["messages"]
            ratio = m["per_second"] / pools[base]["messages"]["per_second"]
            print(
                f"{n:>12}{m['per_second']:>10.0f}{m['bytes_per_second'] / 1e6:>7.2f}{m['drained_per_second']:>11.0f}"
                f"{m['dropped']:>9}{m['client_cpu']:>12.2f}{ratio:>6.2f}x  {m['per_connection']}"
            )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=450, help="requests offered at once, per kind and pool size")
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    ap.add_argument("--seconds", type=float, default=10.0, help="message phase length per pool size (0: skip)")
    ap.add_argument("--tick-rate", type=float, default=200_000.0, help="the simulator's market-data messages/s")
    ap.add_argument("--symbols", type=int, default=10, choices=range(1, len(SYMBOLS) + 1), metavar="1..10")
    ap.add_argument("--depth", type=int, default=5, help="how many of the symbols also get a depth book")
    ap.add_argument("--connections", type=int, nargs="+", default=[1, 5])
    ap.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"])
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
