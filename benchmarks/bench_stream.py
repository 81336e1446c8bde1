"""Data-stream ingest against ``ibkr sim`` in its own process, and the memory of many symbols.

* **Ingest** (``--seconds``, default 60): ``python -m ibkr sim --port 0 --tick-rate RATE
  --pacing-limit 0 --record-send-times FILE`` in its own process; one ``IBKRClient`` with an
  ``IBKRDataStream`` subscribed to every instrument of the simulator (25 US stocks, 6 FX pairs,
  the ES future: 32, the simulator has no more) with TRADES + QUOTES (+ DEPTH with ``--depth``),
  an async callback (as in the seed) that notes its call time. Reported: messages received per
  second, updates delivered per second, **wire -> callback** latency (the simulator's send time of
  a message, CLOCK_MONOTONIC shared by both processes, to the start of the callback that gets
  its update; a socket read's updates are charged the send time of the *oldest* message of that
  read, so the figure is an upper bound, and the spread of send times inside reads is reported),
  the stream's own read -> callback histogram, and RSS sampled every second. Every figure covers
  the measured window only: it starts once every subscription is made and the setup's garbage is
  collected (the first ticks arrive while the 100 symbols are still being subscribed one by one).
* **ib_async** on the same simulator in the same run (client id 2, after ibkr, same length, same
  contracts): ``reqMktData`` per contract, counting ``pendingTickersEvent`` ticker updates and the
  messages it received.
* **Memory**: ``--memory-symbols`` symbol states with rings of ``--buffer-size`` records per data
  type, built in this process (the simulator has 32 instruments); the RSS growth is reported for
  TRADES + QUOTES and for all three types. The rings are written with zeros when created, so the
  figure is the full-buffer figure.

``--typed`` runs the stream with ``use_native_parsing=False`` (dataclass updates instead of
tuples). ``--loop`` picks the client process's event loop (ibkr and ib_async run on the same one;
default: uvloop when installed, as ``ibkr.runtime`` chooses; the simulator picks its own the same
way).

Run: ``python -m benchmarks.bench_stream [--rate 50000] [--seconds 60] [--depth] [--typed]
[--batch-size 100] [--batch-timeout-ms 0] [--skip-ib-async] [--memory-symbols 1000]
[--buffer-size 10000] [--symbols 100] [--loop auto|asyncio|uvloop] [--json]``; ``--feed-only STEPS`` measures only the
simulator's production rate in this process (``feed_phase``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import sys
import tempfile
import time
import types
from array import array
from pathlib import Path
from typing import Any

from benchmarks.bench_client import (
    connect_ib_async,
    connect_ibkr,
    percentiles,
    read_send_times,
    run_with_loop,
    sim_process,
)
from ibkr.client import IBKRClient
from ibkr.config import StreamConfig
from ibkr.protocol.models import Contract
from ibkr.sim.instruments import build_universe
from ibkr.stream import DataType, IBKRDataStream
from ibkr.stream.ring import DepthRing, L1Ring
from ibkr.stream.symbol import SymbolState

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def contracts(symbols: int) -> list[Contract]:
    """Every instrument of a simulator started with ``--symbols symbols``, by description (the
    future's con id depends on the date the simulator starts)."""
    universe = build_universe(dt.date.today(), symbols)
    return [Contract(symbol=i.symbol, sec_type=i.sec_type, exchange=i.exchange, currency=i.currency) for i in universe]


class Column:
    """An int64 column preallocated for the whole run: a record is a store at an index, so the
    benchmark's own bookkeeping never reallocates (and copies megabytes) in the middle of the
    measured stream. It doubles if the estimate was short (reported as ``regrown``)."""

    __slots__ = ("data", "n", "regrown")

    def __init__(self, capacity: int) -> None:
        self.data = array("q", bytes(8 * max(1, capacity)))
        self.n = 0
        self.regrown = 0

    def grow(self) -> None:
        self.data.extend(array("q", bytes(8 * len(self.data))))
        self.regrown += 1

    def values(self) -> array[int]:
        return self.data[: self.n]


class Probe:
    """Reads (receive ns, first message index, message count) and deliveries (receive ns,
    callback ns, update count), in columns preallocated for ``capacity`` messages."""

    def __init__(self, client: IBKRClient, capacity: int) -> None:
        self.conn = client.gateway.session(0).conn
        # at most one read and one delivery per message; in practice ~0.1 and ~0.3 of them
        self.read_ns, self.read_first, self.read_len = (Column(capacity // 2) for _ in range(3))
        self.recv, self.cb, self.count = (Column(capacity) for _ in range(3))
        self.updates = 0
        self.calls = 0
        self.client = client
        #: reads an update's receive time (a tuple's last field, or ``recv_ns``)
        self.recv_of: Any = None
        self._orig = client.on_messages
        client.on_messages = self._on_messages  # type: ignore[method-assign]

    def _on_messages(self, slot: int, msgs: Any) -> None:
        start = self.conn.messages_in - len(msgs)
        self._orig(slot, msgs)
        if not msgs:
            return
        # the client stamped this read in on_messages (batch_ns); updates carry it as recv_ns
        i = self.read_ns.n
        if i == len(self.read_ns.data):
            for c in (self.read_ns, self.read_first, self.read_len):
                c.grow()
        self.read_ns.data[i] = self.client.batch_ns
        self.read_first.data[i] = start
        self.read_len.data[i] = len(msgs)
        self.read_ns.n = self.read_first.n = self.read_len.n = i + 1

    def _record(self, recv: int, cb: int, count: int) -> None:
        i = self.recv.n
        if i == len(self.recv.data):
            for c in (self.recv, self.cb, self.count):
                c.grow()
        self.recv.data[i] = recv
        self.cb.data[i] = cb
        self.count.data[i] = count
        self.recv.n = self.cb.n = self.count.n = i + 1

    async def on_data(self, data: dict[str, Any]) -> None:
        if data["type"] != "tick":
            return
        now = time.monotonic_ns()
        ups = data["updates"]
        self.calls += 1
        self.updates += len(ups)
        recv_of = self.recv_of
        first, last = recv_of(ups[0]), recv_of(ups[-1])
        if first == last:
            self._record(first, now, len(ups))
        else:
            for u in ups:
                self._record(recv_of(u), now, 1)

    def records_bytes(self) -> int:
        cols = (self.read_ns, self.read_first, self.read_len, self.recv, self.cb, self.count)
        return sum(c.data.buffer_info()[1] * c.data.itemsize for c in cols)


class GcWatch:
    """The cyclic collector's pauses in this process while it watches (``gc.callbacks``): per
    generation, how many and their total and longest duration."""

    def __init__(self) -> None:
        self.start = 0
        self.pauses: dict[int, list[int]] = {0: [], 1: [], 2: []}
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.start = time.perf_counter_ns()
        else:
            self.pauses[info["generation"]].append(time.perf_counter_ns() - self.start)

    def stop(self) -> None:
        gc.callbacks.remove(self._on_gc)

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            f"gen{g}": {
                "count": len(p),
                "total_ms": round(sum(p) / 1e6, 1),
                "mean_us": round(sum(p) / len(p) / 1e3, 1) if p else 0.0,
                "max_us": round(max(p) / 1e3, 1) if p else 0.0,
            }
            for g, p in self.pauses.items()
        }


def weighted_percentiles(values: list[tuple[int, int]]) -> dict[str, float]:
    """(value ns, weight) -> nearest-rank p50 / p90 / p99 / p999 / max in microseconds."""
    values.sort()
    n = sum(w for _, w in values)
    out: dict[str, float] = {"count": n}
    if not n:
        return out
    targets = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)]
    acc, k = 0, 0
    for v, w in values:
        acc += w
        while k < len(targets) and acc >= targets[k][1] * n:
            out[targets[k][0]] = v / 1000
            k += 1
    out["max"] = values[-1][0] / 1000
    return out


