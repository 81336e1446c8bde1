"""The machine's own latency floor under any client: stamped bytes over loopback, no library at all.

A sender process writes ``--per-write`` 48-byte records (a CLOCK_MONOTONIC stamp and padding) per
write, ``--writes`` writes ``--gap-us`` apart (busy-waited, as a server encoding between writes),
then sleeps ``--tick-ms`` (the simulator's feed pattern at 50,000 msg/s: about 8 writes of 6-8
messages per 1 ms timer tick). A receiver on the event loop the clients use notes, per read, its
time minus each record's stamp, and does nothing else. Three receivers, one after another, each
against a fresh sender:

* ``sleeping``: the loop sleeps in epoll between reads (every client's default);
* ``busy_poll``: the same loop with ``ibkr.transport.busypoll.BusyPoll`` kicked on every read
  (what ``ConnectionConfig.busy_poll_ms`` does), so it polls instead of sleeping while data flows;
* ``spin``: a plain non-blocking ``recv`` loop that never sleeps (the floor of the floor).

What ``sleeping`` adds over ``spin`` is the operating system's wake-up of a sleeping process (on
a virtual machine, of its parked vCPU): no client that sleeps between reads can be faster.

Run: ``python -m benchmarks.bench_wakeup [--seconds 15] [--per-write 8] [--writes 6]
[--gap-us 40] [--tick-ms 1] [--loop auto|asyncio|uvloop] [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import socket
import struct
import subprocess
import sys
import time
from array import array
from typing import Any

from benchmarks.bench_client import loop_factory, percentiles
from ibkr.transport.busypoll import BusyPoll

RECORD = 48
STAMP = struct.Struct("<q")


def sender(args: argparse.Namespace) -> None:
    """Accepts one connection on a free port (printed), writes the pattern for the run's length."""
    srv = socket.create_server(("127.0.0.1", 0))
    print(srv.getsockname()[1], flush=True)
    conn, _ = srv.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pad = b"x" * (RECORD - STAMP.size)
    gap = int(args.gap_us * 1000)
    end = time.monotonic() + args.seconds + 1.0
    while time.monotonic() < end:
        for _ in range(args.writes):
            now = time.monotonic_ns()
            conn.sendall(b"".join(STAMP.pack(now) + pad for _ in range(args.per_write)))
            until = time.perf_counter_ns() + gap
            while time.perf_counter_ns() < until:
                pass
        time.sleep(args.tick_ms / 1000)
    conn.close()


class Reader:
    """Per record: the read's time minus the record's stamp (ns)."""

    def __init__(self) -> None:
        self.lat = array("q")
        self.rest = b""

    def feed(self, data: bytes) -> None:
        now = time.monotonic_ns()
        buf = self.rest + data if self.rest else data
        n = len(buf) // RECORD
        for i in range(n):
            self.lat.append(now - STAMP.unpack_from(buf, i * RECORD)[0])
        self.rest = buf[n * RECORD :]


async def loop_receiver(port: int, busy_poll: bool) -> array[int]:
    reader = Reader()
    poll = BusyPoll(0.005) if busy_poll else None
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    class Proto(asyncio.Protocol):
        def data_received(self, data: bytes) -> None:
            if poll is not None:
                poll.kick()
            reader.feed(data)

        def connection_lost(self, exc: BaseException | None) -> None:
            if not done.done():
                done.set_result(None)

    await loop.create_connection(Proto, "127.0.0.1", port)
    await done
    if poll is not None:
        poll.stop()
    return reader.lat


def spin_receiver(port: int) -> array[int]:
    reader = Reader()
    s = socket.create_connection(("127.0.0.1", port))
    s.setblocking(False)
    while True:
        try:
            data = s.recv(65536)
        except BlockingIOError:
            continue
        if not data:
            break
        reader.feed(data)
    s.close()
    return reader.lat


def one(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.bench_wakeup", "--sender"] + [
        f"--{k.replace('_', '-')}={getattr(args, k)}" for k in ("seconds", "per_write", "writes", "gap_us", "tick_ms")
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        if mode == "spin":
            lat = spin_receiver(port)
        else:
            factory, _ = loop_factory(args.loop)
            with asyncio.Runner(loop_factory=factory) as runner:
                lat = runner.run(loop_receiver(port, mode == "busy_poll"))
    finally:
        proc.wait(timeout=30)
    skip = len(lat) // 10  # the first tenth: connection warm-up
    values = sorted(lat[skip:])
    out = percentiles(values)
    out["p999"] = values[max(0, math.ceil(0.999 * len(values)) - 1)] / 1000 if values else math.nan
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--per-write", type=int, default=8)
    ap.add_argument("--writes", type=int, default=6, help="writes per tick")
    ap.add_argument("--gap-us", type=float, default=40.0, help="busy gap between writes")
    ap.add_argument("--tick-ms", type=float, default=1.0, help="sleep after each tick's writes")
    ap.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"])
    ap.add_argument("--modes", nargs="*", default=["sleeping", "busy_poll", "spin"])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.sender:
        sender(args)
        return {}
    _, loop_name = loop_factory(args.loop)
    out: dict[str, Any] = {"loop": loop_name, "nproc": os.cpu_count(), "load_before": os.getloadavg()[0]}
    for mode in args.modes:
        out[mode] = one(mode, args)
    out["load_after"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"loop {loop_name}, {out['nproc']} cores, load {out['load_before']:.2f} -> {out['load_after']:.2f}")
        for mode in args.modes:
            r = out[mode]
            print(
                f"  {mode:10} {r['count']:>8,} records  read - stamp us: p50 {r['p50']:.0f}  p90 {r['p90']:.0f}  "
                f"p99 {r['p99']:.0f}  p99.9 {r['p999']:.0f}"
            )
    return out


if __name__ == "__main__":
    main()
