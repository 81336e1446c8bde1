"""ibkr positions: every non-zero position of every account (REQ_POSITIONS)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from ibkr.client import Position
from ibkr.commands.common import add_connection_arguments, add_json_argument, connected, print_json, table

__all__ = ["add_arguments", "run", "position_dict", "positions_table"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_json_argument(p)
    add_connection_arguments(p)


def position_dict(p: Position) -> dict[str, Any]:
    c = p.contract
    return {
        "account": p.account,
        "symbol": c.symbol,
        "sec_type": c.sec_type,
        "currency": c.currency,
        "con_id": c.con_id,
        "position": p.position,
        "avg_cost": p.avg_cost,
    }


def positions_table(positions: list[Position]) -> str:
    rows = [
        [p.account, p.contract.symbol, p.contract.sec_type, p.contract.currency, p.position, p.avg_cost]
        for p in sorted(positions, key=lambda p: (p.account, p.contract.symbol))
    ]
    return table(("account", "symbol", "type", "currency", "position", "avg cost"), rows, empty="(no positions)")


async def _main(args: argparse.Namespace) -> int:
    async with connected(args) as client:
        positions = await client.get_positions()
        if args.json:
            print_json([position_dict(p) for p in positions])
        else:
            print(positions_table(positions))
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))