async def ibkr_phase(port: int, args: argparse.Namespace, results: dict[str, Any]) -> dict[str, Any]:
    client = await connect_ibkr(port, args.busy_poll_ms)
    probe = Probe(client, int(args.rate * (args.seconds + 30)))
    config = StreamConfig(
        buffer_size=args.buffer_size,
        batch_size=args.batch_size,
        batch_timeout_ms=args.batch_timeout_ms,
        conflation_ms=0,
        use_native_parsing=not args.typed,
    )
    stream = IBKRDataStream(client, config)
    probe.recv_of = stream._recv_of
    kinds = [DataType.TRADES, DataType.QUOTES] + ([DataType.DEPTH] if args.depth else [])
    for c in contracts(args.symbols):
        await stream.subscribe(c, kinds, probe.on_data, snapshots=False)
    await client.get_server_time()
    gc.collect()
    rss_samples = []
    # The measured window starts here, after the subscriptions and the collection above: the
    # latency figures, like the throughput, leave out the warm-up (subscribing 100 symbols one by
    # one while the first ones already tick, and the collection of the setup's garbage).
    stream.latency.reset()
    gc_watch = GcWatch()
    measure_from = time.monotonic_ns()
    m0, u0, t0, c0 = probe.conn.messages_in, probe.updates, time.monotonic(), time.process_time()
    for _ in range(int(args.seconds)):
        await asyncio.sleep(1.0)
        rss_samples.append(rss())
    dt, cpu = time.monotonic() - t0, time.process_time() - c0
    gc_watch.stop()
    m1, u1 = probe.conn.messages_in, probe.updates
    stats = stream.get_statistics()
    results["qualified"] = [st.contract for st in stream._symbols.values()]
    await stream.aclose()
    await client.get_server_time()
    received = probe.conn.messages_in
    await client.aclose()
    # the benchmark's own records (columns preallocated before the measured window, so RSS
    # counts them from the start): reported so that the stream's own memory can be told apart
    records = probe.records_bytes()
    return {
        "bench_records_mb": round(records / 2**20, 1),
        "probe": probe,
        "measure_from_ns": measure_from,
        "received": received,
        "messages_per_s": (m1 - m0) / dt,
        "updates_per_s": (u1 - u0) / dt,
        **cpu_use(cpu, dt, m1 - m0),
        "callbacks": probe.calls,
        "mean_batch": stats.mean_batch,
        "read_to_callback_us": {k: getattr(stats.latency, k) for k in ("count", "p50", "p90", "p99", "p999", "max")},
        "dropped": stats.dropped,
        "callback_errors": stats.callback_errors,
        "rss_mb": [round(x / 2**20, 1) for x in rss_samples],
        "gc": gc_watch.summary(),
    }


