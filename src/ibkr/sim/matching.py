"""Order lifecycle and matching: what happens to an order between its acknowledgement and its end.

``Matcher`` owns the orders, executions and commission reports of an exchange and works them
against the market it shares with the exchange (price processes and depth books, keyed by
con_id). The exchange facade (``ibkr.sim.exchange``) validates requests and calls in here; every
method returns the resulting events in TWS order.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from ibkr.sim.account import Account
from ibkr.sim.book import ASK, BID, DepthBook, DepthOp
from ibkr.sim.clock import Clock
from ibkr.sim.events import (
    Commission,
    DepthUpdate,
    Event,
    Execution,
    OrderError,
    OrderUpdate,
    PositionUpdate,
    QuoteUpdate,
    TradeUpdate,
)
from ibkr.sim.instruments import Instrument, Universe, zone
from ibkr.sim.orders import Order, commission_to_date
from ibkr.sim.prices import PriceProcess

__all__ = ["Matcher", "Key", "fx_rates", "by_perm"]

Key = tuple[int, int]  # (client_id, order_id): TWS order ids belong to the client that placed them

_EXEC_PREFIX = 0x0000E0D5
_EXEC_BASE = 0x67FE0000


def by_perm(order: Order) -> int:
    return order.perm_id


def fx_rates(universe: Iterable[Instrument], prices: dict[int, PriceProcess]) -> dict[str, float]:
    """USD per unit of each currency, from the FX mids (``universe``: any instruments; only the
    CASH pairs count, so a caller may pass just those)."""
    out = {"USD": 1.0}
    for inst in universe:
        if inst.sec_type != "CASH":
            continue
        mid = prices[inst.con_id].quote.mid
        if inst.currency == "USD":
            out.setdefault(inst.symbol, mid)
        elif inst.symbol == "USD":
            out.setdefault(inst.currency, 1.0 / mid)
    return out


class Matcher:
    """The orders of one exchange and the rules that work them."""

    def __init__(
        self,
        clock: Clock,
        universe: Universe,
        prices: dict[int, PriceProcess],
        books: dict[int, DepthBook],
        accounts: dict[str, Account],
        time_zone: str,
    ) -> None:
        self.clock = clock
        self.universe = universe
        #: the FX pairs, the only instruments the currency rates read (priced on every order)
        self._fx = tuple(i for i in universe if i.sec_type == "CASH")
        self._prices = prices
        self._books = books
        self.accounts = accounts
        self.time_zone = time_zone
        self.orders: dict[Key, Order] = {}
        #: orders not yet finished (held, pending, working)
        self.live: dict[Key, Order] = {}
        #: keys of the live orders held back (transmit=False) until their family is transmitted
        self.held: set[Key] = set()
        self.executions: list[Execution] = []
        self.commissions: dict[str, Commission] = {}
        self.pending_acks: list[tuple[float, Key]] = []
        #: seconds a new order waits in PendingSubmit before its acknowledgement (fault hook)
        self.ack_delay = 0.0
        self._exec_seq = 0

    def rates(self) -> dict[str, float]:
        return fx_rates(self._fx, self._prices)

    def poll(self) -> list[Event]:
        """Acknowledge the delayed orders whose time has come."""
        now = self.clock.time()
        due = [key for at, key in self.pending_acks if at <= now]
        self.pending_acks = [(at, key) for at, key in self.pending_acks if at > now]
        events: list[Event] = []
        for key in due:
            order = self.orders[key]
            if order.status == "PendingSubmit":
                events += self.acknowledge(order)
        return events

    def work_instrument(self, con_id: int) -> list[Event]:
        """After a market step: trigger the stops and match the resting orders it reaches."""
        events: list[Event] = []
        for order in sorted((o for o in self.live.values() if o.instrument.con_id == con_id), key=by_perm):
            if order.status == "PreSubmitted" and not self.waiting(order):
                events += self.go_live(order)
            elif order.status == "Submitted":
                events += self.work(order, passive=order.rested)
        return events

    def transmit(self, order: Order) -> list[Event]:
        """Send ``order`` and every held order of its family (TWS transmits the whole bracket)."""
        root = order.parent_id or order.order_id
        # only held orders (placed with transmit=False) can be waiting for this one: look at those,
        # not at every live order (hundreds of resting orders would tax every placement)
        family = [
            o
            for o in (self.live[k] for k in self.held if k in self.live)
            if o.client_id == order.client_id
            and not o.transmit
            and (o.parent_id or o.order_id) == root
            and o is not order
        ]
        events: list[Event] = []
        for o in [*sorted(family, key=lambda o: o.order_id), order]:
            o.transmit = True
            self.held.discard((o.client_id, o.order_id))
            if self.ack_delay > 0:
                self.pending_acks.append((self.clock.time() + self.ack_delay, (o.client_id, o.order_id)))
            else:
                events += self.acknowledge(o)
        return events

    def acknowledge(self, order: Order) -> list[Event]:
        order.status = "PreSubmitted"
        events: list[Event] = [OrderUpdate(order.snapshot())]
        return events if self.waiting(order) else events + self.go_live(order)

    def waiting(self, order: Order) -> bool:
        """A bracket child whose parent has not filled yet."""
        if not order.parent_id:
            return False
        parent = self.orders.get((order.client_id, order.parent_id))
        return parent is not None and parent.status != "Filled"

    def go_live(self, order: Order) -> list[Event]:
        if order.is_stop and not order.triggered:
            if not self._stop_hit(order):
                return []
            order.triggered = True
        order.status = "Submitted"
        return [OrderUpdate(order.snapshot()), *self.work(order, passive=False)]

    def _stop_hit(self, order: Order) -> bool:
        q = self._prices[order.instrument.con_id].quote
        # IB's default trigger: the last price, except for FX where it is the quote
        reference = (q.ask if order.sign > 0 else q.bid) if order.instrument.sec_type == "CASH" else q.last
        stop = order.aux_price or 0.0
        return (reference - stop) * order.sign >= -1e-9

    def work(self, order: Order, passive: bool) -> list[Event]:
        events = self._match(order, passive)
        if order.status == "Submitted":
            if order.tif == "IOC":
                events += self.cancel(order, notice=False)
            else:
                order.rested = True
        return events

    def _match(self, order: Order, passive: bool) -> list[Event]:
        con_id, sign, limit = order.instrument.con_id, order.sign, order.limit
        book, process = self._books[con_id], self._prices[con_id]
        side = ASK if sign > 0 else BID
        levels = book.side(side)
        events: list[Event] = []
        rows: list[DepthOp] = []
        taken: list[tuple[float, int]] = []
        while order.remaining > 0 and levels and order.status == "Submitted":
            level = levels[0]
            if limit is not None and (level.price - limit) * sign > 1e-9:
                break
            qty = min(order.remaining, Decimal(level.size))
            price, venue = level.price, level.market_maker
            rows.append(book.take(side, 0, math.ceil(qty)))
            taken.append((price, math.ceil(qty)))
            events += self._fill(order, qty, price, venue, 1 if passive else 2)
        if not taken:
            return events
        now = self.clock.time()
        events.append(DepthUpdate(con_id, rows))
        for price, size in taken:
            process.record_trade(price, size, now)
            events.append(TradeUpdate(con_id, price, size, now, process.quote.volume))
        self._sync_touch(con_id, taken[-1][0])
        events.append(QuoteUpdate(con_id, replace(process.quote)))
        return events

    def _sync_touch(self, con_id: int, last_taken: float) -> None:
        """Make level 1 the top of the book again; a side emptied by a sweep quotes one tick past
        the last price taken, with no size, until the next step displays new liquidity."""
        book, process = self._books[con_id], self._prices[con_id]
        tick = book.tick
        bid, bid_size = (book.bids[0].price, book.bids[0].size) if book.bids else (max(tick, last_taken - tick), 0)
        ask, ask_size = (book.asks[0].price, book.asks[0].size) if book.asks else (last_taken + tick, 0)
        process.set_touch(bid, bid_size, ask, ask_size)

    def _fill(self, order: Order, qty: Decimal, price: float, venue: str, liquidity: int) -> list[Event]:
        now, inst = self.clock.time(), order.instrument
        rate = self.rates().get(inst.currency, 1.0)
        order.filled += qty
        order.remaining -= qty
        order.fill_value += float(qty) * price
        order.avg_fill_price = order.fill_value / float(order.filled)
        order.last_fill_price = price
        to_date = commission_to_date(inst, order.filled, order.fill_value * inst.factor * rate)
        fee, order.commission = round(to_date - order.commission, 6), to_date
        account = self.accounts[order.account]
        realized = account.apply_fill(inst, qty * order.sign, price, fee, rate)
        self._exec_seq += 1
        exec_id = f"{_EXEC_PREFIX:08x}.{_EXEC_BASE + self._exec_seq:08x}.01.01"
        stamp = dt.datetime.fromtimestamp(now, zone(self.time_zone)).strftime("%Y%m%d  %H:%M:%S")
        execution = Execution(
            exec_id=exec_id, order_id=order.order_id, client_id=order.client_id, perm_id=order.perm_id,
            account=order.account, instrument=inst, time=now, time_str=stamp, exchange=venue,
            side="BOT" if order.sign > 0 else "SLD", shares=qty, price=price, cum_qty=order.filled,
            avg_price=order.avg_fill_price, order_ref=order.order_ref, last_liquidity=liquidity,
        )  # fmt: skip
        report = Commission(exec_id, order.client_id, order.account, fee, "USD", realized)
        self.executions.append(execution)
        self.commissions[exec_id] = report
        position = account.positions[inst.con_id]
        events: list[Event] = [execution]
        if order.remaining <= 0:
            events += self.finish_filled(order)
        else:
            events.append(OrderUpdate(order.snapshot()))
        events += [report, PositionUpdate(order.account, inst, position.quantity, position.avg_cost)]
        return events + self._oca(order, qty)

    def finish_filled(self, order: Order) -> list[Event]:
        order.status, order.completed_at = "Filled", self.clock.time()
        self.live.pop((order.client_id, order.order_id), None)
        events: list[Event] = [OrderUpdate(order.snapshot())]
        children = [o for o in self.live.values() if o.client_id == order.client_id and o.parent_id == order.order_id]
        for child in sorted(children, key=by_perm):
            if child.status == "PreSubmitted":
                events += self.go_live(child)
        return events

    def _oca(self, order: Order, qty: Decimal) -> list[Event]:
        """One Cancels All: type 1 (and unset) cancels the group's other orders on a fill; types 2
        and 3 reduce them by the filled quantity."""
        if not order.oca_group:
            return []
        events: list[Event] = []
        group = [
            o
            for o in self.live.values()
            if o.oca_group == order.oca_group and o.account == order.account and o is not order
        ]
        for other in sorted(group, key=by_perm):
            if other.done:
                continue
            if order.oca_type in (2, 3):
                other.total_quantity -= qty
                other.remaining -= qty
                if other.remaining > 0:
                    events.append(OrderUpdate(other.snapshot()))
                    continue
            events += self.cancel(other)
        return events

    def cancel(self, order: Order, notice: bool = True) -> list[Event]:
        order.status, order.completed_at = "Cancelled", self.clock.time()
        self.live.pop((order.client_id, order.order_id), None)
        self.held.discard((order.client_id, order.order_id))
        events: list[Event] = [OrderUpdate(order.snapshot())]
        if notice:
            events.append(OrderError(order.client_id, order.order_id, 202, "Order Canceled - reason:"))
        children = [o for o in self.live.values() if o.client_id == order.client_id and o.parent_id == order.order_id]
        for child in sorted(children, key=by_perm):
            events += self.cancel(child, notice)
        return events
