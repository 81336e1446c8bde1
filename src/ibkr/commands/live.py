"""ibkr live: a live terminal view of one session, redrawn in place: the connection(s), quotes,
this client's orders and latency percentiles. Ends on q, Ctrl-C, or after --seconds.

  ibkr live                         AAPL MSFT SPY on the default gateway (IB_HOST / IB_PORT)
  ibkr live QQQ IWM --port 4002     other symbols, IB Gateway paper
  ibkr live --client-id 0           TWS's master client id: the orders of every API client

Plain ANSI escape codes (alternate screen, cursor home, clear line); on a pipe or file each frame
is printed after the last instead. A REQ_CURRENT_TIME round trip every second keeps the latency
section and the connection's liveness current. The client reconnects on its own when the
connection drops; the connection section shows it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator

from ibkr.client import IBKRClient, Ticker
from ibkr.commands.common import (
    DEFAULT_SYMBOLS,
    LATENCY_HEADERS,
    add_connection_arguments,
    connected,
    latency_rows,
    parse_symbol,
    table,
)
from ibkr.commands.orders import orders_table
from ibkr.commands.quote import quote_table, subscribe
from ibkr.errors import IBKRError

__all__ = ["add_arguments", "run", "render"]

_ENTER = "\x1b[?1049h\x1b[?25l"  # alternate screen, hide the cursor
_LEAVE = "\x1b[?25h\x1b[?1049l"
_HOME = "\x1b[H"
_CLEAR_LINE = "\x1b[K"
_CLEAR_BELOW = "\x1b[J"
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "symbols", nargs="*", type=parse_symbol, metavar="SYMBOL", help="symbols to stream (default AAPL MSFT SPY)"
    )
    p.add_argument("--seconds", type=float, metavar="N", help="end after N seconds (default: run until q / Ctrl-C)")
    p.add_argument("--interval", type=float, default=0.25, help="seconds between redraws (default 0.25)")
    p.add_argument("--orders", type=int, default=12, help="orders shown, newest last (default 12)")
    add_connection_arguments(p)


def _title(text: str, tty: bool) -> str:
    return f"{_BOLD}{text}{_RESET}" if tty else text


def _connections(client: IBKRClient) -> str:
    rows = []
    try:
        connections = client.gateway.statistics().connections
    except IBKRError:
        connections = []
    for c in connections:
        age = None if c.last_message_age is None else f"{c.last_message_age:.1f}s"
        rows.append([c.connection, c.client_id, c.endpoint, c.state, c.messages_in, c.messages_out,
                     c.reconnects, c.failovers, c.pacing_delayed, age or "-"])  # fmt: skip
    return table(
        ("conn", "client", "endpoint", "state", "msgs in", "msgs out", "reconnects", "failovers", "paced", "last msg"),
        rows,
    )


def render(client: IBKRClient, tickers: list[Ticker], started: float, max_orders: int, tty: bool) -> list[str]:
    """One frame, as lines."""
    sv = "-"
    with contextlib.suppress(IBKRError):
        sv = str(client.gateway.session(0).server_version)
    c = client.config
    head = (
        f"ibkr live  {c.host}:{c.port}  {client.state.value}  server version {sv}  client {client.client_id}  "
        f"accounts {', '.join(client.accounts) or '-'}  up {time.monotonic() - started:.0f}s  "
        f"{time.strftime('%H:%M:%S')}  (q: quit)"
    )
    handles = sorted(client.orders, key=lambda h: (h.is_done, h.order_id))[:max_orders]
    fills = len(client.fills)
    sections = [
        (_title(head, tty), ""),
        (_title("CONNECTIONS", tty), _connections(client)),
        (_title("QUOTES", tty), quote_table(tickers)),
        (_title(f"ORDERS ({len(client.open_orders())} open, {fills} fills this session)", tty),
         orders_table(handles).replace("(no open orders)", "(no orders)")),
        (_title("LATENCY (microseconds)", tty), table(LATENCY_HEADERS, latency_rows(client.get_latency_report()))),
    ]  # fmt: skip
    lines: list[str] = []
    for title, body in sections:
        lines.append(title)
        if body:
            lines.extend(body.splitlines())
        lines.append("")
    lines.extend(f"TWS {w.code}: {w.message}" for w in list(client.warnings)[-3:])
    return lines


@contextlib.contextmanager
def _keyboard(stop: asyncio.Event) -> Iterator[None]:
    """q on a terminal's stdin sets ``stop`` (cbreak mode: keys without Enter, Ctrl-C still works)."""
    if not sys.stdin.isatty():
        yield
        return
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    loop = asyncio.get_running_loop()

    def on_key() -> None:
        data = os.read(fd, 64)
        if not data or b"q" in data.lower():
            stop.set()

    tty.setcbreak(fd)
    loop.add_reader(fd, on_key)
    try:
        yield
    finally:
        loop.remove_reader(fd)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _count_update(ticker: Ticker) -> None:
    pass


async def _heartbeat(client: IBKRClient) -> None:
    while True:
        with contextlib.suppress(IBKRError):
            await client.get_server_time(timeout=5)
        await asyncio.sleep(1.0)


async def _main(args: argparse.Namespace) -> int:
    out = sys.stdout
    tty = out.isatty()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    started = time.monotonic()
    async with connected(args) as client:
        tickers = await subscribe(client, list(args.symbols or DEFAULT_SYMBOLS))
        for t in tickers:
            # a callback per ticker: the client then measures tick-to-callback latency
            t.on_update.append(_count_update)
        with contextlib.suppress(IBKRError):
            await client.refresh_open_orders()
        beat = loop.create_task(_heartbeat(client))
        deadline = None if args.seconds is None else started + args.seconds
        frames = 0
        if tty:
            out.write(_ENTER)
        try:
            with _keyboard(stop):
                while not stop.is_set():
                    lines = render(client, tickers, started, args.orders, tty)
                    if tty:
                        out.write(_HOME + "".join(line + _CLEAR_LINE + "\n" for line in lines) + _CLEAR_BELOW)
                    else:
                        out.write(("\n" if frames else "") + "\n".join(lines) + "\n")
                    out.flush()
                    frames += 1
                    left = args.interval if deadline is None else min(args.interval, deadline - time.monotonic())
                    if left <= 0:
                        break
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(left):
                            await stop.wait()
        finally:
            beat.cancel()
            if tty:
                out.write(_LEAVE)
                out.flush()
    print(f"ibkr live: {frames} frames in {time.monotonic() - started:.1f} s")
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))