async def ib_async_phase(port: int, args: argparse.Namespace, qualified: list[Contract]) -> dict[str, Any]:
    from ib_async import Contract as IbContract

    ib = await connect_ib_async(port)
    updates = 0

    def on_pending(tickers: Any) -> None:
        # the ticks and depth rows of this read (ib_async clears the lists per read)
        nonlocal updates
        for t in tickers:
            updates += len(t.ticks) + len(t.domTicks)

    ib.pendingTickersEvent += on_pending
    cs = [
        IbContract(
            conId=c.con_id,
            symbol=c.symbol,
            secType=c.sec_type,
            exchange=c.exchange,
            currency=c.currency,
            localSymbol=c.local_symbol,
            lastTradeDateOrContractMonth=c.last_trade_date_or_contract_month,
            multiplier=c.multiplier,
        )
        for c in qualified
    ]
    for c in cs:
        ib.reqMktData(c)
        if args.depth:
            ib.reqMktDepth(c, 10)
    await asyncio.sleep(1.0)
    n0, u0, t0, c0 = ib.client._numMsgRecv, updates, time.monotonic(), time.process_time()
    await asyncio.sleep(args.seconds)
    dt, cpu = time.monotonic() - t0, time.process_time() - c0
    n1, u1 = ib.client._numMsgRecv, updates
    ib.disconnect()
    return {"messages_per_s": (n1 - n0) / dt, "tick_updates_per_s": (u1 - u0) / dt, **cpu_use(cpu, dt, n1 - n0)}


def cpu_use(cpu_s: float, wall_s: float, messages: int) -> dict[str, float]:
    """The client process's CPU time over a window: the share of one core, and per message received
    (the benchmark's own bookkeeping included, for both clients; busy polling uses its core by design)."""
    return {"cpu_core_share": cpu_s / wall_s, "cpu_us_per_message": cpu_s / max(1, messages) * 1e6}


def memory_phase(symbols: int, buffer_size: int) -> dict[str, float]:
    """RSS growth of ``symbols`` symbol states with their L1 ring (trades + quotes, one shared
    ring of ``buffer_size`` rows), then with depth rings added to the same states (the rings are
    written with zeros when created)."""
    stub: Any = types.SimpleNamespace(tuples=True, client=None)
    gc.collect()
    before = rss()
    states = []
    for i in range(symbols):
        s = SymbolState(stub, f"S{i}", Contract(symbol=f"S{i}"), 10)
        s.l1_ring = s.trade_ring = s.quote_ring = L1Ring(buffer_size, s.symbol)
        states.append(s)
    l1 = rss() - before
    for s in states:
        s.depth_ring = DepthRing(buffer_size, s.symbol)
    everything = rss() - before
    return {"trades+quotes": round(l1 / 1e6, 1), "trades+quotes+depth": round(everything / 1e6, 1)}


