"""The typed events of a data stream: what ``IBKRDataStream.events()`` yields and what the
``'updates'`` lists of the dict callbacks hold (with ``use_native_parsing=False``).

Every update carries ``recv_ns``: the monotonic ns (``time.monotonic_ns``) at which the socket
read that brought it was dispatched (``IBKRClient.batch_ns``). ``kind`` is a class constant used
for conflation and for the tuple form of the fast path (``use_native_parsing=True``), where an
update is the plain tuple ``(kind, symbol, *fields)`` in the field order of its class here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "DataType",
    "TRADE",
    "QUOTE",
    "DEPTH",
    "BOOK",
    "GAP",
    "BAR",
    "ENDED",
    "Trade",
    "Quote",
    "DepthUpdate",
    "BookState",
    "Gap",
    "Ended",
    "Bar",
    "Update",
    "typed",
]


class DataType(enum.Enum):
    """What a subscription asks for: L1 prints, L1 quotes (both from REQ_MKT_DATA) or L2 depth
    (REQ_MKT_DEPTH)."""

    TRADES = "trades"
    QUOTES = "quotes"
    DEPTH = "depth"


TRADE, QUOTE, DEPTH, BOOK, GAP, BAR, ENDED = "trade", "quote", "depth", "book", "gap", "bar", "ended"


@dataclass(slots=True)
class Trade:
    """A print: TICK_PRICE LAST (with its size), or a TICK_SIZE LAST_SIZE that was not the echo of
    the price tick just before it (a new print at an unchanged price)."""

    kind: ClassVar[str] = TRADE
    symbol: str
    price: float
    size: float
    recv_ns: int


@dataclass(slots=True)
class Quote:
    """The top of book after a change of bid, ask or one of their sizes (None: not known yet, or
    TWS reported no bid / no ask)."""

    kind: ClassVar[str] = QUOTE
    symbol: str
    bid: float | None
    ask: float | None
    bid_size: float | None
    ask_size: float | None
    recv_ns: int


@dataclass(slots=True)
class DepthUpdate:
    """One MARKET_DEPTH / MARKET_DEPTH_L2 row: ``operation`` 0 insert, 1 update, 2 delete at
    ``position``; ``side`` 0 ask, 1 bid (TWS's codes)."""

    kind: ClassVar[str] = DEPTH
    symbol: str
    position: int
    operation: int
    side: int
    price: float
    size: float
    market_maker: str
    recv_ns: int


@dataclass(slots=True)
class BookState:
    """The depth book as a whole: what conflation delivers instead of the rows of an interval
    (rows cannot be merged: an insert shifts every level below it). Levels are (price, size),
    best first."""

    kind: ClassVar[str] = BOOK
    symbol: str
    bids: tuple[tuple[float, float], ...]
    asks: tuple[tuple[float, float], ...]
    recv_ns: int


@dataclass(slots=True)
class Gap:
    """The connection carrying this symbol was lost between ``lost_ns`` and ``restored_ns``
    (monotonic ns) and the subscriptions were sent again: updates may be missing in between, and
    the depth book was emptied (TWS sends it again)."""

    kind: ClassVar[str] = GAP
    symbol: str
    lost_ns: int
    restored_ns: int
    reason: str
    recv_ns: int


@dataclass(slots=True)
class Ended:
    """TWS ended one of the symbol's subscriptions with an error (e.g. 354: not subscribed to that
    market data): ``what`` is ``"l1"`` or ``"depth"``; no more updates of that kind will come."""

    kind: ClassVar[str] = ENDED
    symbol: str
    what: str
    error: str
    code: int | None
    recv_ns: int


@dataclass(slots=True)
class Bar:
    """A time bar of a subscription's trades (after its filters). ``start`` is epoch seconds,
    aligned to the interval; ``vwap`` is the bar's volume-weighted price; ``recv_ns`` the receive
    time of the trade that completed it (the first trade of the next bar)."""

    kind: ClassVar[str] = BAR
    symbol: str
    start: float
    interval: float
    open: float
    high: float
    low: float
    close: float
    volume: float
    vwap: float
    count: int
    recv_ns: int = 0


Update = Trade | Quote | DepthUpdate | BookState | Gap | Bar | Ended

_BY_KIND: dict[str, Any] = {
    TRADE: Trade,
    QUOTE: Quote,
    DEPTH: DepthUpdate,
    BOOK: BookState,
    GAP: Gap,
    BAR: Bar,
    ENDED: Ended,
}


def typed(update: Any) -> Any:
    """The typed event of an update in either form (a tuple of the fast path, or already typed)."""
    if type(update) is tuple:
        return _BY_KIND[update[0]](*update[1:])
    return update
