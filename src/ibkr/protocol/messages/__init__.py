"""Typed TWS messages by domain. Importing this package registers every message class.

* ``system``: START_API, order ids, accounts list, server time, ERR_MSG
* ``market_data``: L1 market data requests and ticks
* ``tick_by_tick``: tick-by-tick data
* ``depth``: market depth (order book rows)
* ``fast``: hot-path helpers of the fast decoders (no messages)
* ``historical``: historical and real-time bars
* ``orders``: placing and cancelling orders, order status (``order_wire``: their shared codecs)
* ``step_compiler``: the order step lists compiled per server version (no messages)
* ``open_order``: OPEN_ORDER and COMPLETED_ORDER
* ``executions``: executions and commissions
* ``account``: positions, account values and summary, portfolio, PnL
* ``contracts``: contract details
* ``reference``: display groups, market rules, soft-dollar tiers and other reference data
* ``options``: option chains, option computations, EFP ticks
* ``news``: bulletins, news providers, articles, historical news, news ticks
* ``scanner``: scanner parameters, subscriptions and results
* ``historical_ticks``: head timestamp, histograms, historical ticks, trading schedules
"""

from __future__ import annotations

from ibkr.protocol.messages import (
    account,
    contracts,
    depth,
    executions,
    historical,
    historical_ticks,
    market_data,
    news,
    open_order,
    options,
    orders,
    reference,
    scanner,
    system,
    tick_by_tick,
)
from ibkr.protocol.messages.account import *  # noqa: F403
from ibkr.protocol.messages.contracts import *  # noqa: F403
from ibkr.protocol.messages.depth import *  # noqa: F403
from ibkr.protocol.messages.executions import *  # noqa: F403
from ibkr.protocol.messages.historical import *  # noqa: F403
from ibkr.protocol.messages.historical_ticks import *  # noqa: F403
from ibkr.protocol.messages.market_data import *  # noqa: F403
from ibkr.protocol.messages.news import *  # noqa: F403
from ibkr.protocol.messages.open_order import *  # noqa: F403
from ibkr.protocol.messages.options import *  # noqa: F403
from ibkr.protocol.messages.orders import *  # noqa: F403
from ibkr.protocol.messages.reference import *  # noqa: F403
from ibkr.protocol.messages.scanner import *  # noqa: F403
from ibkr.protocol.messages.system import *  # noqa: F403
from ibkr.protocol.messages.tick_by_tick import *  # noqa: F403

__all__ = [
    *system.__all__,
    *market_data.__all__,
    *tick_by_tick.__all__,
    *depth.__all__,
    *historical.__all__,
    *orders.__all__,
    *open_order.__all__,
    *executions.__all__,
    *account.__all__,
    *contracts.__all__,
    *reference.__all__,
    *options.__all__,
    *news.__all__,
    *scanner.__all__,
    *historical_ticks.__all__,
]
