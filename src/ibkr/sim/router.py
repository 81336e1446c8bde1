"""Engine events -> the sessions they concern.

``EventRouter.route(events)`` looks each event's class up in one table: market events go to the
feed's subscribers; order events (OPEN_ORDER + ORDER_STATUS, ERR_MSG with the order id,
EXECUTION_DATA with req id -1, COMMISSION_REPORT) go to the client that owns the order on every
endpoint, and to the master client (``SimConfig.master_client_id``, 0 by default) once it has bound
with REQ_AUTO_OPEN_ORDERS / REQ_OPEN_ORDERS; position changes go to position and account
subscribers. Messages are queued on the sessions; the caller flushes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ibkr.sim import translate
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
from ibkr.sim.session import SimSession

if TYPE_CHECKING:
    from ibkr.sim.server import Simulator

__all__ = ["EventRouter"]

#: statuses TWS reports with ORDER_STATUS only (no OPEN_ORDER echo)
_STATUS_ONLY = frozenset({"Cancelled", "ApiCancelled", "PendingCancel"})


class EventRouter:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        #: (client id, order id) -> index of the endpoint the order was placed through
        self.placed_on: dict[tuple[int, int], int] = {}
        #: exec id -> order id (a COMMISSION_REPORT goes where its execution went)
        self._exec_orders: dict[str, int] = {}
        self._table: dict[type[Any], Callable[[Any], None]] = {
            QuoteUpdate: self._market,
            TradeUpdate: self._market,
            DepthUpdate: self._market,
            OrderUpdate: self._order_update,
            OrderError: self._order_error,
            Execution: self._execution,
            Commission: self._commission,
            PositionUpdate: self._position,
            WhatIf: self._what_if,
        }

    def route(self, events: Iterable[Event]) -> None:
        table = self._table
        for e in events:
            table[type(e)](e)

    # --- who gets what -----------------------------------------------------------------------

    def owners(self, client_id: int, order_id: int) -> list[SimSession]:
        """The session of the client that owns an order: on the endpoint it was placed through
        while that client is connected there, else on any endpoint (a client that failed over)."""
        return self._owners(self.sim.sessions, client_id, order_id)

    def _owners(self, live: list[SimSession], client_id: int, order_id: int) -> list[SimSession]:
        sessions = [s for s in live if s.client_id == client_id]
        if len(self.sim.endpoints) == 1:
            return sessions  # one endpoint: wherever the order was placed, it is this one
        placed = self.placed_on.get((client_id, order_id))
        local = [s for s in sessions if s.endpoint.index == placed]
        return local or sessions

    def order_sessions(self, client_id: int, order_id: int) -> list[SimSession]:
        """The owner's session plus every bound master client."""
        master = self.sim.config.master_client_id
        live = self.sim.sessions
        out = self._owners(live, client_id, order_id)
        return out + [s for s in live if s.client_id == master and s.bound and s not in out]

    # --- handlers ----------------------------------------------------------------------------

    def _market(self, e: QuoteUpdate | TradeUpdate | DepthUpdate) -> None:
        self.sim.feed.on_market_event(e)

    def _order_update(self, e: OrderUpdate) -> None:
        order = e.order
        status = translate.order_status(order)
        if order.status in _STATUS_ONLY:
            msgs: list[Any] = [status]
        else:
            msgs = [translate.open_order(order), status]
        for s in self.order_sessions(order.client_id, order.order_id):
            s.send_many(msgs)

    def _order_error(self, e: OrderError) -> None:
        for s in self.owners(e.client_id, e.order_id):
            s.send_error(e.order_id, e.code, e.text)

    def _execution(self, e: Execution) -> None:
        msg = translate.execution_data(e)
        self._exec_orders[e.exec_id] = e.order_id
        for s in self.order_sessions(e.client_id, e.order_id):
            s.send(msg)

    def _commission(self, e: Commission) -> None:
        msg = translate.commission_report(e)
        for s in self.order_sessions(e.client_id, self._exec_orders.get(e.exec_id, -1)):
            s.send(msg)

    def _what_if(self, e: WhatIf) -> None:
        msg = translate.what_if_order(e)
        for s in self.owners(e.client_id, e.order_id):
            s.send(msg)

    def _position(self, e: PositionUpdate) -> None:
        from ibkr.sim.handlers.account import position_changed

        position_changed(self.sim, e)
