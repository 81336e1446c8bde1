"""Seed compatibility module: ``from ibkr_client import IBKRClient, ConnectionConfig``.

Everything here is re-exported from ``ibkr.client`` (the asyncio client and its public types) and
``ibkr.client.blocking`` (``BlockingClient``, the thread-safe blocking facade).
"""

from __future__ import annotations

from ibkr.client import (
    AccountSummaryItem,
    AccountValue,
    Bar,
    BlockingClient,
    ConnectionConfig,
    ConnectionEvent,
    ConnectionState,
    DepthBook,
    DepthLevel,
    Fill,
    Forex,
    Future,
    Gap,
    IBKRClient,
    LatencyReport,
    Option,
    OrderHandle,
    OrderPolicy,
    Pnl,
    PnlSingle,
    PortfolioItem,
    Position,
    RealTimeBars,
    Reconciliation,
    Stock,
    Subscription,
    Ticker,
    TWSWarning,
)

__all__ = [
    "IBKRClient",
    "BlockingClient",
    "ConnectionConfig",
    "OrderPolicy",
    "ConnectionEvent",
    "ConnectionState",
    "TWSWarning",
    "Fill",
    "OrderHandle",
    "Reconciliation",
    "Gap",
    "Subscription",
    "LatencyReport",
    "Stock",
    "Option",
    "Future",
    "Forex",
    "Ticker",
    "DepthBook",
    "DepthLevel",
    "Bar",
    "RealTimeBars",
    "Position",
    "AccountValue",
    "PortfolioItem",
    "AccountSummaryItem",
    "Pnl",
    "PnlSingle",
]
