"""ibkr order: place, modify or cancel an order (US stocks on SMART).

  ibkr order place AAPL BUY 100                      market order, waits for TWS's acknowledgement
  ibkr order place AAPL BUY 100 LMT 150.0 --tif GTC  limit order
  ibkr order place AAPL SELL 10 STP --stop-price 140 stop order
  ibkr order place AAPL BUY 100 MKT --wait filled    wait for the fill and show it
  ibkr order modify 12 --price 151.5                 change a working order of this client id
  ibkr order cancel 12                               cancel it (waits for TWS to confirm)
  ibkr order cancel --all                            cancel every open order of the account

Orders belong to the client id that placed them: modify and cancel with the same --client-id.
Exit codes: 2 for an order that fails the local checks, 5 when TWS rejects it (or the order to
modify or cancel does not exist), 4 for a non-paper account without --allow-live.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from decimal import Decimal, InvalidOperation

from ibkr.client import IBKRClient, OrderHandle
from ibkr.client.order_handle import NEEDS_LIMIT, ORDER_TYPES, TIFS
from ibkr.commands.common import (
    CommandError,
    Exit,
    add_connection_arguments,
    add_json_argument,
    connected,
    fmt,
    parse_symbol,
    print_json,
    qualify,
)
from ibkr.commands.orders import fills_table, order_dict
from ibkr.protocol.order_models import Order

__all__ = ["add_arguments", "run", "describe"]

_WAITS = ("none", "ack", "filled", "done")
_USES_AUX = frozenset({"STP", "STP LMT", "MIT", "LIT", "TRAIL", "TRAIL LIMIT", "REL", "PEG MID"})


def _quantity(text: str) -> Decimal:
    try:
        qty = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"invalid quantity {text!r}") from None
    if not qty.is_finite() or qty <= 0:
        raise argparse.ArgumentTypeError(f"quantity must be positive, got {text!r}")
    return qty


def _order_type(text: str) -> str:
    value = text.upper().replace("_", " ")
    if value not in ORDER_TYPES:
        raise argparse.ArgumentTypeError(f"unknown order type {text!r} (one of {', '.join(sorted(ORDER_TYPES))})")
    return value


def _price(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid price {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"invalid price {text!r}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    place = sub.add_parser("place", help="place an order", description="Place an order (US stock on SMART).")
    place.add_argument("symbol", type=parse_symbol, metavar="SYMBOL")
    place.add_argument("side", type=str.upper, choices=("BUY", "SELL"), metavar="SIDE", help="BUY or SELL")
    place.add_argument("quantity", type=_quantity, metavar="QTY")
    place.add_argument(
        "order_type",
        type=_order_type,
        nargs="?",
        default="MKT",
        metavar="TYPE",
        help="MKT (default), LMT, STP, STP LMT, ...",
    )
    place.add_argument("price", type=_price, nargs="?", metavar="PRICE", help="limit price (LMT, STP LMT)")
    place.add_argument("--stop-price", type=_price, help="stop (aux) price for STP / STP LMT")
    place.add_argument("--tif", type=str.upper, default="DAY", choices=sorted(TIFS), help="time in force (default DAY)")
    place.add_argument("--outside-rth", action="store_true", help="allow execution outside regular trading hours")
    place.add_argument("--account", help="account (default: the first managed account)")
    place.add_argument("--wait", choices=_WAITS, default="ack", help="wait for: ack (default), filled, done, none")
    modify = sub.add_parser(
        "modify", help="modify a working order", description="Modify a working order of this client id."
    )
    modify.add_argument("order_id", type=int, metavar="ID")
    modify.add_argument("--price", type=_price, help="new limit price")
    modify.add_argument("--stop-price", type=_price, help="new stop price")
    modify.add_argument("--quantity", type=_quantity, help="new total quantity")
    modify.add_argument("--tif", type=str.upper, choices=sorted(TIFS), help="new time in force")
    cancel = sub.add_parser(
        "cancel", help="cancel an order", description="Cancel an order (or every open order with --all)."
    )
    cancel.add_argument("order_id", type=int, nargs="?", metavar="ID")
    cancel.add_argument("--all", action="store_true", help="cancel every open order of the account (global cancel)")
    for q in (place, modify, cancel):
        add_json_argument(q)
        add_connection_arguments(q)


def describe(h: OrderHandle) -> str:
    o = h.order
    price = ""
    if o.lmt_price:
        price += f" {fmt(o.lmt_price)}"
    if o.aux_price:
        price += f" stop {fmt(o.aux_price)}"
    text = (
        f"order {h.order_id}: {o.action} {fmt(o.total_quantity)} {h.contract.symbol} {o.order_type}{price} {o.tif}"
        f" -> {h.status} (filled {fmt(h.filled)}, remaining {fmt(h.remaining)}"
    )
    if h.avg_fill_price:
        text += f", avg price {fmt(h.avg_fill_price)}"
    return text + ")"


def _report(h: OrderHandle, args: argparse.Namespace) -> None:
    if args.json:
        print_json(order_dict(h))
        return
    print(describe(h))
    if h.fills:
        print(fills_table(h.fills))


async def _place(client: IBKRClient, args: argparse.Namespace) -> int:
    contract = await qualify(client, args.symbol)
    needs_price = args.order_type in NEEDS_LIMIT
    stop = args.stop_price
    if args.order_type == "STP" and stop is None:
        stop, args.price = args.price, None
    order = Order(
        action=args.side,
        total_quantity=args.quantity,
        order_type=args.order_type,
        lmt_price=args.price if needs_price else None,
        aux_price=stop,
        tif=args.tif,
        outside_rth=args.outside_rth,
        account=args.account or "",
    )
    handle = await client.submit_order(contract, order, wait_ack=args.wait != "none")
    timeout = client.config.request_timeout
    if args.wait == "filled":
        await handle.wait_filled(timeout)
    elif args.wait == "done":
        await handle.wait_done(timeout)
    # the commission report follows its execution: give the last fill's a moment to arrive
    if _commission_missing(handle):
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                async for _ in handle.updates():
                    if not _commission_missing(handle):
                        break
    _report(handle, args)
    return 0


def _commission_missing(handle: OrderHandle) -> bool:
    return any(f.commission is None for f in handle.fills)


async def _own_order(client: IBKRClient, order_id: int) -> OrderHandle:
    open_ids = {h.order_id for h in await client.refresh_open_orders()}
    if order_id not in open_ids:
        raise CommandError(
            f"no open order {order_id} for client id {client.client_id} "
            "(orders belong to the client id that placed them)",
            Exit.REFUSED,
        )
    handle = client.order(order_id)
    _unset_zero_prices(handle.order)
    return handle


def _unset_zero_prices(order: Order) -> None:
    """An OPEN_ORDER writes 0 for the prices an order type does not use; taken as they are, a
    modify would send (and the local checks would refuse) a stop price of 0 for a LMT order."""
    if order.aux_price == 0 and order.order_type not in _USES_AUX:
        order.aux_price = None
    if order.lmt_price == 0 and order.order_type not in NEEDS_LIMIT:
        order.lmt_price = None


async def _modify(client: IBKRClient, args: argparse.Namespace) -> int:
    handle = await _own_order(client, args.order_id)
    await client.modify_order(
        args.order_id, price=args.price, stop_price=args.stop_price, quantity=args.quantity, tif=args.tif
    )
    try:
        async with asyncio.timeout(client.config.request_timeout):
            async for _ in handle.updates():
                break
    except TimeoutError:
        raise CommandError(f"order {args.order_id}: the modification was not confirmed by TWS") from None
    if handle.error is not None:
        raise handle.error
    _report(handle, args)
    return 0


async def _cancel(client: IBKRClient, args: argparse.Namespace) -> int:
    if args.all:
        await client.cancel_all_orders()
        print("global cancel sent: every open order of the account is being cancelled")
        return 0
    handle = await _own_order(client, args.order_id)
    await client.cancel_order(args.order_id)
    _report(handle, args)
    return 0


_ACTIONS = {"place": _place, "modify": _modify, "cancel": _cancel}


def _check(args: argparse.Namespace) -> None:
    """What can be refused before connecting."""
    if args.action == "place":
        if args.order_type in NEEDS_LIMIT and args.price is None:
            raise CommandError(f"a {args.order_type} order needs a PRICE", Exit.USAGE)
        if args.order_type in ("STP", "STP LMT") and args.price is None and args.stop_price is None:
            raise CommandError(f"a {args.order_type} order needs --stop-price", Exit.USAGE)
    elif args.action == "modify":
        if args.price is None and args.stop_price is None and args.quantity is None and args.tif is None:
            raise CommandError("nothing to modify: give --price, --stop-price, --quantity or --tif", Exit.USAGE)
    elif args.order_id is None and not args.all:
        raise CommandError("give an order ID or --all", Exit.USAGE)


async def _main(args: argparse.Namespace) -> int:
    _check(args)
    async with connected(args) as client:
        return await _ACTIONS[args.action](client, args)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))
