"""``ibkr sim``: a TWS / IB Gateway simulator (a paper exchange speaking the real TWS protocol).

The engine is pure, synchronous and deterministic (clock and seed injected): ``Exchange`` holds the
instruments, price processes, depth books, orders, executions and accounts, and returns typed
events (``ibkr.sim.events``) that the server glue turns into protocol messages.

The server side (``Simulator``, ``SimConfig``; ``server``, ``session``, ``handlers``, ``router``,
``feed``, ``faults``, ``cli``) speaks the real TWS protocol in the server role over asyncio sockets::

    async with Simulator(SimConfig(ports=(0,))) as sim:
        ...  # connect any TWS API client to 127.0.0.1:sim.port
"""

import importlib
from typing import Any

from ibkr.sim.account import Account, AccountSummary, AccountValue, PnlSingle, PortfolioRow, Position
from ibkr.sim.book import DepthBook, DepthOp, Level, apply_depth_ops
from ibkr.sim.clock import Clock, ManualClock, SystemClock
from ibkr.sim.events import (
    Commission,
    DepthUpdate,
    Event,
    Execution,
    OrderError,
    OrderUpdate,
    PositionUpdate,
    QuoteUpdate,
    TradeUpdate,
    WhatIf,
)
from ibkr.sim.exchange import DEFAULT_ACCOUNT, ContractRef, Exchange
from ibkr.sim.instruments import UNIVERSE, ContractQuery, Instrument, Universe, build_universe
from ibkr.sim.orders import Order, OrderSpec
from ibkr.sim.prices import PriceProcess, Quote

__all__ = [
    "Account",
    "AccountSummary",
    "AccountValue",
    "Clock",
    "Commission",
    "ContractQuery",
    "ContractRef",
    "DEFAULT_ACCOUNT",
    "DepthBook",
    "DepthOp",
    "DepthUpdate",
    "Event",
    "Exchange",
    "Execution",
    "Instrument",
    "Level",
    "ManualClock",
    "Order",
    "OrderError",
    "OrderSpec",
    "OrderUpdate",
    "PnlSingle",
    "PortfolioRow",
    "Position",
    "PositionUpdate",
    "PriceProcess",
    "Quote",
    "QuoteUpdate",
    "SimConfig",
    "Simulator",
    "SystemClock",
    "TradeUpdate",
    "UNIVERSE",
    "Universe",
    "WhatIf",
    "apply_depth_ops",
    "build_universe",
]


#: the server side, imported on first use (the engine modules stay free of asyncio)
_LAZY = {"Simulator": "ibkr.sim.server", "SimConfig": "ibkr.sim.server"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ibkr.sim' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
