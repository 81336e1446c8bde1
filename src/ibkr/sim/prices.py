"""Seeded price processes: one random walk in ticks per instrument, kept as a level-1 quote.

Each instrument has its own ``random.Random`` seeded from (seed, con_id), so its path depends only
on the seed and on the calls made for that instrument, never on other instruments. Prices live as
integer ticks (no float drift) and never fall below one tick; sizes are whole units: shares,
currency units (FX quotes in millions) or contracts.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from math import cos as _cos
from math import log as _log
from math import sin as _sin
from math import sqrt as _sqrt
from math import tau as _TWOPI

from ibkr.sim.instruments import Instrument

__all__ = ["Quote", "PriceProcess", "LOT", "price_digits"]

#: the unit of displayed size per sec type (stocks trade in round lots, IDEALPRO in millions)
LOT: dict[str, int] = {"STK": 100, "CASH": 1_000_000, "FUT": 1}

#: spread in ticks -> weight
_SPREADS = {"STK": ((1, 6), (2, 3), (3, 1)), "CASH": ((1, 5), (2, 4), (3, 1)), "FUT": ((1, 1),)}

_TRADE_PROBABILITY = 0.5
#: price levels a process remembers (ticks -> price) before it starts over
_PRICE_MEMORY = 4096


def price_digits(tick: float) -> int:
    exponent = Decimal(repr(tick)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@dataclass(slots=True)
class Quote:
    """Level-1 state of one instrument (sizes in whole units; ``close`` is the previous close)."""

    bid: float
    ask: float
    bid_size: int
    ask_size: int
    last: float
    last_size: int
    volume: int
    high: float
    low: float
    open: float
    close: float
    last_time: float

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2


class _Random(random.Random):
    """``random.Random`` with ``gauss_next`` declared: where ``gauss`` keeps the second half of its
    pair (``PriceProcess.step`` draws as ``gauss`` does, inline)."""

    gauss_next: float | None


class PriceProcess:
    """The level-1 random walk of one instrument."""

    __slots__ = (
        "_bid", "_bits", "_cum", "_price_of", "_spread", "_spreads", "_total", "_volatility", "_weights", "digits",
        "instrument", "lot", "quote", "rng", "tick",
    )  # fmt: skip

    def __init__(self, instrument: Instrument, seed: int, now: float) -> None:
        self.instrument = instrument
        self.rng = _Random(f"prices:{seed}:{instrument.con_id}")
        self.tick = instrument.min_tick
        self.digits = price_digits(self.tick)
        self.lot = LOT[instrument.sec_type]
        self._weights = _SPREADS[instrument.sec_type]
        # what rng.choices(values, weights) computes on every call, once
        self._spreads = tuple(v for v, _ in self._weights)
        self._cum = tuple(accumulate(w for _, w in self._weights))
        self._total = self._cum[-1] + 0.0
        self._bits = self.rng.getrandbits
        self._volatility = instrument.volatility
        self._price_of: dict[int, float] = {}
        self._spread = self._draw_spread()
        self._bid = max(1, round(instrument.initial_price / self.tick) - self._spread // 2)
        first = self.price(self._bid + self._spread // 2) if self._spread > 1 else self.price(self._bid)
        self.quote = Quote(
            bid=self.price(self._bid), ask=self.price(self._bid + self._spread), bid_size=self._draw_size(),
            ask_size=self._draw_size(), last=first, last_size=0, volume=0, high=first, low=first, open=first,
            close=self.price(round(instrument.initial_price / self.tick)), last_time=now,
        )  # fmt: skip

    def price(self, ticks: int) -> float:
        return round(ticks * self.tick, self.digits)

    def _new_price(self, ticks: int) -> float:
        """``price(ticks)``, remembered for ``step`` (a walk revisits its levels; a bounded memory)."""
        if len(self._price_of) >= _PRICE_MEMORY:
            self._price_of.clear()
        p = self._price_of[ticks] = self.price(ticks)
        return p

    def ticks(self, price: float) -> int:
        return round(price / self.tick)

    def _draw_spread(self) -> int:
        # rng.choices(values, weights)[0], the same draw without rebuilding the weights per call
        cum = self._cum
        return self._spreads[bisect(cum, self.rng.random() * self._total, 0, len(cum) - 1)]

    def _below(self, n: int) -> int:
        """``rng.randrange(n)``: the same draws (getrandbits of n's bit length until below n)."""
        bits, k = self._bits, n.bit_length()
        r = bits(k)
        while r >= n:
            r = bits(k)
        return r

    def _draw_size(self) -> int:
        return self.lot * (1 + self._below(20))  # rng.randint(1, 20)

    def step(self, now: float) -> bool:
        """Move the quote one step; True when a trade printed (``last`` / ``volume`` changed).

        The hot loop of the simulator's feed (one call per instrument step): written for speed,
        with exactly the draws of ``gauss``, ``choices`` and ``randint`` (same seed, same path):
        ``Random.gauss``, ``_draw_spread``, ``_below`` and ``record_trade`` are inlined here."""
        rng, q, tick = self.rng, self.quote, self.tick
        random, bits = rng.random, self._bits
        sigma = (q.bid + q.ask) / 2 * self._volatility / tick
        # rng.gauss(0.0, sigma): Box-Muller, every other call using the pair's cached second half
        z = rng.gauss_next
        rng.gauss_next = None
        if z is None:
            x2pi = random() * _TWOPI
            g2rad = _sqrt(-2.0 * _log(1.0 - random()))
            z = _cos(x2pi) * g2rad
            rng.gauss_next = _sin(x2pi) * g2rad
        bid = self._bid + round(0.0 + z * (sigma if sigma > 0.5 else 0.5))  # mu + z * sigma, mu = 0.0
        self._bid = bid = bid if bid > 1 else 1
        cum = self._cum
        self._spread = spread = self._spreads[bisect(cum, random() * self._total, 0, len(cum) - 1)]
        # round(ticks * tick, digits) goes through dtoa (~1,000 instructions): each level once
        prices = self._price_of
        if (bid_price := prices.get(bid)) is None:
            bid_price = self._new_price(bid)
        if (ask_price := prices.get(bid + spread)) is None:
            ask_price = self._new_price(bid + spread)
        q.bid, q.ask = bid_price, ask_price
        lot = self.lot
        r = bits(5)  # randrange(20): 5 bits, redrawn until below 20
        while r >= 20:
            r = bits(5)
        q.bid_size = lot * (1 + r)
        r = bits(5)
        while r >= 20:
            r = bits(5)
        q.ask_size = lot * (1 + r)
        if random() >= _TRADE_PROBABILITY:
            return False
        price = q.ask if random() < 0.5 else q.bid
        r = bits(4)  # randrange(10)
        while r >= 10:
            r = bits(4)
        size = lot * (1 + r)
        q.last, q.last_size, q.last_time = price, size, now
        q.volume += size
        if price > q.high:
            q.high = price
        if price < q.low:
            q.low = price
        return True

    def record_trade(self, price: float, size: int, now: float) -> None:
        q = self.quote
        q.last, q.last_size, q.last_time = price, size, now
        q.volume += size
        q.high, q.low = max(q.high, price), min(q.low, price)

    def set_touch(self, bid: float, bid_size: int, ask: float, ask_size: int) -> None:
        """Move the quote to a new touch (after our fills took liquidity out of the book)."""
        bid_ticks, ask_ticks = max(1, self.ticks(bid)), self.ticks(ask)
        self._bid, self._spread = bid_ticks, max(1, ask_ticks - bid_ticks)
        q = self.quote
        q.bid, q.ask, q.bid_size, q.ask_size = (
            self.price(self._bid),
            self.price(self._bid + self._spread),
            bid_size,
            ask_size,
        )

    def roll_day(self) -> None:
        """End of session: the last price becomes the close, the day's counters restart."""
        q = self.quote
        q.close = q.open = q.high = q.low = q.last
        q.volume = 0
