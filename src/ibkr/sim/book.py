"""Level-2 depth books: ten or more levels a side around the level-1 quote, and their diffs.

A step rebuilds each side from the quote (level 0 is the quote's touch, deeper levels one tick
apart, sizes persisting with some churn) and returns the difference as TWS MARKET_DEPTH /
MARKET_DEPTH_L2 rows: ``DepthOp(position, operation, side, price, size, market_maker)`` with
operation 0 insert / 1 update / 2 delete and side 0 ask / 1 bid. The rows are meant to be applied in
order to a list of levels (insert = ``list.insert(position)``, update = replace, delete =
``del list[position]``), which is what TWS clients do; applying them reproduces the book exactly.

A book nobody watches need not be rebuilt on every step: the feed's lean step (``Exchange.step_quote``)
only sets ``stale``, and the book rebuilds itself around the current quote when it is next read
(``asks`` / ``bids`` / ``side`` / ``snapshot`` / ``take``), so every reader sees a book whose touch is the quote.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from ibkr.sim.instruments import Instrument
from ibkr.sim.prices import LOT, Quote, price_digits

__all__ = ["Level", "DepthOp", "DepthBook", "apply_depth_ops", "INSERT", "UPDATE", "DELETE", "ASK", "BID"]

INSERT, UPDATE, DELETE = 0, 1, 2
ASK, BID = 0, 1

#: the names TWS shows as market makers in SMART depth, per sec type
MARKET_MAKERS: dict[str, tuple[str, ...]] = {
    "STK": ("NASDAQ", "ARCA", "BATS", "EDGX", "NYSE", "IEX", "MEMX", "DRCTEDGE", "BYX", "PSX", "AMEX", "EDGEA"),
    "CASH": ("IDEALPRO",),
    "FUT": ("CME",),
}

_KEEP_SIZE = 0.7  # chance that a deeper level keeps its size from one step to the next


@dataclass(slots=True)
class Level:
    price: float
    size: int
    market_maker: str


@dataclass(slots=True)
class DepthOp:
    position: int
    operation: int  # INSERT / UPDATE / DELETE
    side: int  # ASK / BID
    price: float
    size: int
    market_maker: str


class DepthBook:
    """The depth of one instrument; ``asks`` ascend and ``bids`` descend from the touch."""

    __slots__ = ("_asks", "_bids", "_quote", "depth", "digits", "instrument", "lot", "makers", "rng", "stale", "tick")

    def __init__(self, instrument: Instrument, seed: int, quote: Quote, depth: int = 10) -> None:
        self.instrument = instrument
        self.rng = random.Random(f"book:{seed}:{instrument.con_id}")
        self.depth = depth
        self.tick = instrument.min_tick
        self.digits = price_digits(self.tick)
        self.lot = LOT[instrument.sec_type]
        self.makers = MARKET_MAKERS[instrument.sec_type]
        self._asks: list[Level] = []
        self._bids: list[Level] = []
        #: the instrument's live quote (the price process updates it in place)
        self._quote = quote
        #: the quote moved without the book (a lean step): rebuild before the next read
        self.stale = False
        self.step(quote)

    @property
    def asks(self) -> list[Level]:
        if self.stale:
            self.step(self._quote)
        return self._asks

    @property
    def bids(self) -> list[Level]:
        if self.stale:
            self.step(self._quote)
        return self._bids

    def side(self, side: int) -> list[Level]:
        return self.asks if side == ASK else self.bids

    def step(self, quote: Quote) -> list[DepthOp]:
        """Rebuild both sides around ``quote``; returns the rows that turn the old book into the new."""
        self.stale = False
        new_asks = self._build(self._asks, quote.ask, quote.ask_size, 1)
        new_bids = self._build(self._bids, quote.bid, quote.bid_size, -1)
        ops = _diff(self._asks, new_asks, ASK) + _diff(self._bids, new_bids, BID)
        self._asks, self._bids = new_asks, new_bids
        return ops

    def _build(self, old: list[Level], touch: float, touch_size: int, direction: int) -> list[Level]:
        rng = self.rng
        by_price = {lv.price: lv for lv in old}
        levels = []
        for i in range(self.depth):
            price = round(touch + direction * i * self.tick, self.digits)
            if price < self.tick / 2:
                break
            prev = by_price.get(price)
            if i == 0:
                size = touch_size
            elif prev is not None and rng.random() < _KEEP_SIZE:
                size = prev.size
            else:
                size = self.lot * rng.randint(1, 30)
            maker = prev.market_maker if prev is not None else rng.choice(self.makers)
            levels.append(Level(price, size, maker))
        return levels

    def take(self, side: int, position: int, size: int) -> DepthOp:
        """Remove ``size`` from a level (a fill consumed it); returns the update or delete row."""
        levels = self.side(side)
        level = levels[position]
        if size >= level.size:
            del levels[position]
            return DepthOp(position, DELETE, side, level.price, 0, level.market_maker)
        level.size -= size
        return DepthOp(position, UPDATE, side, level.price, level.size, level.market_maker)

    def snapshot(self) -> list[DepthOp]:
        """The whole book as insert rows, for a new subscriber."""
        return [
            DepthOp(pos, INSERT, side, lv.price, lv.size, lv.market_maker)
            for side, levels in ((ASK, self.asks), (BID, self.bids))
            for pos, lv in enumerate(levels)
        ]


def _diff(old: list[Level], new: list[Level], side: int) -> list[DepthOp]:
    """Rows turning ``old`` into ``new``: a merge by price, so a moving touch gives inserts at the
    top and deletes at the bottom (the way TWS reports it) instead of rewriting every row."""
    sign = 1 if side == ASK else -1
    ops: list[DepthOp] = []
    pos = oi = 0
    for lv in new:
        while oi < len(old) and old[oi].price * sign < lv.price * sign:
            gone = old[oi]
            ops.append(DepthOp(pos, DELETE, side, gone.price, 0, gone.market_maker))
            oi += 1
        if oi < len(old) and old[oi].price == lv.price:
            if old[oi].size != lv.size or old[oi].market_maker != lv.market_maker:
                ops.append(DepthOp(pos, UPDATE, side, lv.price, lv.size, lv.market_maker))
            oi += 1
        else:
            ops.append(DepthOp(pos, INSERT, side, lv.price, lv.size, lv.market_maker))
        pos += 1
    ops.extend(DepthOp(pos, DELETE, side, lv.price, 0, lv.market_maker) for lv in old[oi:])
    return ops


def apply_depth_ops(asks: list[Level], bids: list[Level], ops: Iterable[DepthOp]) -> None:
    """Apply rows to a copy of a book the way a TWS client does (for subscribers and tests)."""
    for op in ops:
        levels = asks if op.side == ASK else bids
        if op.operation == INSERT:
            levels.insert(op.position, Level(op.price, op.size, op.market_maker))
        elif op.operation == UPDATE:
            levels[op.position] = Level(op.price, op.size, op.market_maker)
        else:
            del levels[op.position]
