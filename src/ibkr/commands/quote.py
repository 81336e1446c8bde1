"""ibkr quote: live quotes of US stocks (SMART) as a table that updates in place.

  ibkr quote AAPL MSFT SPY             until Ctrl-C
  ibkr quote AAPL --once               one table once every symbol has a quote
  ibkr quote AAPL --seconds 5          for 5 seconds
  ibkr quote AAPL --once --json        a JSON list (with --seconds: one JSON line per refresh)

An unknown symbol ends the command with exit code 5 before anything is shown.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from typing import Any

from ibkr.client import IBKRClient, Ticker
from ibkr.commands.common import (
    Screen,
    add_connection_arguments,
    add_json_argument,
    connected,
    parse_symbol,
    qualify,
    table,
    to_jsonable,
)

__all__ = ["add_arguments", "run", "subscribe", "quote_table", "quote_dict", "QUOTE_HEADERS"]

QUOTE_HEADERS = ("symbol", "bid", "ask", "last", "bid size", "ask size", "last size", "volume", "updates")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("symbols", nargs="+", metavar="SYMBOL", type=parse_symbol, help="US stock symbols")
    ends = p.add_mutually_exclusive_group()
    ends.add_argument("--once", action="store_true", help="print one table once every symbol has a quote, then exit")
    ends.add_argument("--seconds", type=float, metavar="N", help="stream for N seconds, then exit")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between redraws (default 0.5)")
    add_json_argument(p)
    add_connection_arguments(p)


def quote_dict(t: Ticker) -> dict[str, Any]:
    return {
        "symbol": t.contract.symbol,
        "con_id": t.contract.con_id,
        "bid": t.bid,
        "ask": t.ask,
        "last": t.last,
        "bid_size": t.bid_size,
        "ask_size": t.ask_size,
        "last_size": t.last_size,
        "volume": t.volume,
        "updates": t.updates,
        "time": t.time or None,
    }


def quote_table(tickers: list[Ticker]) -> str:
    rows = [
        [
            t.contract.symbol,
            t.bid,
            t.ask,
            t.last,
            *map(_size, (t.bid_size, t.ask_size, t.last_size, t.volume)),
            t.updates,
        ]
        for t in tickers
    ]
    return table(QUOTE_HEADERS, rows)


def _size(value: float | None) -> int | float | None:
    return int(value) if value is not None and value == int(value) else value


async def subscribe(client: IBKRClient, symbols: list[str]) -> list[Ticker]:
    tickers = []
    for symbol in symbols:
        contract = await qualify(client, symbol)
        tickers.append(await client.subscribe_market_data(contract))
    return tickers


def _has_quote(t: Ticker) -> bool:
    return (t.bid is not None and t.ask is not None) or t.last is not None


async def _wait_quotes(tickers: list[Ticker], timeout: float) -> None:
    try:
        async with asyncio.timeout(timeout):
            for t in tickers:
                while not _has_quote(t):
                    await t.wait_update()
    except TimeoutError:
        missing = ", ".join(t.contract.symbol for t in tickers if not _has_quote(t))
        print(f"ibkr quote: warning: no quote yet for {missing}", file=sys.stderr, flush=True)


async def _stream(tickers: list[Ticker], args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, stop.set)
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    screen = Screen()
    while True:
        if args.json:
            print(json.dumps(to_jsonable([quote_dict(t) for t in tickers])), flush=True)
        else:
            screen.show(quote_table(tickers))
        left = args.interval if deadline is None else min(args.interval, deadline - time.monotonic())
        if left <= 0:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(left):
                await stop.wait()
        if stop.is_set():
            return


async def _main(args: argparse.Namespace) -> int:
    async with connected(args) as client:
        tickers = await subscribe(client, args.symbols)
        await _wait_quotes(tickers, client.config.request_timeout)
        if args.once:
            if args.json:
                print(json.dumps(to_jsonable([quote_dict(t) for t in tickers]), indent=2))
            else:
                print(quote_table(tickers))
            return 0
        await _stream(tickers, args)
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))