def feed_phase(symbols: int, steps: int) -> dict[str, float]:
    """The simulator's own production rate, in this process: ``steps`` feed steps round robin over
    ``symbols`` instruments with one L1 subscriber each (the lean step: no depth subscriber, no
    orders), then the messages encoded and framed as ``SimSession.flush`` does (``encode_frames``)."""
    from ibkr.protocol.native import encode_frames
    from ibkr.sim import SimConfig, Simulator
    from ibkr.sim.feed import L1

    sim = Simulator(SimConfig(ports=(0,), symbols=symbols))
    sent: list[Any] = []

    class Outbox:  # what the feed calls on a session, without a socket
        market_data_type = 1
        send_many, send = sent.extend, sent.append

    outbox: Any = Outbox()
    for n, inst in enumerate(sim.exchange.universe):
        sim.feed._add("mkt", sim.feed.l1, L1(outbox, n + 1, inst, False))
    t0 = time.perf_counter()
    for _ in range(steps):
        sim.feed._step_next()
    t1 = time.perf_counter()
    encode_frames(sent, 200)
    t2 = time.perf_counter()
    n = len(sent)
    return {
        "messages": n,
        "step_us_per_msg": round((t1 - t0) / n * 1e6, 2),
        "encode_us_per_msg": round((t2 - t1) / n * 1e6, 2),
        "msg_per_s": round(n / (t2 - t0)),
    }


async def run(args: argparse.Namespace, loop_name: str = "asyncio") -> dict[str, Any]:
    results: dict[str, Any] = {
        "python": sys.version.split()[0],
        "loop": loop_name,
        "nproc": os.cpu_count(),
        "rate": args.rate,
        "write_messages": args.write_messages,
        "seconds": args.seconds,
        "symbols": len(contracts(args.symbols)),
        "depth": args.depth,
        "batch_size": args.batch_size,
        "batch_timeout_ms": args.batch_timeout_ms,
        "use_native_parsing": not args.typed,
        "busy_poll_ms": args.busy_poll_ms,
        "load_before": os.getloadavg()[0],
    }
    with tempfile.TemporaryDirectory() as tmp:
        send_file = Path(tmp) / "send_times.csv"
        sim_args = ["--pacing-limit", "0", "--tick-rate", str(args.rate), "--record-send-times", str(send_file)]
        sim_args += ["--symbols", str(args.symbols), "--write-messages", str(args.write_messages)]
        async with sim_process(*sim_args) as port:
            ibkr = await ibkr_phase(port, args, results)
            if not args.skip_ib_async:
                results["ib_async"] = await ib_async_phase(port, args, results["qualified"])
        sends = read_send_times(send_file).get(1, [])
    results.pop("qualified", None)
    probe: Probe = ibkr.pop("probe")
    received = ibkr.pop("received")
    if len(sends) != received:
        raise SystemExit(f"the simulator sent {len(sends)} messages, the client counted {received}")
    measure_from = ibkr.pop("measure_from_ns")
    rows: list[tuple[int, int]] = []
    spreads: list[int] = []
    read_first = dict(zip(probe.read_ns.values(), probe.read_first.values(), strict=True))
    for recv, cb, n in zip(probe.recv.values(), probe.cb.values(), probe.count.values(), strict=True):
        if recv >= measure_from:
            rows.append((cb - sends[read_first[recv]], n))
    for ns, start, k in zip(probe.read_ns.values(), probe.read_first.values(), probe.read_len.values(), strict=True):
        if ns >= measure_from:  # not a read of the warm-up
            spreads.append(sends[start + k - 1] - sends[start])
    ibkr["wire_to_callback_us"] = weighted_percentiles(rows)
    ibkr["send_spread_in_read_us"] = percentiles(spreads)
    ibkr["messages_per_read"] = received / max(1, probe.read_ns.n)
    ibkr["bench_records_regrown"] = probe.recv.regrown + probe.read_ns.regrown
    results["ibkr"] = ibkr
    # in a fresh process: pages this one freed after the ingest would hide part of the growth
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.bench_stream", "--memory-only",
        "--memory-symbols", str(args.memory_symbols), "--buffer-size", str(args.buffer_size),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await proc.communicate()
    results["memory_mb"] = json.loads(out)
    results["memory_symbols"] = args.memory_symbols
    results["buffer_size"] = args.buffer_size
    results["load_after"] = os.getloadavg()[0]
    return results


