"""The data stream's own path, in one process: socket read -> decode -> client -> stream -> callback.

No simulator process and no socket in the measured part, so that the shared machine's scheduling
does not hide the cost. An in-process ``Simulator`` (feed stopped) serves the handshake, the
contract qualification and the subscriptions of ``--symbols`` instruments (TRADES + QUOTES, one
``IBKRDataStream`` subscription each, an async callback as in the seed, ``snapshots=False``,
``batch_timeout_ms=0``). Then the simulator's own feed steps produce ``--messages`` L1 messages
for the client's request ids (its L1 subscribers write into a list instead of the socket), the
protocol core's server role encodes and frames them, and the bytes are cut into reads of
``--per-read`` messages. Each read is handed to the client's session exactly where the socket
callback hands it (``Session._on_data(view)``: decode, gateway, client dispatch, stream), then
the loop runs until the stream has delivered what the read brought.

Reported per pass (best and median of ``--passes``): microseconds per message from the read to
the end of its deliveries, and per read: read start -> first callback and read start -> last
callback (p50 / p99 over reads). ``--profile`` runs one more pass under cProfile.

Run: ``python -m benchmarks.bench_stream_path [--messages 60000] [--per-read 60] [--symbols 100]
[--passes 5] [--python-dispatch] [--profile]``. ``--python-dispatch`` runs the client's Python dispatch
loop and ``SymbolState.on_l1`` for every tick instead of the compiled ones (``ibkr.fastpath``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import pstats
import statistics
import time
from array import array
from typing import Any

from ibkr.client import IBKRClient
from ibkr.config import ConnectionConfig, StreamConfig
from ibkr.protocol.framing import frame
from ibkr.protocol.message import encode_payload
from ibkr.protocol.models import Contract
from ibkr.runtime import new_event_loop
from ibkr.sim import SimConfig, Simulator
from ibkr.stream import DataType, IBKRDataStream


class Outbox:
    """What the feed's L1 subscribers write to instead of a socket."""

    market_data_type = 1

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.send_many = self.sent.extend
        self.send = self.sent.append


class Probe:
    """The callback: notes the time of each call (and the count of its updates)."""

    def __init__(self) -> None:
        self.times = array("q")
        self.updates = 0

    async def __call__(self, data: dict[str, Any]) -> None:
        self.times.append(time.monotonic_ns())
        self.updates += len(data["updates"])


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def one_pass(session: Any, reads: list[bytes], probe: Probe, per_read: int) -> dict[str, float]:
    on_data = session._on_data
    first: list[float] = []
    last: list[float] = []
    total = 0
    times = probe.times
    gc.collect()
    for chunk in reads:
        del times[:]
        view = memoryview(chunk)
        t0 = time.monotonic_ns()
        on_data(view)
        # the stream delivers in call_soon after the read (and the ones after it): let them run
        await asyncio.sleep(0)
        t1 = time.monotonic_ns()
        total += t1 - t0
        if times:
            first.append((times[0] - t0) / 1e3)
            last.append((times[-1] - t0) / 1e3)
    n = len(reads) * per_read
    return {
        "us_per_msg": total / n / 1e3,
        "first_p50": pct(first, 0.5),
        "first_p99": pct(first, 0.99),
        "last_p50": pct(last, 0.5),
        "last_p99": pct(last, 0.99),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    async with Simulator(SimConfig(ports=(0,), symbols=args.symbols, pacing_limit=0)) as sim:
        sim.faults.stall_feed()
        client = IBKRClient(
            ConnectionConfig(
                host="127.0.0.1",
                port=sim.port,
                client_id=1,
                pacing_rate=0,
                heartbeat_interval=0,
                auto_reconnect=False,
                request_timeout=30,
            )
        )
        await client.connect()
        if args.python_dispatch:
            client._dispatch = None  # the Python dispatch loop and SymbolState.on_l1 for every tick
        stream = IBKRDataStream(client, StreamConfig(batch_size=args.batch_size, batch_timeout_ms=0))
        probe = Probe()
        for i in sim.exchange.universe:
            c = Contract(symbol=i.symbol, sec_type=i.sec_type, exchange=i.exchange, currency=i.currency)
            await stream.subscribe(c, [DataType.TRADES, DataType.QUOTES], probe, snapshots=False)
        await client.get_server_time()
        session = client.gateway.session(0)
        # the feed's L1 subscribers of this client write into the outbox from now on
        outbox = Outbox()
        for subs in sim.feed.l1.values():
            for sub in subs:
                sub.session = outbox
        while len(outbox.sent) < args.messages:
            sim.feed._step_next()
        msgs = outbox.sent[: args.messages - args.messages % args.per_read]
        version = session.conn.server_version
        frames = [frame(encode_payload(m, version)) for m in msgs]
        k = args.per_read
        reads = [b"".join(frames[i : i + k]) for i in range(0, len(frames), k)]
        if args.no_gc:
            gc.disable()
        passes = [await one_pass(session, reads, probe, k) for _ in range(args.passes)]
        gc.enable()
        out: dict[str, Any] = {
            "messages": len(msgs),
            "per_read": k,
            "symbols": len(stream.symbols),
            "delivered_per_pass": probe.updates // max(1, args.passes),
            "best_us_per_msg": round(min(p["us_per_msg"] for p in passes), 2),
            "median_us_per_msg": round(statistics.median(p["us_per_msg"] for p in passes), 2),
            "read_to_first_callback_us": {
                "p50": round(statistics.median(p["first_p50"] for p in passes), 1),
                "p99": round(statistics.median(p["first_p99"] for p in passes), 1),
            },
            "read_to_last_callback_us": {
                "p50": round(statistics.median(p["last_p50"] for p in passes), 1),
                "p99": round(statistics.median(p["last_p99"] for p in passes), 1),
            },
        }
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            await one_pass(session, reads, probe, k)
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(args.profile_lines)
        await stream.aclose()
        await client.aclose()
        return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=60_000)
    ap.add_argument("--per-read", type=int, default=60)
    ap.add_argument("--symbols", type=int, default=100)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--flush-symbols", type=int, help="ibkr.stream.stream.FLUSH_SYMBOLS for this run")
    ap.add_argument("--no-gc", action="store_true", help="the cyclic GC off during the passes")
    ap.add_argument(
        "--python-dispatch", action="store_true", help="the client's Python dispatch loop (not ibkr.fastpath's)"
    )
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--profile-lines", type=int, default=30)
    args = ap.parse_args(argv)
    if args.flush_symbols is not None:
        import ibkr.stream.stream

        ibkr.stream.stream.FLUSH_SYMBOLS = args.flush_symbols  # type: ignore[attr-defined,unused-ignore]
    loop = new_event_loop()
    try:
        out = loop.run_until_complete(run(args))
    finally:
        loop.close()
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
