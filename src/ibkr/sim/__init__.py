"""``ibkr sim``: a TWS / IB Gateway simulator (a paper exchange speaking the real TWS protocol).

The engine is pure, synchronous and deterministic (clock and seed injected): ``Exchange`` holds the
instruments, price processes, depth books, orders, executions and accounts, and returns typed
events (``ibkr.sim.events``) that the server glue turns into protocol messages.
"""

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
    "SystemClock",
    "TradeUpdate",
    "UNIVERSE",
    "Universe",
    "WhatIf",
    "apply_depth_ops",
    "build_universe",
]
