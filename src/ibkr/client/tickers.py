"""Live market-data state objects: L1 ``Ticker`` and ``DepthBook``, updated in place.

* ``Ticker``: the L1 state of one subscription (REQ_MKT_DATA). Every TICK_PRICE, TICK_SIZE,
  TICK_STRING and TICK_GENERIC lands in a slot through a per-tick-type table of slot setters
  (``PRICE_SLOTS`` ...; delayed types 66-76 / 88 / 90 share the live slots); a TICK_PRICE for bid,
  ask or last also sets the matching size. Unmapped tick types go to ``extra``.
* ``DepthBook``: bids and asks maintained from MARKET_DEPTH / MARKET_DEPTH_L2 insert, update and
  delete rows; emptied on error 317 (TWS resets the book) and after a reconnect.

Both notify once per received batch (``LiveData``): callbacks in the socket callback, conflating
async iterators for consumers that may be slow. ``ibkr.client.market`` feeds them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from ibkr.client.requests import Subscription
from ibkr.errors import IBKRError, RequestTimeout
from ibkr.protocol.ids import TickType
from ibkr.protocol.models import Contract

__all__ = [
    "quote_mid",
    "quote_spread",
    "LiveData",
    "Ticker",
    "DepthLevel",
    "DepthBook",
    "PRICE_SLOTS",
    "SIZE_SLOTS",
    "STRING_SLOTS",
    "GENERIC_SLOTS",
]


def quote_mid(bid: float | None, ask: float | None) -> float | None:
    """The mid of a two-sided quote; None while a side is missing (TWS sends -1 / 0 for none)."""
    if bid is None or ask is None or bid <= 0 or ask <= 0:
        return None
    return (bid + ask) / 2


def quote_spread(bid: float | None, ask: float | None) -> float | None:
    if bid is None or ask is None or bid <= 0 or ask <= 0:
        return None
    return ask - bid


class LiveData:
    """What tickers and depth books share: callbacks, conflating iterators, closing and gaps."""

    __slots__ = ("_changed", "_dirty", "_sub", "active", "contract", "error", "gaps", "on_update", "req_id", "updates")

    def __init__(self, contract: Contract, req_id: int) -> None:
        self.contract = contract
        self.req_id = req_id
        #: ``cb(obj)`` after every batch that changed this object (in the socket callback)
        self.on_update: list[Callable[[Any], Any]] = []
        self.active = True
        self.error: BaseException | None = None
        #: number of batches applied so far
        self.updates = 0
        #: reconnects that may have hidden updates (the request was sent again)
        self.gaps = 0
        self._dirty = False
        self._changed: asyncio.Event | None = None
        self._sub: Subscription[Any] | None = None

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()

    def _close(self, error: BaseException | None = None) -> None:
        if self.active:
            self.active = False
            self.error = error
            self._wake()

    async def _next(self, seen: int) -> int:
        """Wait until ``updates`` passes ``seen`` (returns it) or the stream ends (returns -1)."""
        while self.updates <= seen:
            if not self.active:
                if isinstance(self.error, IBKRError):
                    raise self.error
                return -1
            if self._changed is None:
                self._changed = asyncio.Event()
            self._changed.clear()
            await self._changed.wait()
        return self.updates

    async def wait_update(self, timeout: float | None = None) -> Any:
        """The object after its next update (raises the stream's error if it ended with one,
        ``RequestTimeout`` after ``timeout`` seconds)."""
        try:
            async with asyncio.timeout(timeout):
                if await self._next(self.updates) < 0:
                    raise IBKRError(f"{type(self).__name__} {self.req_id} ended")
        except TimeoutError:
            raise RequestTimeout(f"no update of {type(self).__name__} {self.req_id} in {timeout}s") from None
        return self

    def _iterate(self) -> AsyncIterator[Any]:
        # counted from now (the call), not from the first ``__anext__``
        return self._updates_after(self.updates)

    async def _updates_after(self, seen: int) -> AsyncIterator[Any]:
        while True:
            seen = await self._next(seen)
            if seen < 0:
                return
            yield self


class Ticker(LiveData):
    """L1 market data of one contract, updated in place. Prices are None until TWS sent one (and
    when TWS reports none: bid/ask/last -1). Sizes are floats (TWS market-data sizes)."""

    __slots__ = (
        "ask",
        "ask_exchange",
        "ask_size",
        "avg_volume",
        "bbo_exchange",
        "bid",
        "bid_exchange",
        "bid_size",
        "close",
        "extra",
        "halted",
        "high",
        "last",
        "last_exchange",
        "last_size",
        "last_timestamp",
        "low",
        "mark_price",
        "market_data_type",
        "min_tick",
        "open",
        "snapshot",
        "snapshot_permissions",
        "time",
        "updated_ns",
        "volume",
    )

    def __init__(self, contract: Contract, req_id: int, snapshot: bool = False) -> None:
        super().__init__(contract, req_id)
        self.snapshot = snapshot
        self.bid: float | None = None
        self.ask: float | None = None
        self.last: float | None = None
        self.bid_size: float | None = None
        self.ask_size: float | None = None
        self.last_size: float | None = None
        self.volume: float | None = None
        self.avg_volume: float | None = None
        self.high: float | None = None
        self.low: float | None = None
        self.close: float | None = None
        self.open: float | None = None
        self.mark_price: float | None = None
        #: TICK_GENERIC HALTED: 0 trading, 1 halted, 2 volatility halt (None: not reported)
        self.halted: int | None = None
        #: epoch seconds of the last trade (TICK_STRING LAST_TIMESTAMP)
        self.last_timestamp: int | None = None
        self.bid_exchange = ""
        self.ask_exchange = ""
        self.last_exchange = ""
        #: 1 live, 2 frozen, 3 delayed, 4 delayed-frozen (MARKET_DATA_TYPE); 0 until TWS says
        self.market_data_type = 0
        self.min_tick: float | None = None
        self.bbo_exchange = ""
        self.snapshot_permissions = 0
        #: tick type -> value for the ticks without a slot of their own
        self.extra: dict[int, float | str] = {}
        #: monotonic ns of the batch that last changed the ticker, and its wall-clock time
        self.updated_ns = 0
        self.time = 0.0

    @property
    def mid(self) -> float | None:
        return quote_mid(self.bid, self.ask)

    @property
    def spread(self) -> float | None:
        return quote_spread(self.bid, self.ask)

    @property
    def market_price(self) -> float | None:
        """The last price when there is one, else the mid."""
        return self.last if self.last is not None and self.last > 0 else self.mid

    async def wait_done(self, timeout: float | None = None) -> Ticker:
        """Until the stream ended (a snapshot completed, or cancelled); raises its error."""
        try:
            async with asyncio.timeout(timeout):
                seen = self.updates
                while seen >= 0:
                    seen = await self._next(seen)
        except TimeoutError:
            raise RequestTimeout(f"ticker {self.req_id} did not complete in {timeout}s") from None
        return self

    def __aiter__(self) -> AsyncIterator[Ticker]:
        return self._iterate()

    def __repr__(self) -> str:
        return (
            f"Ticker({self.contract.symbol} bid={self.bid_size}@{self.bid} ask={self.ask_size}@{self.ask} "
            f"last={self.last_size}@{self.last} volume={self.volume})"
        )


_Setter = Callable[[Ticker, Any], None]


def _setter(name: str) -> _Setter:
    setter: _Setter = getattr(Ticker, name).__set__
    return setter


#: TICK_PRICE tick type -> (price slot, size slot of the size carried along, or None)
PRICE_SLOTS: dict[int, tuple[_Setter, _Setter | None]] = {
    int(t): (_setter(price), _setter(size) if size else None)
    for t, price, size in (
        (TickType.BID, "bid", "bid_size"),
        (TickType.ASK, "ask", "ask_size"),
        (TickType.LAST, "last", "last_size"),
        (TickType.HIGH, "high", ""),
        (TickType.LOW, "low", ""),
        (TickType.CLOSE, "close", ""),
        (TickType.OPEN, "open", ""),
        (TickType.MARK_PRICE, "mark_price", ""),
        (TickType.DELAYED_BID, "bid", "bid_size"),
        (TickType.DELAYED_ASK, "ask", "ask_size"),
        (TickType.DELAYED_LAST, "last", "last_size"),
        (TickType.DELAYED_HIGH, "high", ""),
        (TickType.DELAYED_LOW, "low", ""),
        (TickType.DELAYED_CLOSE, "close", ""),
        (TickType.DELAYED_OPEN, "open", ""),
    )
}
#: TICK_SIZE tick type -> slot
SIZE_SLOTS: dict[int, _Setter] = {
    int(t): _setter(name)
    for t, name in (
        (TickType.BID_SIZE, "bid_size"),
        (TickType.ASK_SIZE, "ask_size"),
        (TickType.LAST_SIZE, "last_size"),
        (TickType.VOLUME, "volume"),
        (TickType.AVG_VOLUME, "avg_volume"),
        (TickType.DELAYED_BID_SIZE, "bid_size"),
        (TickType.DELAYED_ASK_SIZE, "ask_size"),
        (TickType.DELAYED_LAST_SIZE, "last_size"),
        (TickType.DELAYED_VOLUME, "volume"),
    )
}
#: TICK_STRING tick type -> (slot, conversion of the text)
STRING_SLOTS: dict[int, tuple[_Setter, Callable[[str], Any]]] = {
    TickType.LAST_TIMESTAMP: (_setter("last_timestamp"), int),
    TickType.DELAYED_LAST_TIMESTAMP: (_setter("last_timestamp"), int),
    TickType.BID_EXCH: (_setter("bid_exchange"), str),
    TickType.ASK_EXCH: (_setter("ask_exchange"), str),
    TickType.LAST_EXCH: (_setter("last_exchange"), str),
}
#: TICK_GENERIC tick type -> (slot, conversion)
GENERIC_SLOTS: dict[int, tuple[_Setter, Callable[[float], Any]]] = {
    TickType.HALTED: (_setter("halted"), int),
    TickType.DELAYED_HALTED: (_setter("halted"), int),
}


@dataclass(slots=True)
class DepthLevel:
    """One row of a depth book. ``market_maker`` is the venue or market maker (L2 rows only)."""

    price: float
    size: float
    market_maker: str = ""


class DepthBook(LiveData):
    """A market depth book: ``bids`` (best first) and ``asks`` (best first), kept from the rows TWS
    sends. Rows address positions: insert shifts the rows below down, delete shifts them up."""

    __slots__ = ("asks", "bids", "num_rows", "resets", "smart", "updated_ns")

    def __init__(self, contract: Contract, req_id: int, num_rows: int, smart: bool) -> None:
        super().__init__(contract, req_id)
        self.num_rows = num_rows
        self.smart = smart
        self.bids: list[DepthLevel] = []
        self.asks: list[DepthLevel] = []
        #: times the book was emptied (error 317, reconnects)
        self.resets = 0
        self.updated_ns = 0

    def apply(self, position: int, operation: int, side: int, price: float, size: float | None, mm: str = "") -> None:
        """One MARKET_DEPTH row: ``operation`` 0 insert, 1 update, 2 delete; ``side`` 0 ask, 1 bid.
        A row past the end of the book is appended (insert / update) or ignored (delete)."""
        rows = self.bids if side == 1 else self.asks
        n = len(rows)
        if operation == 1:
            if position < n:
                level = rows[position]
                level.price = price
                level.size = size or 0.0
                level.market_maker = mm
            else:
                rows.append(DepthLevel(price, size or 0.0, mm))
        elif operation == 0:
            rows.insert(position, DepthLevel(price, size or 0.0, mm))
            if len(rows) > self.num_rows > 0:
                rows.pop()
        elif operation == 2 and position < n:
            del rows[position]

    def reset(self) -> None:
        self.bids.clear()
        self.asks.clear()
        self.resets += 1

    @property
    def best_bid(self) -> DepthLevel | None:
        return self.bids[0] if self.bids else None

    @property
    def best_ask(self) -> DepthLevel | None:
        return self.asks[0] if self.asks else None

    def __aiter__(self) -> AsyncIterator[DepthBook]:
        return self._iterate()

    def __repr__(self) -> str:
        return f"DepthBook({self.contract.symbol} bids={len(self.bids)} asks={len(self.asks)})"
