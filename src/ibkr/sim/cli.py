"""ibkr sim: serve a simulated TWS / IB Gateway until interrupted (SIGINT / SIGTERM: exit 0).

Prints one line "listening on HOST:PORT" per endpoint once it listens. Faults are commands, given
with --fault at start (applied once listening, in order) or typed on stdin with --control-stdin:

  drop [CLIENT|all] [1100]      drop connections (after a 1100 notice if asked)
  stall [CLIENT|all]            hold everything sent to the client(s) ... until
  resume [CLIENT|all]           ... resumed (held bytes follow in order)
  stall-feed / resume-feed      stop / restart the market-data pump
  one-byte [CLIENT|all] [on|off]  write frames one byte at a time
  notice CODE [CODE ...]        send connectivity / farm notices (1100 1101 1102 2103 2104 2105 2106 2110 ...)
  reject-next [CODE [TEXT]]     reject the next order placed (default 201)
  delay-acks SECONDS            keep new orders PendingSubmit that long (0: off)
  stop-endpoint N / start-endpoint N   stop or start one endpoint (0 = the first --port)
  restart [keep-ids]            restart every endpoint (orders and fills kept; next ids roll back)
  status                        every endpoint with its sessions, and the event loop

A --fault value may use "=" or "," instead of spaces: --fault delay-acks=0.5, --fault notice=1100,1102.

The simulator runs on uvloop when it is installed (``--loop auto``, as ``ibkr.runtime`` chooses);
``--loop asyncio`` forces asyncio's own loop, ``--loop uvloop`` insists on uvloop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from ibkr.runtime import loop_factory, loop_name
from ibkr.sim.server import SimConfig, Simulator

__all__ = ["add_arguments", "run", "COMMANDS", "execute"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, action="append", help="port of one endpoint; repeat for several (default 7497)")
    p.add_argument("--seed", type=int, default=1, help="seed of the price processes (default 1)")
    p.add_argument("--accounts", default="DU1234567", help="comma-separated account codes")
    p.add_argument("--tick-rate", type=float, default=200.0, help="market-data messages per second in total")
    p.add_argument(
        "--symbols", type=int, default=0, help="instruments in the universe: synthetic stocks SYN001... past the 32"
    )
    p.add_argument(
        "--write-messages",
        type=int,
        default=8,
        help="at high tick rates, write every this many market-data messages (default 8)",
    )
    p.add_argument(
        "--pacing-limit", type=int, default=50, help="requests per second per client before error 100 (0: off)"
    )
    p.add_argument("--max-version", type=int, default=200, help="highest server version offered")
    p.add_argument("--account-push-interval", type=float, default=1.0, help="seconds between account / PnL pushes")
    p.add_argument(
        "--record-send-times", metavar="FILE", help="write every message's monotonic send time (CSV) on exit"
    )
    p.add_argument("--fault", action="append", default=[], metavar="COMMAND", help="a fault command to apply at start")
    p.add_argument("--control-stdin", action="store_true", help="read fault commands from stdin, one per line")
    p.add_argument(
        "--loop",
        choices=sorted(LOOPS),
        default="auto",
        help="event loop: auto (uvloop when installed, unless IBKR_LOOP=asyncio), uvloop, or asyncio's own",
    )


def _targets(words: list[str]) -> int | None:
    return None if not words or words[0] == "all" else int(words[0])


async def _drop(sim: Simulator, w: list[str]) -> str:
    return f"dropped {sim.faults.drop(_targets(w), with_1100='1100' in w[1:])}"


async def _stall(sim: Simulator, w: list[str]) -> str:
    return f"stalled {sim.faults.stall(_targets(w))}"


async def _resume(sim: Simulator, w: list[str]) -> str:
    return f"resumed {sim.faults.resume(_targets(w))}"


async def _stall_feed(sim: Simulator, w: list[str]) -> str:
    sim.faults.stall_feed()
    return "feed stalled"


async def _resume_feed(sim: Simulator, w: list[str]) -> str:
    sim.faults.resume_feed()
    return "feed resumed"


async def _one_byte(sim: Simulator, w: list[str]) -> str:
    on = not (len(w) > 1 and w[1] == "off")
    return f"one-byte writes {'on' if on else 'off'} for {sim.faults.one_byte_writes(on, _targets(w))}"


async def _notice(sim: Simulator, w: list[str]) -> str:
    return f"notices sent to {sim.faults.notices([int(c) for c in w])}"


async def _reject_next(sim: Simulator, w: list[str]) -> str:
    if w:
        sim.faults.reject_next_order(int(w[0]), " ".join(w[1:]) or "Order rejected - reason:Simulated rejection")
    else:
        sim.faults.reject_next_order()
    return "next order will be rejected"


async def _delay_acks(sim: Simulator, w: list[str]) -> str:
    sim.faults.delay_acks(float(w[0]))
    return f"acks delayed {float(w[0])}s"


async def _stop_endpoint(sim: Simulator, w: list[str]) -> str:
    await sim.faults.stop_endpoint(int(w[0]) if w else 0)
    return "endpoint stopped"


async def _start_endpoint(sim: Simulator, w: list[str]) -> str:
    await sim.faults.start_endpoint(int(w[0]) if w else 0)
    return "endpoint started"


async def _restart(sim: Simulator, w: list[str]) -> str:
    await sim.faults.restart(rollback_ids="keep-ids" not in w)
    return "restarted"


async def _status(sim: Simulator, w: list[str]) -> str:
    endpoints = "; ".join(
        f"{ep.host}:{ep.port} {'up' if ep.running else 'down'} clients={sorted(ep.client_ids())}"
        for ep in sim.endpoints
    )
    return f"{endpoints}; loop {loop_name()}"


#: command word -> coroutine(sim, arguments) returning a one-line report
COMMANDS: dict[str, Callable[[Simulator, list[str]], Awaitable[str]]] = {
    "drop": _drop,
    "stall": _stall,
    "resume": _resume,
    "stall-feed": _stall_feed,
    "resume-feed": _resume_feed,
    "one-byte": _one_byte,
    "notice": _notice,
    "reject-next": _reject_next,
    "delay-acks": _delay_acks,
    "stop-endpoint": _stop_endpoint,
    "start-endpoint": _start_endpoint,
    "restart": _restart,
    "status": _status,
}


async def execute(sim: Simulator, line: str) -> str:
    """Run one command line; returns "ok: ..." or "error: ..."."""
    words = line.replace("=", " ").replace(",", " ").split()
    if not words:
        return ""
    command = COMMANDS.get(words[0])
    if command is None:
        return f"error: unknown command {words[0]!r} (known: {', '.join(COMMANDS)})"
    try:
        return "ok: " + await command(sim, words[1:])
    except (ValueError, IndexError, KeyError) as exc:
        return f"error: {words[0]}: {exc}"


async def _read_stdin(sim: Simulator) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        report = await execute(sim, line.decode(errors="replace"))
        if report:
            print(report, flush=True)


def _write_send_times(sim: Simulator, path: str) -> None:
    rows = ["port,client_id,seq,send_ns"]
    for (port, client_id), times in sorted(sim.finished_send_times.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        rows.extend(f"{port},{client_id},{i},{t}" for i, t in enumerate(times))
    Path(path).write_text("\n".join(rows) + "\n", encoding="utf-8")


async def serve(args: argparse.Namespace) -> int:
    config = SimConfig(
        host=args.host, ports=tuple(args.port or [7497]), seed=args.seed,
        accounts=tuple(a.strip() for a in args.accounts.split(",") if a.strip()), tick_rate=args.tick_rate,
        pacing_limit=args.pacing_limit, max_server_version=args.max_version,
        account_push_interval=args.account_push_interval, record_send_times=bool(args.record_send_times),
        symbols=args.symbols, write_messages=args.write_messages,
    )  # fmt: skip
    sim = Simulator(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await sim.start()
    try:
        for ep in sim.endpoints:
            print(f"listening on {ep.host}:{ep.port}", flush=True)
        for line in args.fault:
            print(await execute(sim, line), flush=True)
        reader = sim.spawn(_read_stdin(sim)) if args.control_stdin else None
        await stop.wait()
        if reader is not None:
            reader.cancel()
    finally:
        # stopping the endpoints drops every session; each session's task then ends on its own and
        # files its send times (Simulator.session_closed) before they are written below
        await sim.aclose()
        if args.record_send_times:
            _write_send_times(sim, args.record_send_times)
    return 0


def _uvloop() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:
        raise SystemExit("ibkr sim --loop uvloop: uvloop is not installed (pip install 'ibkr[uvloop]')") from None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


#: --loop choice -> the event-loop factory it runs on
LOOPS: dict[str, Callable[[], Callable[[], asyncio.AbstractEventLoop]]] = {
    "auto": loop_factory,
    "uvloop": _uvloop,
    "asyncio": lambda: asyncio.new_event_loop,
}


def run(args: argparse.Namespace) -> int:
    factory = LOOPS[getattr(args, "loop", "auto")]()
    with contextlib.suppress(KeyboardInterrupt), asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(serve(args))
    return 0
