"""High-rate market data: ``IBKRDataStream`` (the seed's data stream) and its parts.

``stream`` (the facade), ``symbol`` (per-symbol state and the hot path), ``consumer`` (one
subscription's filters, bars and delivery), ``batching`` (batching, conflation, overflow),
``ring`` (preallocated history buffers: one L1 ring per symbol, one depth ring), ``snapshot``
(L1 snapshot and depth book), ``aggregate`` (filters, bars, VWAP), ``stats`` and ``events`` (the
typed events). See docs/stream.md.
"""

from __future__ import annotations

from ibkr.config import StreamConfig
from ibkr.stream.aggregate import BarAggregator, Filter, Vwap
from ibkr.stream.batching import Pending
from ibkr.stream.consumer import StreamSubscription
from ibkr.stream.events import Bar, BookState, DataType, DepthUpdate, Ended, Gap, Quote, Trade, Update, typed
from ibkr.stream.ring import DepthRing, History, L1Ring, QuoteHistory, Ring, TradeHistory
from ibkr.stream.snapshot import Book, Level, Snapshot
from ibkr.stream.stats import BufferUse, StreamStatistics, SubscriptionStatistics, SymbolStatistics
from ibkr.stream.stream import IBKRDataStream

__all__ = [
    "IBKRDataStream",
    "StreamConfig",
    "StreamSubscription",
    "DataType",
    "Trade",
    "Quote",
    "DepthUpdate",
    "BookState",
    "Gap",
    "Ended",
    "Bar",
    "Update",
    "typed",
    "Snapshot",
    "Book",
    "Level",
    "Ring",
    "L1Ring",
    "History",
    "TradeHistory",
    "QuoteHistory",
    "DepthRing",
    "Pending",
    "Filter",
    "BarAggregator",
    "Vwap",
    "StreamStatistics",
    "SymbolStatistics",
    "SubscriptionStatistics",
    "BufferUse",
]
