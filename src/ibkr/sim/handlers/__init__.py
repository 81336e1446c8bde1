"""Request handlers of the simulator: one table keyed by message class, merged from the domains.

A handler is ``handler(sim, session, msg)``; it queues its answers on the session (the dispatcher
flushes) and returns False only to end the session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ibkr.protocol.message import Message
from ibkr.sim.handlers.account import HANDLERS as ACCOUNT
from ibkr.sim.handlers.contracts import HANDLERS as CONTRACTS
from ibkr.sim.handlers.market import HANDLERS as MARKET
from ibkr.sim.handlers.orders import HANDLERS as ORDERS
from ibkr.sim.handlers.system import HANDLERS as SYSTEM

if TYPE_CHECKING:
    from ibkr.sim.server import Handler

__all__ = ["HANDLERS"]

HANDLERS: dict[type[Message], Handler] = {
    **SYSTEM,
    **CONTRACTS,
    **MARKET,
    **ORDERS,
    **ACCOUNT,
}
