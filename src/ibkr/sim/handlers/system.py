"""Session requests: START_API (accounts, next id, farm notices; duplicate client ids get 326),
REQ_IDS, REQ_CURRENT_TIME (+ in millis), REQ_MANAGED_ACCTS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ibkr.protocol.ids import SV
from ibkr.protocol.message import Message
from ibkr.protocol.messages.system import (
    CurrentTime,
    CurrentTimeInMillis,
    ManagedAccts,
    NextValidId,
    ReqCurrentTime,
    ReqCurrentTimeInMillis,
    ReqIds,
    ReqManagedAccts,
    StartApi,
)
from ibkr.sim.faults import NOTICE_TEXTS
from ibkr.sim.session import SimSession

if TYPE_CHECKING:
    from ibkr.sim.server import Handler, Simulator

__all__ = ["HANDLERS", "CLIENT_ID_IN_USE", "STARTUP_NOTICES"]

CLIENT_ID_IN_USE = "Unable to connect as the client id is already in use. Retry with a unique client id."
#: the farm notices a healthy gateway sends after START_API
STARTUP_NOTICES = (2104, 2106, 2158)


def start_api(sim: Simulator, session: SimSession, msg: StartApi) -> bool:
    if session.client_id is not None:
        return True  # a second START_API changes nothing
    if msg.client_id in session.endpoint.client_ids():
        # TWS: ERR_MSG -1 / 326, then it closes the socket.
        session.send_error(-1, 326, CLIENT_ID_IN_USE)
        return False
    session.client_id = msg.client_id
    session.send(ManagedAccts(",".join(sim.exchange.accounts)))
    session.send(NextValidId(sim.exchange.next_order_id(msg.client_id)))
    for code in STARTUP_NOTICES:
        session.send_error(-1, code, NOTICE_TEXTS[code])
    return True


def req_ids(sim: Simulator, session: SimSession, msg: ReqIds) -> None:
    assert session.client_id is not None
    session.send(NextValidId(sim.exchange.next_order_id(session.client_id)))


def req_current_time(sim: Simulator, session: SimSession, msg: ReqCurrentTime) -> None:
    session.send(CurrentTime(int(sim.clock.time())))


def req_current_time_in_millis(sim: Simulator, session: SimSession, msg: ReqCurrentTimeInMillis) -> None:
    if session.server_version >= SV.CURRENT_TIME_IN_MILLIS:
        session.send(CurrentTimeInMillis(sim.epoch_millis()))


def req_managed_accts(sim: Simulator, session: SimSession, msg: ReqManagedAccts) -> None:
    session.send(ManagedAccts(",".join(sim.exchange.accounts)))


HANDLERS: dict[type[Message], Handler] = {
    StartApi: start_api,
    ReqIds: req_ids,
    ReqCurrentTime: req_current_time,
    ReqCurrentTimeInMillis: req_current_time_in_millis,
    ReqManagedAccts: req_managed_accts,
}
