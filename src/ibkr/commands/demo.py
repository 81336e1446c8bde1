"""ibkr demo: a short trading session, start to finish, then exit 0.

With no arguments it starts the embedded simulator in this process on a free loopback port (a
paper exchange speaking the real TWS protocol), connects an IBKRClient, streams quotes of AAPL,
MSFT and SPY for a few seconds, places a market order, a marketable limit order and a resting
limit order (which it then cancels), and shows the fills, the positions, the account and a
latency report.

With --host / --port it runs the same session against that TWS / IB Gateway instead: use a
paper account (the live guard refuses live ports without --allow-live; orders never go to a
non-paper account without it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal

from ibkr.client import IBKRClient, OrderHandle, Ticker
from ibkr.commands.common import (
    DEFAULT_SYMBOLS,
    LATENCY_HEADERS,
    Screen,
    add_connection_arguments,
    check_live_guard,
    connection_config,
    latency_rows,
    parse_symbol,
    probe,
    table,
)
from ibkr.commands.order import describe
from ibkr.commands.orders import fills_table
from ibkr.commands.positions import positions_table
from ibkr.commands.quote import quote_table, subscribe
from ibkr.config import ConnectionConfig
from ibkr.errors import IBKRError, RequestTimeout
from ibkr.protocol.order_models import Order

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "symbols", nargs="*", type=parse_symbol, metavar="SYMBOL", help="symbols to stream (default AAPL MSFT SPY)"
    )
    p.add_argument("--seconds", type=float, default=3.0, help="seconds of streaming quotes (default 3)")
    p.add_argument("--seed", type=int, default=1, help="seed of the embedded simulator's prices (default 1)")
    add_connection_arguments(p)


def _say(text: str) -> None:
    print(text, flush=True)


def _section(title: str) -> None:
    _say(f"\n== {title}")


async def _stream_quotes(tickers: list[Ticker], seconds: float) -> None:
    screen = Screen()
    deadline = time.monotonic() + seconds
    while True:
        screen.show(quote_table(tickers))
        left = deadline - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(1.0 if not screen.tty else 0.25, left))


def _on_quote(ticker: Ticker) -> None:
    pass


def _round(price: float) -> float:
    return round(price + 1e-9, 2)


async def _orders(client: IBKRClient, tickers: list[Ticker]) -> list[OrderHandle]:
    """A market order, a marketable limit order, a resting limit order that is then cancelled."""
    timeout = client.config.request_timeout
    first, second, third = (tickers * 3)[:3]
    handles: list[OrderHandle] = []

    async def place(
        ticker: Ticker, side: str, qty: int, price: float | None, then: Callable[[OrderHandle], Awaitable[object]]
    ) -> OrderHandle:
        order = Order(
            action=side,
            total_quantity=Decimal(qty),
            order_type="MKT" if price is None else "LMT",
            lmt_price=price,
            tif="DAY",
        )
        handle = await client.submit_order(ticker.contract, order)
        handles.append(handle)
        try:
            await then(handle)
        except RequestTimeout as exc:
            _say(f"  ({exc}; is the market open?)")
        _say("  " + describe(handle))
        return handle

    _say(f"market order: BUY 100 {first.contract.symbol}")
    await place(first, "BUY", 100, None, lambda h: h.wait_filled(timeout))

    ask = second.ask or second.market_price or 0.0
    limit = _round(ask * 1.001)
    _say(f"marketable limit order: BUY 50 {second.contract.symbol} LMT {limit:.2f} (ask {ask:.2f})")
    await place(second, "BUY", 50, limit, lambda h: h.wait_filled(timeout))

    bid = third.bid or third.market_price or 0.0
    resting = _round(bid * 0.98)
    _say(f"resting limit order: BUY 10 {third.contract.symbol} LMT {resting:.2f} (bid {bid:.2f}), then cancel it")
    handle = await place(third, "BUY", 10, resting, lambda h: h.wait_for("Submitted", "PreSubmitted", timeout=timeout))
    await client.cancel_order(handle.order_id)
    _say("  " + describe(handle))
    return handles


async def _commissions(client: IBKRClient) -> None:
    """Commission reports follow their executions: wait a moment for the last ones."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(2.0):
            while any(f.commission is None for f in client.fills):
                await asyncio.sleep(0.02)


async def _session(config: ConnectionConfig, symbols: list[str], seconds: float, where: str) -> int:
    started = time.monotonic()
    client = IBKRClient(config)
    await client.connect()
    try:
        session = client.gateway.session(0)
        _say(
            f"connected to {where} ({config.host}:{config.port}): server version {session.server_version}, "
            f"client id {client.client_id}, accounts {', '.join(client.accounts) or '-'}"
        )
        _section(f"quotes: {', '.join(symbols)} for {seconds:g} s")
        tickers = await subscribe(client, symbols)
        for t in tickers:
            t.on_update.append(_on_quote)  # with a callback the client measures tick-to-callback
        await _stream_quotes(tickers, seconds)

        _section("orders")
        handles = await _orders(client, tickers)
        await _commissions(client)

        _section("fills")
        _say(fills_table(client.fills))

        _section("positions")
        _say(positions_table(await client.get_positions()))

        _section("account")
        # the orders above used up the pacer's burst (9 messages per 0.2 s): let it refill, so that
        # the request round trips below measure TWS, not the client's own pacing queue
        await asyncio.sleep(0.25)
        summary = await client.get_account_summary("NetLiquidation,TotalCashValue,BuyingPower")
        _say(table(("account", "tag", "value", "currency"), [[i.account, i.tag, i.value, i.currency] for i in summary]))

        # a few round trips, spaced below the pacing rate (45/s) so that no queueing is measured
        for _ in range(5):
            await asyncio.sleep(1 / 30)
            await client.get_server_time()
        _section("latency (microseconds, this session)")
        _say(table(LATENCY_HEADERS, latency_rows(client.get_latency_report(), skip_empty=True)))

        for h in handles:
            if not h.is_done:
                with contextlib.suppress(IBKRError):
                    await client.cancel_order(h.order_id)
    finally:
        await client.aclose()
    _say(f"\ndemo finished in {time.monotonic() - started:.1f} s")
    return 0


async def _main(args: argparse.Namespace) -> int:
    symbols = list(args.symbols or DEFAULT_SYMBOLS)
    if args.host is None and args.port is None:
        from ibkr.sim import SimConfig, Simulator

        async with Simulator(SimConfig(ports=(0,), seed=args.seed)) as sim:
            config = connection_config(args, host="127.0.0.1", port=sim.port)
            return await _session(config, symbols, args.seconds, "the embedded simulator")
    config = connection_config(args)
    check_live_guard(config)
    await probe(config.host, config.port, config.connect_timeout)
    return await _session(config, symbols, args.seconds, "TWS / IB Gateway")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))
