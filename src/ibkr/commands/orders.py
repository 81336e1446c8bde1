"""ibkr orders: the open orders of this client id, as TWS reports them (REQ_OPEN_ORDERS).

With --client-id 0 (TWS's master client id) the list holds the orders of every API client.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from ibkr.client import Fill, OrderHandle
from ibkr.commands.common import add_connection_arguments, add_json_argument, connected, print_json, table

__all__ = ["add_arguments", "run", "order_dict", "orders_table", "fills_table", "fill_dict", "ORDER_HEADERS"]

ORDER_HEADERS = (
    "id",
    "symbol",
    "side",
    "qty",
    "type",
    "limit",
    "stop",
    "tif",
    "status",
    "filled",
    "remaining",
    "avg price",
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_json_argument(p)
    add_connection_arguments(p)


def order_dict(h: OrderHandle) -> dict[str, Any]:
    o = h.order
    return {
        "order_id": h.order_id,
        "perm_id": h.perm_id,
        "symbol": h.contract.symbol,
        "con_id": h.contract.con_id,
        "side": o.action,
        "quantity": o.total_quantity,
        "order_type": o.order_type,
        "limit_price": o.lmt_price or None,
        "stop_price": o.aux_price or None,
        "tif": o.tif,
        "account": o.account,
        "status": h.status,
        "filled": h.filled,
        "remaining": h.remaining,
        "avg_fill_price": h.avg_fill_price or None,
        "fills": [fill_dict(f) for f in h.fills],
    }


def orders_table(handles: list[OrderHandle]) -> str:
    return table(
        ORDER_HEADERS,
        [
            [h.order_id, h.contract.symbol, h.order.action, h.order.total_quantity, h.order.order_type,
             h.order.lmt_price or None, h.order.aux_price or None, h.order.tif, h.status, h.filled, h.remaining,
             h.avg_fill_price or None]
            for h in handles
        ],
        empty="(no open orders)",
    )  # fmt: skip


def fill_dict(f: Fill) -> dict[str, Any]:
    e = f.execution
    return {
        "exec_id": e.exec_id,
        "order_id": e.order_id,
        "symbol": f.contract.symbol,
        "side": e.side,
        "shares": e.shares,
        "price": e.price,
        "time": e.time,
        "exchange": e.exchange,
        "account": e.acct_number,
        "commission": f.commission.commission if f.commission is not None else None,
    }


def fills_table(fills: list[Fill]) -> str:
    rows = [
        [d["order_id"], d["symbol"], d["side"], d["shares"], d["price"], d["commission"], d["exchange"], d["time"]]
        for d in map(fill_dict, fills)
    ]
    return table(
        ("order", "symbol", "side", "shares", "price", "commission", "exchange", "time"), rows, empty="(no fills)"
    )


async def _main(args: argparse.Namespace) -> int:
    async with connected(args) as client:
        handles = [h for h in await client.refresh_open_orders() if not h.is_done]
        if args.json:
            print_json([order_dict(h) for h in handles])
        else:
            print(orders_table(handles))
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))
