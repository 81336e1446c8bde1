"""The paper exchange: market state, order entry, executions and accounts behind one facade.

``Exchange`` is pure and synchronous: time comes from the injected clock, randomness from the seed,
and every call that changes something returns the resulting events (``ibkr.sim.events``) in the
order TWS sends the messages. All state (orders, executions, positions, id counters) lives here, so
the servers in front of it can restart without losing anything.

Events (see ``ibkr.sim.events`` for the fields):

- ``QuoteUpdate(con_id, quote)``: level 1 after a step or after our fills moved the touch;
- ``TradeUpdate(con_id, price, size, time, volume)``: a print (market or our own fill);
- ``DepthUpdate(con_id, rows)``: MARKET_DEPTH rows (position, operation, side, price, size, maker);
- ``OrderUpdate(order)``: OPEN_ORDER + ORDER_STATUS of a snapshot of the order;
- ``OrderError(client_id, order_id, code, text)``: ERR_MSG for an order (rejections 103 / 104 /
  110 / 200 / 201 / 387, cancel notice 202, failed cancels 10147 / 10148);
- ``Execution`` + ``Commission``: EXECUTION_DATA and COMMISSION_REPORT of one fill;
- ``PositionUpdate(account, instrument, position, avg_cost)``: the position after a fill;
- ``WhatIf``: the margin and commission preview of a what-if order.

Order lifecycle (TWS sequencing): a transmitted order is acknowledged PreSubmitted then Submitted;
a bracket child waits PreSubmitted until its parent fills; an untriggered stop stays PreSubmitted;
fills update filled / remaining until Filled; cancels end in Cancelled (+ 202); rejected orders end
Inactive (+ the error). An order placed with ``transmit=False`` is held silently (PendingSubmit,
listed among open orders) until an order of its family (same parent) arrives with
``transmit=True``. With ``ack_delay`` > 0, new orders stay PendingSubmit until that many clock
seconds have passed at a later ``step()`` / ``poll()``.

Matching (``ibkr.sim.matching``): an order takes liquidity level by level from the depth book, never more than a level
displays and never beyond its limit; what it takes leaves the book (depth rows), prints a trade and
moves the touch. Whatever is left rests and is matched again after each market step, when new
liquidity is displayed (fills of a resting order report last_liquidity 1, aggressive ones 2). IOC
orders cancel what they could not fill at once. Stops trigger on the last price (stocks, futures)
or on the quote (FX).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from ibkr.sim.account import Account, AccountSummary, AccountValue, PnlSingle, PortfolioRow
from ibkr.sim.book import DepthBook, DepthOp
from ibkr.sim.clock import Clock, SystemClock
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
    WhatIf,
)
from ibkr.sim.instruments import ContractQuery, Instrument, Universe, build_universe, local_date
from ibkr.sim.matching import Matcher, by_perm
from ibkr.sim.orders import Order, OrderSpec, Reject, check_order, commission_to_date
from ibkr.sim.prices import PriceProcess, Quote

__all__ = ["Exchange", "ContractRef", "DEFAULT_ACCOUNT"]

DEFAULT_ACCOUNT = "DU1234567"
ContractRef = ContractQuery | Instrument | int

_NO_CONTRACT = "No security definition has been found for the request"
_REJECTED = "Order rejected - reason:"
_PERM_BASE = 1_000_000_000
#: the currency rates when every amount is in USD (read only)
_USD_ONLY: dict[str, float] = {"USD": 1.0}


class Exchange:
    """One simulated market with its accounts; see the module docstring for the event protocol."""

    def __init__(
        self,
        *,
        seed: int = 1,
        clock: Clock | None = None,
        accounts: Sequence[str] = (DEFAULT_ACCOUNT,),
        universe: Universe | None = None,
        initial_cash: float = 1_000_000.0,
        depth: int = 10,
        time_zone: str = "US/Eastern",
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.seed = seed
        self.time_zone = time_zone
        now = self.clock.time()
        self.universe = universe or build_universe(local_date(now, time_zone))
        self._prices = {i.con_id: PriceProcess(i, seed, now) for i in self.universe}
        self._books = {i.con_id: DepthBook(i, seed, self._prices[i.con_id].quote, depth) for i in self.universe}
        if not accounts:
            raise ValueError("an exchange needs at least one account")
        self.accounts = {name: Account(name, initial_cash) for name in accounts}
        self.default_account = accounts[0]
        self._m = Matcher(self.clock, self.universe, self._prices, self._books, self.accounts, time_zone)
        self._next_id: dict[int, int] = {}
        self._perm_seq = 0
        #: fault hook: the next new order is rejected with this (code, text)
        self.reject_next: Reject | None = None

    @property
    def ack_delay(self) -> float:
        """Fault hook: seconds new orders wait in PendingSubmit (released by ``step`` / ``poll``)."""
        return self._m.ack_delay

    @ack_delay.setter
    def ack_delay(self, seconds: float) -> None:
        self._m.ack_delay = max(0.0, seconds)

    # --- market ---------------------------------------------------------------------------------

    def instrument(self, con_id: int) -> Instrument | None:
        return self.universe.get(con_id)

    def resolve(self, query: ContractQuery) -> list[Instrument]:
        """Contract lookup as REQ_CONTRACT_DATA does it (``universe.resolve`` takes keywords)."""
        return self.universe.resolve_query(query)

    def hours(self, con_id: int, days: int = 7) -> tuple[str, str]:
        """(trading hours, liquid hours) of CONTRACT_DATA, from today in the instrument's zone."""
        inst = self.universe.get(con_id)
        if inst is None:
            raise KeyError(con_id)
        today = local_date(self.clock.time(), inst.time_zone_id)
        return inst.trading_hours(today, days), inst.liquid_hours(today, days)

    def quote(self, con_id: int) -> Quote:
        return replace(self._prices[con_id].quote)

    def book(self, con_id: int) -> DepthBook:
        return self._books[con_id]

    def depth_snapshot(self, con_id: int) -> list[DepthOp]:
        """The book as insert rows, for a new REQ_MKT_DEPTH subscriber."""
        return self._books[con_id].snapshot()

    def marks(self) -> dict[int, float]:
        """The mark (mid) of every instrument, for valuations."""
        return {con_id: p.quote.mid for con_id, p in self._prices.items()}

    def rates(self) -> dict[str, float]:
        """USD per unit of each currency, from the FX mids."""
        return self._m.rates()

    def step(self, con_id: int | None = None) -> list[Event]:
        """Advance the market one step for one instrument (or all): quote, trades, depth, then the
        stops and resting orders it reaches. Also releases acknowledgements that are due."""
        events = self.poll()
        for cid in (con_id,) if con_id is not None else tuple(self._prices):
            events += self._step_one(cid)
        return events

    def poll(self) -> list[Event]:
        """Release the delayed acknowledgements that are due (see ``ack_delay``)."""
        return self._m.poll()

    def step_quote(self, con_id: int) -> tuple[Quote, bool] | None:
        """The feed's lean step, for an instrument nobody watches the depth of: the price process
        only, no book rebuild, no matching, no events. Returns the live quote (read it before the
        next step) and whether a trade printed, or None without stepping when orders live on the
        instrument (``step`` must work them). The book is marked stale and rebuilds itself around
        the quote when it is next read (``DepthBook.stale``)."""
        if self._m.live and any(o.instrument.con_id == con_id for o in self._m.live.values()):
            return None
        process = self._prices[con_id]
        traded = process.step(self.clock.time())
        self._books[con_id].stale = True
        return process.quote, traded

    def _step_one(self, con_id: int) -> list[Event]:
        now = self.clock.time()
        process = self._prices[con_id]
        traded = process.step(now)
        q = process.quote
        events: list[Event] = [QuoteUpdate(con_id, replace(q))]
        if traded:
            events.append(TradeUpdate(con_id, q.last, q.last_size, now, q.volume))
        rows = self._books[con_id].step(q)
        if rows:
            events.append(DepthUpdate(con_id, rows))
        events += self._m.work_instrument(con_id)
        return events

    # --- placing, modifying, cancelling -----------------------------------------------------------

    def next_order_id(self, client_id: int) -> int:
        """NEXT_VALID_ID for a client: above every id it used (unless rolled back by ``restart``)."""
        return self._next_id.get(client_id, 1)

    def reject_next_order(self, code: int = 201, text: str = f"{_REJECTED}Simulated rejection") -> None:
        self.reject_next = (code, text)

    def place_order(self, client_id: int, order_id: int, contract: ContractRef, spec: OrderSpec) -> list[Event]:
        """PLACE_ORDER: a new order, or a modification when the id names a working order."""
        self._next_id[client_id] = max(self.next_order_id(client_id), order_id + 1)
        existing = self._m.orders.get((client_id, order_id))
        if existing is not None:
            if existing.done:
                if existing.status == "Filled":
                    return [OrderError(client_id, order_id, 104, "Can't modify a filled order.")]
                return [OrderError(client_id, order_id, 103, "Duplicate order id")]
            return self._modify(existing, contract, spec)
        inst, problem = self._instrument_for(contract)
        if inst is None:
            return [OrderError(client_id, order_id, 200, problem)]
        order = self._new_order(client_id, order_id, inst, spec)
        reject = self._precheck(order, spec)
        if spec.what_if:
            return [OrderError(client_id, order_id, *reject)] if reject else [self._what_if(order)]
        self._perm_seq += 1
        order.perm_id = _PERM_BASE + self._perm_seq
        self._m.orders[client_id, order_id] = order
        if reject is not None:
            order.status, order.completed_at = "Inactive", order.placed_at
            return [OrderError(client_id, order_id, *reject), OrderUpdate(order.snapshot())]
        self._m.live[client_id, order_id] = order
        if not spec.transmit:
            self._m.held.add((client_id, order_id))
            return []
        return self._m.transmit(order)

    def _new_order(self, client_id: int, order_id: int, inst: Instrument, spec: OrderSpec) -> Order:
        return Order(
            order_id=order_id, client_id=client_id, perm_id=0, account=spec.account or self.default_account,
            instrument=inst, action=spec.action, total_quantity=spec.total_quantity, order_type=spec.order_type,
            lmt_price=spec.lmt_price, aux_price=spec.aux_price, tif=spec.tif, oca_group=spec.oca_group,
            oca_type=spec.oca_type, parent_id=spec.parent_id, transmit=spec.transmit, outside_rth=spec.outside_rth,
            order_ref=spec.order_ref, placed_at=self.clock.time(), remaining=spec.total_quantity,
        )  # fmt: skip

    def _precheck(self, order: Order, spec: OrderSpec) -> Reject | None:
        if self.reject_next is not None and not spec.what_if:
            forced, self.reject_next = self.reject_next, None
            return forced
        if order.account not in self.accounts:
            return 201, f"{_REJECTED}Invalid account code {order.account!r}"
        reject = check_order(spec, order.instrument, self._prices[order.instrument.con_id].quote.mid)
        if reject is not None:
            return reject
        if order.parent_id:
            parent = self._m.orders.get((order.client_id, order.parent_id))
            if parent is None or (parent.done and parent.status != "Filled"):
                return 201, f"{_REJECTED}Parent order {order.parent_id} is not working"
        return None if spec.what_if else self._margin_problem(order)

    def _margin_problem(self, order: Order) -> Reject | None:
        account, inst, prices = self.accounts[order.account], order.instrument, self._prices
        # margin and net liquidation read the marks of the account's positions and of this order's
        # instrument only: price those, not the whole universe, on every order
        marks = {con_id: prices[con_id].quote.mid for con_id in (*account.positions, inst.con_id)}
        # ... and the rates of the currencies involved: none but USD (1.0) for a USD-only account
        currencies = {inst.currency, *account.cash, *(p.instrument.currency for p in account.positions.values())}
        rates = self.rates() if currencies - _USD_ONLY.keys() else _USD_ONLY
        after, _ = account.margin(marks, rates, {inst.con_id: (inst, order.total_quantity * order.sign)})
        equity = account.net_liquidation(marks, rates)
        if after <= equity:
            return None  # covered: the margin before the order does not matter (one valuation less)
        before, _ = account.margin(marks, rates)
        if after > before:
            return 201, (
                f"{_REJECTED}YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH "
                f"LOAN VALUE [{equity:.2f} USD] MUST EXCEED THE INITIAL MARGIN [{after:.2f} USD]"
            )
        return None

    def _modify(self, order: Order, contract: ContractRef, spec: OrderSpec) -> list[Event]:
        client_id, order_id = order.client_id, order.order_id
        inst, _ = self._instrument_for(contract)
        if inst is None or inst.con_id != order.instrument.con_id or spec.action != order.action:
            return [OrderError(client_id, order_id, 201, f"{_REJECTED}The contract or side of an order cannot change")]
        reject = check_order(spec, inst, self._prices[inst.con_id].quote.mid)
        if reject is None and spec.total_quantity < order.filled:
            reject = 201, f"{_REJECTED}The new quantity is below the filled quantity {order.filled}"
        if reject is not None:
            return [OrderError(client_id, order_id, *reject)]
        held = not order.transmit
        order.apply_spec(spec)
        if not order.transmit:
            self._m.held.add((client_id, order_id))
        order.rested = False
        if order.remaining <= 0:
            return self._m.finish_filled(order)
        if held:
            return self._m.transmit(order) if spec.transmit else []
        if order.status == "PendingSubmit":
            return []  # the delayed ack will carry the new values
        events: list[Event] = [OrderUpdate(order.snapshot())]
        if order.status == "Submitted":
            return events + self._m.work(order, passive=False)
        return events if self._m.waiting(order) else events + self._m.go_live(order)

    def cancel_order(self, client_id: int, order_id: int) -> list[Event]:
        """CANCEL_ORDER: Cancelled + 202, or 10147 (unknown id) / 10148 (already finished)."""
        order = self._m.orders.get((client_id, order_id))
        if order is None:
            return [
                OrderError(client_id, order_id, 10147, f"OrderId {order_id} that needs to be cancelled is not found.")
            ]
        if order.done:
            text = f"OrderId {order_id} that needs to be cancelled cannot be cancelled, state: {order.status}."
            return [OrderError(client_id, order_id, 10148, text)]
        return self._m.cancel(order)

    def global_cancel(self) -> list[Event]:
        """REQ_GLOBAL_CANCEL: cancel every working order of every client."""
        events: list[Event] = []
        for order in sorted(self._m.live.values(), key=by_perm):
            if not order.done:
                events += self._m.cancel(order)
        return events

    def _what_if(self, order: Order) -> WhatIf:
        account, marks, rates = self.accounts[order.account], self.marks(), self.rates()
        inst, q = order.instrument, self._prices[order.instrument.con_id].quote
        init_before, maint_before = account.margin(marks, rates)
        extra = {inst.con_id: (inst, order.total_quantity * order.sign)}
        init_after, maint_after = account.margin(marks, rates, extra)
        equity = account.net_liquidation(marks, rates)
        price = order.limit or order.aux_price or (q.ask if order.sign > 0 else q.bid)
        value = float(order.total_quantity) * price * inst.factor * rates.get(inst.currency, 1.0)
        fee = commission_to_date(inst, order.total_quantity, value)
        warning = "" if init_after <= equity - fee else "Insufficient equity for the initial margin"
        order.status = "PreSubmitted"
        return WhatIf(
            client_id=order.client_id, order_id=order.order_id, order=order, init_margin_before=init_before,
            maint_margin_before=maint_before, equity_with_loan_before=equity,
            init_margin_change=init_after - init_before, maint_margin_change=maint_after - maint_before,
            equity_with_loan_change=-fee, init_margin_after=init_after, maint_margin_after=maint_after,
            equity_with_loan_after=equity - fee, commission=fee, min_commission=fee, max_commission=fee,
            commission_currency="USD", warning_text=warning,
        )  # fmt: skip

    def _instrument_for(self, contract: ContractRef) -> tuple[Instrument | None, str]:
        if isinstance(contract, int):
            found = [i] if (i := self.universe.get(contract)) is not None else []
        elif isinstance(contract, Instrument):
            found = [contract] if self.universe.get(contract.con_id) == contract else []
        else:
            found = self.universe.resolve_query(contract)
        if len(found) == 1:
            return found[0], ""
        return None, _NO_CONTRACT if not found else "The contract description specified is ambiguous."

    # --- queries ----------------------------------------------------------------------------------

    def order(self, client_id: int, order_id: int) -> Order | None:
        return self._m.orders.get((client_id, order_id))

    def open_orders(self, client_id: int | None = None, account: str | None = None) -> list[Order]:
        """Working and held orders (REQ_OPEN_ORDERS: one client; REQ_ALL_OPEN_ORDERS: None)."""
        return _select(self._m.live.values(), client_id, account)

    def completed_orders(self, client_id: int | None = None, account: str | None = None) -> list[Order]:
        """Filled, cancelled and rejected orders (REQ_COMPLETED_ORDERS)."""
        return _select((o for o in self._m.orders.values() if o.done), client_id, account)

    def executions(
        self,
        *,
        client_id: int | None = None,
        account: str | None = None,
        symbol: str | None = None,
        sec_type: str | None = None,
        exchange: str | None = None,
        side: str | None = None,
        since: float | None = None,
    ) -> list[Execution]:
        """REQ_EXECUTIONS with its filter (None = any; side BUY / SELL or BOT / SLD; ``since`` epoch)."""
        side = {"BUY": "BOT", "SELL": "SLD"}.get(side or "", side)
        return [
            e
            for e in self._m.executions
            if (client_id is None or e.client_id == client_id)
            and (account is None or e.account == account)
            and (symbol is None or e.instrument.symbol == symbol)
            and (sec_type is None or e.instrument.sec_type == sec_type)
            and (exchange is None or exchange in (e.exchange, e.instrument.exchange))
            and (side is None or e.side == side)
            and (since is None or e.time >= since)
        ]

    def commission_report(self, exec_id: str) -> Commission | None:
        return self._m.commissions.get(exec_id)

    # --- accounts ---------------------------------------------------------------------------------

    def account(self, name: str | None = None) -> Account:
        return self.accounts[name or self.default_account]

    def positions(self, account: str | None = None) -> list[PositionUpdate]:
        """POSITION rows of REQ_POSITIONS (positions closed today included, at zero)."""
        return [
            PositionUpdate(a.name, p.instrument, p.quantity, p.avg_cost)
            for a in self.accounts.values()
            if account is None or a.name == account
            for p in a.positions.values()
        ]

    def summary(self, account: str | None = None) -> AccountSummary:
        return self.account(account).summary(self.marks(), self.rates())

    def account_values(self, account: str | None = None) -> list[AccountValue]:
        return self.account(account).account_values(self.marks(), self.rates())

    def portfolio(self, account: str | None = None) -> list[PortfolioRow]:
        return self.account(account).portfolio(self.marks())

    def pnl_single(self, con_id: int, account: str | None = None) -> PnlSingle | None:
        return self.account(account).pnl_single(con_id, self.marks(), self.rates())

    # --- restarts and sessions --------------------------------------------------------------------

    def restart(self, *, rollback_ids: bool = True, next_id: int = 1) -> None:
        """A gateway restart: state is kept; the next valid ids may fall back to ``next_id`` (as a
        real gateway's can), so clients that trust them collide with old ids (103)."""
        if rollback_ids:
            for client_id in self._next_id:
                self._next_id[client_id] = next_id

    def end_of_day(self) -> list[Event]:
        """Close the session: DAY orders expire, closes roll, daily PnL restarts."""
        events: list[Event] = []
        for order in sorted(self._m.live.values(), key=by_perm):
            if order.tif == "DAY" and not order.done:
                events += self._m.cancel(order, notice=False)
        for process in self._prices.values():
            process.roll_day()
        marks, rates = self.marks(), self.rates()
        for account in self.accounts.values():
            account.roll_day(marks, rates)
        return events


def _select(orders: Iterable[Order], client_id: int | None, account: str | None) -> list[Order]:
    chosen = [
        o
        for o in orders
        if (client_id is None or o.client_id == client_id) and (account is None or o.account == account)
    ]
    return sorted(chosen, key=by_perm)