def report(r: dict[str, Any]) -> None:
    k = r["ibkr"]
    print(
        f"Python {r['python']}, {r['nproc']} cores, client loop {r['loop']} (ibkr and ib_async), "
        f"load {r['load_before']:.2f} -> {r['load_after']:.2f}; "
        f"offered {r['rate']:,.0f} msg/s over {r['symbols']} instruments for {r['seconds']} s, "
        f"simulator writes every {r['write_messages']} messages "
        f"(depth: {r['depth']}; batch_size {r['batch_size']}, batch_timeout_ms {r['batch_timeout_ms']}, "
        f"use_native_parsing {r['use_native_parsing']}, busy_poll_ms {r['busy_poll_ms']})"
    )
    print(f"ibkr stream: {k['messages_per_s']:,.0f} msg/s received, {k['updates_per_s']:,.0f} updates/s delivered")
    print(f"  client CPU: {k['cpu_core_share']:.0%} of a core, {k['cpu_us_per_message']:.1f} us a message")
    print(f"  callbacks {k['callbacks']:,}, mean batch {k['mean_batch']:.1f}, dropped {k['dropped']}")
    w = k["wire_to_callback_us"]
    print(f"  wire -> callback us: p50 {w['p50']:.0f}  p90 {w['p90']:.0f}  p99 {w['p99']:.0f}  max {w['max']:.0f}")
    s = k["read_to_callback_us"]
    print(f"  read -> callback us: p50 {s['p50']:.0f}  p90 {s['p90']:.0f}  p99 {s['p99']:.0f}  max {s['max']:.0f}")
    sp = k["send_spread_in_read_us"]
    print(f"  messages per read {k['messages_per_read']:.0f}; send-time spread inside a read p99 {sp['p99']:.0f} us")
    rs = k["rss_mb"]
    print(
        f"  RSS MB per second: first {rs[0]}, min {min(rs)}, max {max(rs)}, last {rs[-1]} "
        f"(the benchmark's own records: {k['bench_records_mb']} MB)"
    )
    gcs = ", ".join(f"{g} {v['count']} x {v['mean_us']:.0f} us (max {v['max_us']:.0f})" for g, v in k["gc"].items())
    print(f"  cyclic GC in the client process over the window: {gcs}")
    if "ib_async" in r:
        a = r["ib_async"]
        print(f"ib_async: {a['messages_per_s']:,.0f} msg/s received, {a['tick_updates_per_s']:,.0f} ticks/s in tickers")
        print(f"  client CPU: {a['cpu_core_share']:.0%} of a core, {a['cpu_us_per_message']:.1f} us a message")
    print(f"memory of {r['memory_symbols']} symbols at buffer_size {r['buffer_size']}: {r['memory_mb']} (MB)")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=50_000.0, help="the simulator's offered market-data msg/s")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--symbols", type=int, default=100, help="instruments (synthetic stocks past the built-in 32)")
    ap.add_argument(
        "--write-messages", type=int, default=8, help="the simulator writes every this many messages (its default 8)"
    )
    ap.add_argument("--depth", action="store_true", help="subscribe DEPTH too (more messages per step)")
    ap.add_argument("--typed", action="store_true", help="use_native_parsing=False: dataclass updates")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--batch-timeout-ms", type=float, default=0.0)
    ap.add_argument("--buffer-size", type=int, default=10_000)
    ap.add_argument("--memory-symbols", type=int, default=1000)
    ap.add_argument("--skip-ib-async", action="store_true")
    ap.add_argument(
        "--busy-poll-ms", type=float, default=0.0,
        help="ibkr's ConnectionConfig.busy_poll_ms (0: off, the loop sleeps between reads)",
    )  # fmt: skip
    ap.add_argument(
        "--loop", default="auto", choices=["auto", "asyncio", "uvloop"],
        help="the client process's event loop, for ibkr and ib_async alike (auto: uvloop when installed)",
    )  # fmt: skip
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--memory-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--feed-only", type=int, metavar="STEPS", help="only the simulator's in-process production rate")
    args = ap.parse_args(argv)
    if args.feed_only:
        feed = feed_phase(args.symbols, args.feed_only)
        print(json.dumps(feed))
        return feed
    if args.memory_only:
        mem = memory_phase(args.memory_symbols, args.buffer_size)
        print(json.dumps(mem))
        return mem
    results = run_with_loop(args.loop, lambda name: run(args, name))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        report(results)
    return results


if __name__ == "__main__":
    main()
