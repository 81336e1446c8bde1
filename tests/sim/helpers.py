"""Shared helpers for the engine tests: a fresh exchange, event filters, a depth-book mirror."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TypeVar

from ibkr.sim import DepthUpdate, Event, Exchange, Execution, Level, ManualClock, OrderSpec, apply_depth_ops
from ibkr.sim.book import ASK

T = TypeVar("T")

AAPL, SPY, EURUSD, USDJPY = 265598, 756733, 12087792, 15016059


def make(seed: int = 7, **kw: object) -> Exchange:
    return Exchange(seed=seed, clock=ManualClock(), **kw)  # type: ignore[arg-type]


def es(ex: Exchange) -> int:
    return next(i.con_id for i in ex.universe if i.sec_type == "FUT")


def of(events: Iterable[Event], cls: type[T]) -> list[T]:
    return [e for e in events if isinstance(e, cls)]


def statuses(events: Iterable[Event], order_id: int | None = None) -> list[str]:
    from ibkr.sim import OrderUpdate

    return [e.order.status for e in of(events, OrderUpdate) if order_id is None or e.order.order_id == order_id]


def spec(action: str, qty: int | str, order_type: str = "LMT", **kw: object) -> OrderSpec:
    return OrderSpec(action=action, total_quantity=Decimal(qty), order_type=order_type, **kw)  # type: ignore[arg-type]


class Mirror:
    """A subscriber's copy of one book, built from the snapshot and every DepthUpdate; checks that
    no execution takes more than the level it hit displayed at that moment."""

    def __init__(self, ex: Exchange, con_id: int) -> None:
        self.con_id = con_id
        self.asks: list[Level] = []
        self.bids: list[Level] = []
        apply_depth_ops(self.asks, self.bids, ex.depth_snapshot(con_id))

    def feed(self, events: Iterable[Event]) -> None:
        for e in events:
            if isinstance(e, DepthUpdate) and e.con_id == self.con_id:
                apply_depth_ops(self.asks, self.bids, e.rows)
            elif isinstance(e, Execution) and e.instrument.con_id == self.con_id:
                side = self.asks if e.side == "BOT" else self.bids
                shown = {lv.price: lv.size for lv in side}
                assert e.price in shown, f"fill at {e.price} where the book showed nothing"
                assert e.shares <= shown[e.price], f"fill of {e.shares} > displayed {shown[e.price]}"

    def matches(self, ex: Exchange) -> bool:
        book = ex.book(self.con_id)
        return self.asks == book.asks and self.bids == book.bids


__all__ = ["AAPL", "ASK", "EURUSD", "SPY", "USDJPY", "Mirror", "es", "make", "of", "spec", "statuses"]
