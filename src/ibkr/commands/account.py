"""ibkr account: the values of one account (REQ_ACCT_DATA), or the summary of every account
(REQ_ACCOUNT_SUMMARY) with --summary.

  ibkr account                               every value of the first managed account
  ibkr account --keys NetLiquidation,BuyingPower
  ibkr account --summary [--tags NetLiquidation,TotalCashValue]
  ibkr account --pnl                         daily / unrealized / realized PnL
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from ibkr.commands.common import add_connection_arguments, add_json_argument, connected, print_json, table

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    what = p.add_mutually_exclusive_group()
    what.add_argument("--summary", action="store_true", help="the account summary of every account")
    what.add_argument("--pnl", action="store_true", help="the account's daily, unrealized and realized PnL")
    p.add_argument("--account", help="account code (default: the first managed account)")
    p.add_argument("--keys", help="comma-separated keys to show (values), e.g. NetLiquidation,BuyingPower")
    p.add_argument("--tags", default="All", help="comma-separated summary tags (--summary; default All)")
    add_json_argument(p)
    add_connection_arguments(p)


def _keys(text: str | None) -> set[str] | None:
    return {k.strip() for k in text.split(",") if k.strip()} if text else None


async def _main(args: argparse.Namespace) -> int:
    async with connected(args) as client:
        if args.pnl:
            pnl = await client.get_pnl(args.account)
            if args.json:
                print_json(pnl)
            else:
                print(table(("account", "daily PnL", "unrealized PnL", "realized PnL"),
                            [[pnl.account, pnl.daily_pnl, pnl.unrealized_pnl, pnl.realized_pnl]]))  # fmt: skip
            return 0
        keys = _keys(args.keys)
        rows: list[dict[str, Any]]
        if args.summary:
            items = await client.get_account_summary(args.tags)
            rows = [{"account": i.account, "key": i.tag, "value": i.value, "currency": i.currency} for i in items]
        else:
            values = await client.get_account_values(args.account)
            rows = [
                {"account": v.account, "key": v.key, "value": v.value, "currency": v.currency}
                for v in sorted(values.values(), key=lambda v: (v.key, v.currency))
            ]
        if keys is not None:
            rows = [r for r in rows if r["key"] in keys]
        if args.json:
            print_json(rows)
        else:
            print(table(("account", "key", "value", "currency"), [list(r.values()) for r in rows], empty="(no values)"))
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))
