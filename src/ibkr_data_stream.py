"""Seed compatibility module: ``from ibkr_data_stream import IBKRDataStream, StreamConfig, DataType``."""

from __future__ import annotations

from ibkr.config import StreamConfig
from ibkr.stream import (
    Bar,
    BookState,
    DataType,
    DepthUpdate,
    Gap,
    IBKRDataStream,
    Quote,
    Snapshot,
    StreamStatistics,
    StreamSubscription,
    Trade,
)

__all__ = [
    "IBKRDataStream",
    "StreamConfig",
    "DataType",
    "StreamSubscription",
    "Snapshot",
    "Trade",
    "Quote",
    "DepthUpdate",
    "BookState",
    "Gap",
    "Bar",
    "StreamStatistics",
]
