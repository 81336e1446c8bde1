"""ibkr latency: measure a live session and print latency percentiles (microseconds).

It connects (timed), makes --count REQ_CURRENT_TIME round trips (30 a second, below the
pacing limit, so that no pacing delay is measured), and, on a paper account, places
--orders resting limit orders (a BUY of 1 share well below the bid, which cannot fill) and
cancels each one: order acknowledgement and cancel confirmation times. Orders are never placed on
a non-paper account, even with --allow-live; --orders 0 skips them.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from decimal import Decimal

from ibkr.commands.common import (
    LATENCY_HEADERS,
    CommandError,
    Exit,
    add_connection_arguments,
    add_json_argument,
    connected,
    latency_rows,
    parse_symbol,
    print_json,
    qualify,
    table,
)
from ibkr.gateway import is_paper_account
from ibkr.metrics import LatencyHistogram, LatencySnapshot
from ibkr.protocol.order_models import Order

__all__ = ["add_arguments", "run"]

#: seconds between requests: 30/s stays below the client's pacing (45/s, bursts of 9), whose
#: queueing delay would otherwise be measured as round-trip time
_SPACING = 1 / 30


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--count", type=int, default=20, help="REQ_CURRENT_TIME round trips (default 20)")
    p.add_argument("--orders", type=int, default=5, help="order place + cancel cycles on paper (default 5; 0: none)")
    p.add_argument("--symbol", type=parse_symbol, default="AAPL", help="symbol of the test orders (default AAPL)")
    add_json_argument(p)
    add_connection_arguments(p)


async def _main(args: argparse.Namespace) -> int:
    if args.count < 0 or args.orders < 0:
        raise CommandError("--count and --orders must be >= 0", Exit.USAGE)
    connect = LatencyHistogram()
    cancel = LatencyHistogram()
    t0 = time.monotonic_ns()
    notes: list[str] = []
    async with connected(args) as client:
        connect.record(time.monotonic_ns() - t0)
        for _ in range(args.count):
            await client.get_server_time()
            await asyncio.sleep(_SPACING)
        accounts = client.accounts
        if args.orders and not all(is_paper_account(a) for a in accounts):
            notes.append("order round trips skipped: not a paper account")
        elif args.orders:
            contract = await qualify(client, args.symbol)
            ticker = await client.subscribe_market_data(contract)
            while ticker.bid is None or ticker.bid <= 0:
                await ticker.wait_update(client.config.request_timeout)
            price = round(ticker.bid * 0.97, 2)
            for _ in range(args.orders):
                order = Order(action="BUY", total_quantity=Decimal(1), order_type="LMT", lmt_price=price, tif="DAY")
                handle = await client.submit_order(contract, order)
                c0 = time.monotonic_ns()
                await client.cancel_order(handle.order_id)
                cancel.record(time.monotonic_ns() - c0)
                await asyncio.sleep(2 * _SPACING)
            client.cancel_market_data(ticker)
        report: dict[str, LatencySnapshot] = {"connect": connect.snapshot(), **client.get_latency_report()}
        report["order_cancel"] = cancel.snapshot()
        where = f"{client.config.host}:{client.config.port}"
    if args.json:
        print_json({"endpoint": where, "latency_us": report, "notes": notes})
        return 0
    print(f"latency of a session with {where} (microseconds)")
    print(table(LATENCY_HEADERS, latency_rows(report, skip_empty=True)))
    for note in notes:
        print(note)
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))
