"""IBKRClient: the asyncio trading client (orders, market data, account) with reconnect,
reconciliation, pacing and latency tracking. See ``base.py`` for the plumbing, ``orders.py`` for
orders and reconciliation, ``contracts.py``, ``market.py``, ``history.py`` and ``account.py`` for
the rest, and ``blocking.py`` for use from other threads."""

from __future__ import annotations

from ibkr.client.account import (
    AccountMixin,
    AccountSummaryItem,
    AccountValue,
    Pnl,
    PnlSingle,
    PortfolioItem,
    Position,
)
from ibkr.client.base import ClientBase, LatencyReport
from ibkr.client.blocking import BlockingClient
from ibkr.client.contracts import Forex, Future, Option, Stock
from ibkr.client.events import ConnectionEvent, ConnectionState, TWSWarning
from ibkr.client.history import Bar, HistoricalMixin, RealTimeBars
from ibkr.client.market import DepthBook, DepthLevel, MarketDataMixin, Ticker
from ibkr.client.order_handle import Fill, OrderHandle, Reconciliation
from ibkr.client.orders import OrdersMixin
from ibkr.client.requests import Gap, Subscription
from ibkr.config import ConnectionConfig, OrderPolicy
from ibkr.gateway import IBKRGateway

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


class IBKRClient(MarketDataMixin, HistoricalMixin, AccountMixin, OrdersMixin):
    """The trading client. ``await client.connect()``, then orders, data and account calls;
    ``await client.aclose()`` (or ``async with IBKRClient(config) as client``)."""

    def __init__(self, config: ConnectionConfig | None = None, *, gateway: IBKRGateway | None = None) -> None:
        super().__init__(config, gateway=gateway)
        self._contracts_init()
        self._orders_init()
        self._market_init()
        self._account_init()

    async def __aenter__(self) -> IBKRClient:
        await self.connect()
        return self


_ = ClientBase
