"""Per-subscription filters and aggregation: minimum size, price band, time bars (OHLCV) and
VWAP, all from the trades a subscription accepts.

Sans-I/O: times are passed in (epoch seconds), so tests feed hand-made trades and compare with
hand-computed bars.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from ibkr.errors import ConfigError
from ibkr.stream.events import Bar

__all__ = ["Filter", "BarAggregator", "Vwap"]


@dataclass(frozen=True, slots=True)
class Filter:
    """What a subscription lets through. ``min_size``: trades smaller than this are not delivered
    (nor counted in its bars / VWAP). ``price_band`` (low, high): trades, quotes and depth rows with
    a price outside it are not delivered (a quote passes when every price it has is inside)."""

    min_size: float | None = None
    price_band: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.min_size is not None and not self.min_size >= 0:
            raise ConfigError(f"min_size must be >= 0, got {self.min_size}")
        if self.price_band is not None:
            lo, hi = self.price_band
            if not lo <= hi:
                raise ConfigError(f"price_band must be (low, high) with low <= high, got {self.price_band}")

    @property
    def active(self) -> bool:
        return self.min_size is not None or self.price_band is not None

    def trade_ok(self, price: float, size: float) -> bool:
        if self.min_size is not None and size < self.min_size:
            return False
        band = self.price_band
        return band is None or band[0] <= price <= band[1]

    def quote_ok(self, bid: float | None, ask: float | None) -> bool:
        band = self.price_band
        if band is None:
            return True
        lo, hi = band
        return (bid is None or lo <= bid <= hi) and (ask is None or lo <= ask <= hi)

    def price_ok(self, price: float) -> bool:
        band = self.price_band
        return band is None or band[0] <= price <= band[1]


class Vwap:
    """Running volume-weighted average price."""

    __slots__ = ("notional", "volume")

    def __init__(self) -> None:
        self.notional = 0.0
        self.volume = 0.0

    def add(self, price: float, size: float) -> None:
        self.notional += price * size
        self.volume += size

    @property
    def value(self) -> float | None:
        return self.notional / self.volume if self.volume > 0 else None


class BarAggregator:
    """OHLCV bars of ``interval`` seconds aligned to the epoch (a 60 s bar starts on the minute).
    A bar is complete when a trade of a later interval arrives, or when ``close_due(now)`` is
    called past its end; completed bars are kept (the newest ``keep``)."""

    __slots__ = ("_bar", "_notional", "bars", "interval", "symbol")

    def __init__(self, interval: float, symbol: str = "", keep: int = 1000) -> None:
        if not interval > 0:
            raise ConfigError(f"bar interval must be > 0 seconds, got {interval}")
        self.interval = interval
        self.symbol = symbol
        self.bars: deque[Bar] = deque(maxlen=keep)
        self._bar: Bar | None = None
        self._notional = 0.0

    @property
    def forming(self) -> Bar | None:
        return self._bar

    def add(self, price: float, size: float, t: float) -> Bar | None:
        """Add a trade at epoch time ``t``; returns the bar it completed, if any."""
        b = self._bar
        done = None
        if b is not None and t >= b.start + self.interval:
            done = self._complete()
            b = None
        if b is None:
            start = math.floor(t / self.interval) * self.interval
            self._bar = Bar(self.symbol, start, self.interval, price, price, price, price, size, price, 1, 0)
            self._notional = price * size
            return done
        if price > b.high:
            b.high = price
        if price < b.low:
            b.low = price
        b.close = price
        b.volume += size
        b.count += 1
        self._notional += price * size
        if b.volume > 0:
            b.vwap = self._notional / b.volume
        return done

    def close_due(self, t: float) -> Bar | None:
        """Complete the forming bar if ``t`` is past its end."""
        b = self._bar
        if b is not None and t >= b.start + self.interval:
            return self._complete()
        return None

    def _complete(self) -> Bar:
        b = self._bar
        assert b is not None
        self._bar = None
        self.bars.append(b)
        return b
