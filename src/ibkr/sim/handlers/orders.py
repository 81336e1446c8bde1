"""Order requests through the engine: PLACE_ORDER (new, modify, what-if), CANCEL_ORDER,
REQ_GLOBAL_CANCEL, the open / completed order lists, REQ_AUTO_OPEN_ORDERS and REQ_EXECUTIONS with
its filter (what a client uses to reconcile after a reconnect)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ibkr.protocol.message import Message
from ibkr.protocol.messages.executions import ExecutionDataEnd, ReqExecutions
from ibkr.protocol.messages.orders import (
    CancelOrder,
    CompletedOrdersEnd,
    OpenOrderEnd,
    PlaceOrder,
    ReqAllOpenOrders,
    ReqAutoOpenOrders,
    ReqCompletedOrders,
    ReqGlobalCancel,
    ReqOpenOrders,
)
from ibkr.protocol.order_models import ExecutionFilter
from ibkr.sim import translate
from ibkr.sim.events import OrderUpdate
from ibkr.sim.instruments import zone
from ibkr.sim.orders import Order
from ibkr.sim.session import SimSession

if TYPE_CHECKING:
    from ibkr.sim.server import Handler, Simulator

__all__ = ["HANDLERS", "parse_filter_time"]


def place_order(sim: Simulator, session: SimSession, msg: PlaceOrder) -> None:
    assert session.client_id is not None
    query = translate.query_of(msg.contract)
    sim.router.placed_on.setdefault((session.client_id, msg.order_id), session.endpoint.index)
    events = sim.exchange.place_order(session.client_id, msg.order_id, query, translate.spec_of(msg))
    if len(events) > 1 and type(events[0]) is OrderUpdate:
        # The acknowledgement (PreSubmitted) is written at once, before what follows it is encoded:
        # TWS's PreSubmitted and Submitted arrive in packets of their own, and a client waiting
        # for the ack should not wait for the rest of the simulator's work.
        sim.router.route(events[:1])
        sim.flush()
        events = events[1:]
    sim.router.route(events)


def cancel_order(sim: Simulator, session: SimSession, msg: CancelOrder) -> None:
    assert session.client_id is not None
    sim.router.route(sim.exchange.cancel_order(session.client_id, msg.order_id))


def global_cancel(sim: Simulator, session: SimSession, msg: ReqGlobalCancel) -> None:
    sim.router.route(sim.exchange.global_cancel())


def _send_open(session: SimSession, orders: list[Order]) -> None:
    for o in orders:
        session.send(translate.open_order(o))
        session.send(translate.order_status(o))
    session.send(OpenOrderEnd())


def _is_master(sim: Simulator, session: SimSession) -> bool:
    return session.client_id == sim.config.master_client_id


def req_open_orders(sim: Simulator, session: SimSession, msg: ReqOpenOrders) -> None:
    """This client's open orders; the master client gets (and binds) everyone's."""
    if _is_master(sim, session):
        session.bound = True
        _send_open(session, sim.exchange.open_orders())
    else:
        _send_open(session, sim.exchange.open_orders(session.client_id))


def req_all_open_orders(sim: Simulator, session: SimSession, msg: ReqAllOpenOrders) -> None:
    _send_open(session, sim.exchange.open_orders())


def req_auto_open_orders(sim: Simulator, session: SimSession, msg: ReqAutoOpenOrders) -> None:
    if not _is_master(sim, session):
        # TWS allows auto open orders only for the master client (client id 0)
        session.send_error(
            -1, 321, "Error validating request.-'bd' : cause - Auto bind is allowed for client id 0 only"
        )
        return
    session.bound = msg.auto_bind


def req_completed_orders(sim: Simulator, session: SimSession, msg: ReqCompletedOrders) -> None:
    tz = sim.exchange.time_zone
    for o in sim.exchange.completed_orders():
        session.send(translate.completed_order(o, tz))
    session.send(CompletedOrdersEnd())


def parse_filter_time(text: str, default_zone: str) -> float | None:
    """The ExecutionFilter time: ``yyyymmdd hh:mm:ss`` (TWS's zone), ``yyyymmdd hh:mm:ss <zone>``
    or ``yyyymmdd-hh:mm:ss`` (UTC); None when empty or unreadable."""
    text = text.strip()
    if not text:
        return None
    try:
        if "-" in text[:9]:
            stamp = dt.datetime.strptime(text[:17], "%Y%m%d-%H:%M:%S").replace(tzinfo=dt.UTC)
        else:
            date, _, rest = text.partition(" ")
            clock, _, tz = rest.strip().partition(" ")
            stamp = dt.datetime.strptime(f"{date} {clock}", "%Y%m%d %H:%M:%S").replace(tzinfo=zone(tz or default_zone))
    except ValueError:
        return None
    return stamp.timestamp()


def req_executions(sim: Simulator, session: SimSession, msg: ReqExecutions) -> None:
    f: ExecutionFilter = msg.filter
    ex = sim.exchange
    since = parse_filter_time(f.time, ex.time_zone)
    if f.last_n_days:
        start = sim.clock.time() - f.last_n_days * 86400.0
        since = start if since is None else max(since, start)
    # Other clients' fills are visible to the master client only.
    client_id = f.client_id or None
    if not _is_master(sim, session) and client_id not in (None, session.client_id):
        client_id = -1
    elif not _is_master(sim, session):
        client_id = session.client_id
    found = ex.executions(
        client_id=client_id, account=f.acct_code or None, symbol=f.symbol.upper() or None,
        sec_type=f.sec_type.upper() or None, exchange=f.exchange.upper() or None, side=f.side.upper() or None,
        since=since,
    )  # fmt: skip
    for e in found:
        session.send(translate.execution_data(e, msg.req_id))
        report = ex.commission_report(e.exec_id)
        if report is not None:
            session.send(translate.commission_report(report))
    session.send(ExecutionDataEnd(msg.req_id))


HANDLERS: dict[type[Message], Handler] = {
    PlaceOrder: place_order,
    CancelOrder: cancel_order,
    ReqGlobalCancel: global_cancel,
    ReqOpenOrders: req_open_orders,
    ReqAllOpenOrders: req_all_open_orders,
    ReqAutoOpenOrders: req_auto_open_orders,
    ReqCompletedOrders: req_completed_orders,
    ReqExecutions: req_executions,
}
