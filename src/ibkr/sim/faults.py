"""Fault injection: what a real gateway does to its clients on a bad day, on demand.

Scriptable from tests (``sim.faults.drop(client_id=1)``) and from the command line
(``ibkr sim --fault ...``). Every fault names its target: a client id (on one endpoint or all),
or every session.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ibkr.sim.server import Simulator
    from ibkr.sim.session import SimSession

__all__ = ["Faults", "NOTICE_TEXTS"]

#: the texts TWS sends with its connectivity and farm notices (tws-protocol.md section 7)
NOTICE_TEXTS: dict[int, str] = {
    1100: "Connectivity between IB and Trader Workstation has been lost.",
    1101: "Connectivity between IB and Trader Workstation has been restored - data lost.",
    1102: "Connectivity between IB and Trader Workstation has been restored - data maintained.",
    2103: "Market data farm connection is broken:usfarm",
    2104: "Market data farm connection is OK:usfarm",
    2105: "HMDS data farm connection is broken:ushmds",
    2106: "HMDS data farm connection is OK:ushmds",
    2107: "HMDS data farm connection is inactive but should be available upon demand.ushmds",
    2108: "Market data farm connection is inactive but should be available upon demand.usfarm",
    2110: "Connectivity between Trader Workstation and server is broken. It will be restored automatically.",
    2157: "Sec-def data farm connection is broken:secdefnj",
    2158: "Sec-def data farm connection is OK:secdefnj",
}


class Faults:
    """The fault switchboard of one simulator. ``client_id`` None targets every session; ``endpoint``
    None every endpoint. Methods that change sockets return how many sessions they touched."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def _targets(self, client_id: int | None, endpoint: int | None) -> list[SimSession]:
        return [
            s
            for ep in self.sim.endpoints
            if endpoint is None or ep.index == endpoint
            for s in ep.live_sessions()
            if client_id is None or s.client_id == client_id
        ]

    def drop(self, client_id: int | None = None, *, endpoint: int | None = None, with_1100: bool = False) -> int:
        """Drop the target connections: a reset at once, or (``with_1100``) the 1100 notice
        "connectivity lost" first and then a close."""
        targets = self._targets(client_id, endpoint)
        for s in targets:
            if with_1100 and s.ready:
                s.send_error(-1, 1100, NOTICE_TEXTS[1100])
                s.flush()
                s.close_soon()
            else:
                s.abort()
        return len(targets)

    def stall_feed(self) -> None:
        """Stop the market-data pump (subscriptions stay; no ticks until ``resume_feed``)."""
        self.sim.feed.paused = True

    def resume_feed(self) -> None:
        self.sim.feed.paused = False

    def stall(self, client_id: int | None = None, *, endpoint: int | None = None) -> int:
        """Keep the target sockets open but write nothing more to them (held until ``resume``)."""
        targets = self._targets(client_id, endpoint)
        for s in targets:
            s.faults.stalled = True
        return len(targets)

    def resume(self, client_id: int | None = None, *, endpoint: int | None = None) -> int:
        """Write what ``stall`` held back, in order, and go on normally."""
        targets = self._targets(client_id, endpoint)
        for s in targets:
            s.release_stall()
        return len(targets)

    def one_byte_writes(self, on: bool = True, client_id: int | None = None, *, endpoint: int | None = None) -> int:
        """Write every byte to the target sessions as its own write (frames split everywhere)."""
        targets = self._targets(client_id, endpoint)
        for s in targets:
            s.faults.one_byte_writes = on
        return len(targets)

    def notices(self, codes: Iterable[int], client_id: int | None = None, *, endpoint: int | None = None) -> int:
        """Send connectivity / farm notices (1100, 1101, 1102, 2103..2110, 2157, 2158) in order."""
        targets = [s for s in self._targets(client_id, endpoint) if s.ready]
        for code in codes:
            for s in targets:
                s.send_error(-1, code, NOTICE_TEXTS[code])
        self.sim.flush()
        return len(targets)

    def reject_next_order(self, code: int = 201, text: str = "Order rejected - reason:Simulated rejection") -> None:
        """The next order placed (by any client) is rejected by the engine with ``code`` / ``text``."""
        self.sim.exchange.reject_next_order(code, text)

    def delay_acks(self, seconds: float) -> None:
        """New orders stay PendingSubmit for ``seconds`` of clock time before their acknowledgement
        (released by the feed loop through ``Exchange.poll``); 0 switches it off."""
        self.sim.exchange.ack_delay = max(0.0, seconds)

    async def stop_endpoint(self, index: int = 0) -> None:
        """Stop one gateway: its port closes and its sessions are dropped."""
        await self.sim.endpoints[index].stop()

    async def start_endpoint(self, index: int = 0) -> None:
        """Start a stopped gateway again on the same port."""
        await self.sim.endpoints[index].start()

    async def restart(self, *, rollback_ids: bool = True) -> None:
        """A gateway restart: every endpoint stops (sessions dropped) and starts again on the same
        port; orders, executions and positions are kept; next valid ids roll back (as real
        gateways' can after their daily restart) unless ``rollback_ids`` is False."""
        for ep in self.sim.endpoints:
            await ep.stop()
        if rollback_ids:
            self.sim.exchange.restart(rollback_ids=True)
        for ep in self.sim.endpoints:
            await ep.start()
