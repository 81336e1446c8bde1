"""One simulated API session: a client socket, its server-role protocol core, and its outbox.

The session is the asyncio protocol of one client's socket. It answers the handshake through
``ServerConnection`` (one small write for the hello, as the official client expects), then decodes
requests and hands them to the simulator's dispatch table, in the socket's read callback (no
reader task between the socket and the engine: a request is answered in the loop iteration that
reads it).

Everything sent to the client is queued with ``send`` and written by ``flush``: all messages queued
since the last flush go out in one write (the feed flushes once per loop iteration, the dispatcher
once per batch of requests). ``flush`` records each message's monotonic send time when asked (for
one-way latency measurements; not a byte changes on the wire) and honours the per-session faults
(1-byte writes, stalls).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from array import array
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ibkr.errors import DecodeError, ProtocolError
from ibkr.protocol import NEED_DATA, ClientHello, ServerConnection, State
from ibkr.protocol.message import Message, ServerMessage
from ibkr.protocol.messages.system import ErrMsg
from ibkr.protocol.native import encode_frames

if TYPE_CHECKING:
    from ibkr.sim.server import Endpoint

__all__ = ["SimSession", "SessionFaults", "AccountSubs"]


@dataclass(slots=True)
class SessionFaults:
    """Faults that apply to one session (set through ``Simulator.faults``)."""

    #: write every frame one byte at a time (each byte its own write)
    one_byte_writes: bool = False
    #: hold back everything sent to this client until resumed
    stalled: bool = False
    held: list[bytes | bytearray] = field(default_factory=list)


@dataclass(slots=True)
class AccountSubs:
    """The account-side subscriptions of one session, and the values last sent to each (only
    changed values are pushed again)."""

    positions: bool = False
    #: REQ_ACCT_DATA: the subscribed account, or None
    acct_data: str | None = None
    acct_sent: dict[tuple[str, str], str] = field(default_factory=dict)
    #: req_id -> (group tags, last sent values)
    summaries: dict[int, tuple[str, dict[tuple[str, str, str], str]]] = field(default_factory=dict)
    #: req_id -> (account, ledger_and_nlv, last sent values)
    updates_multi: dict[int, tuple[str, dict[tuple[str, str], str]]] = field(default_factory=dict)
    #: req_id -> account ("" = all)
    positions_multi: dict[int, str] = field(default_factory=dict)
    #: req_id -> account
    pnl: dict[int, str] = field(default_factory=dict)
    #: req_id -> (account, con_id)
    pnl_single: dict[int, tuple[str, int]] = field(default_factory=dict)


class SimSession(asyncio.Protocol):
    """A connected API client as the simulator sees it (the protocol of its socket)."""

    def __init__(self, endpoint: Endpoint, transport: asyncio.Transport) -> None:
        sim = endpoint.sim
        self.endpoint = endpoint
        self.sim = sim
        self.transport = transport
        #: set when the socket is gone (``connection_lost``): the session's end is filed by then
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._writable: asyncio.Future[None] | None = None
        self.conn = ServerConnection(max_version=sim.config.max_server_version)
        #: set once START_API was accepted
        self.client_id: int | None = None
        self.faults = SessionFaults()
        self.closed = asyncio.Event()
        self.account = AccountSubs()
        #: REQ_MARKET_DATA_TYPE (1 live, 2 frozen, 3 delayed, 4 delayed-frozen)
        self.market_data_type = 1
        #: client 0 asked for REQ_AUTO_OPEN_ORDERS(True) or REQ_OPEN_ORDERS: it sees every order
        self.bound = False
        self._monotonic_ns = sim.clock.monotonic_ns
        #: monotonic send time (ns) of every message sent after the handshake reply, in order
        self.send_times: array[int] | None = array("q") if sim.config.record_send_times else None
        self.messages_sent = 0
        self.pending: list[ServerMessage] = []
        self._slow: bytearray = bytearray()
        self._slow_task: asyncio.Task[None] | None = None
        #: request arrival times (ns) for the pacing check
        self._recent: deque[int] = deque()
        self.pacing_violations = 0
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else "?"
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def __repr__(self) -> str:
        return f"<SimSession client_id={self.client_id} port={self.endpoint.port} peer={self.peer}>"

    @property
    def server_version(self) -> int:
        return self.conn.server_version

    @property
    def ready(self) -> bool:
        return self.client_id is not None and not self.closed.is_set()

    # --- sending -----------------------------------------------------------------------------

    def send(self, msg: ServerMessage) -> None:
        """Queue one message (written at the next ``flush``)."""
        if not self.pending:
            self.sim.dirty.append(self)
        self.pending.append(msg)

    def send_many(self, msgs: Iterable[ServerMessage]) -> None:
        was_empty = not self.pending
        self.pending.extend(msgs)
        if was_empty and self.pending:
            self.sim.dirty.append(self)

    def send_error(self, req_id: int, code: int, text: str, advanced: str = "") -> None:
        self.send(ErrMsg(req_id, code, text, advanced, self.sim.epoch_millis()))

    def flush(self) -> None:
        """Encode and write everything queued, as one write (unless a fault says otherwise)."""
        msgs, self.pending = self.pending, []
        if not msgs or self.closed.is_set():
            return
        # the tick runs by the compiled encoder where it is built; a message this version cannot
        # carry (ProtocolError) is a simulator bug: left out and counted, the session goes on
        data, sent = encode_frames(msgs, self.conn.server_version)
        self.sim.stats.encode_errors += len(msgs) - sent
        if self.send_times is None:
            self.write(data)
        else:
            # stamped right before the write and recorded after it: the record's own bookkeeping
            # (an array that grows) never sits between the send time and the send
            now = self._monotonic_ns()
            self.write(data)
            self.send_times.extend([now] * sent)
        self.messages_sent += sent

    def write(self, data: bytes | bytearray) -> None:
        if not data or self.closed.is_set():
            return
        if self.faults.stalled:
            self.faults.held.append(data)
        elif self.faults.one_byte_writes or self._slow:
            self._slow += data
            if self._slow_task is None:
                self._slow_task = self.sim.spawn(self._write_bytewise())
        else:
            self.transport.write(data)

    async def _write_bytewise(self) -> None:
        try:
            while self._slow and not self.closed.is_set():
                self.transport.write(bytes(self._slow[:1]))
                del self._slow[:1]
                if self._writable is not None:
                    await self._writable  # the transport's buffer is full: wait for it to drain
                await asyncio.sleep(0)  # let the peer see each byte on its own
        except (ConnectionError, OSError):
            pass
        finally:
            self._slow_task = None

    def release_stall(self) -> None:
        self.faults.stalled = False
        held, self.faults.held = self.faults.held, []
        for data in held:
            self.write(data)

    # --- receiving ---------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        """Decode and answer every complete request of this read, then write the answers."""
        if self.closed.is_set():
            return
        self.conn.receive_data(data)
        keep = self._process()
        self.sim.flush()
        if not keep:
            self.close_soon()

    def eof_received(self) -> bool:
        return False  # the client closed its side: close ours (what a TWS session does)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()
        self.pending.clear()
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        if not self.lost.done():
            self.lost.set_result(None)
        self.sim.session_closed(self)

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        writable, self._writable = self._writable, None
        if writable is not None and not writable.done():
            writable.set_result(None)

    def _process(self) -> bool:
        """Handle every complete event; False when the session must end."""
        sim = self.sim
        conn = self.conn
        while not self.closed.is_set():
            unknown = conn.unknown_messages.total()
            try:
                event = conn.next_event()
            except DecodeError as exc:
                # A request TWS cannot parse is answered with an error; the session goes on.
                sim.stats.bad_messages += 1
                if conn.state is State.READY:
                    self.send_error(-1, 320, f"Error reading request. {exc}")
                continue
            except ProtocolError:
                # the byte stream itself is broken (bad length, not a TWS hello): drop the client
                sim.stats.bad_messages += 1
                return False
            if conn.unknown_messages.total() != unknown:
                sim.stats.unknown_requests += 1
                if conn.state is State.READY:
                    self.send_error(-1, 320, "Error reading request. Unsupported message id.")
            if event is NEED_DATA:
                return True
            if isinstance(event, ClientHello):
                if not sim.accept_hello(self):
                    return False
                continue
            if isinstance(event, Message):
                if not self._paced_ok():
                    continue
                if not sim.dispatch(self, event):
                    return False
        return False

    def _paced_ok(self) -> bool:
        """TWS's message-rate limit: more than ``pacing_limit`` requests in one second -> 100."""
        limit = self.sim.config.pacing_limit
        if not limit or self.client_id is None:
            return True
        now = self._monotonic_ns()
        recent = self._recent
        while recent and now - recent[0] >= 1_000_000_000:
            recent.popleft()
        if len(recent) >= limit:
            self.pacing_violations += 1
            self.sim.stats.pacing_violations += 1
            self.send_error(
                -1,
                100,
                f"Max rate of messages per second has been exceeded:max={limit} rec={len(recent) + 1} (1)",
            )
            return False
        recent.append(now)
        return True

    # --- closing -----------------------------------------------------------------------------

    async def close(self) -> None:
        """Close after writing what is buffered (a FIN, the way TWS closes a refused client)."""
        self.close_soon()
        await self.lost

    def close_soon(self) -> None:
        """Write what is buffered, then close (without waiting)."""
        if self.closed.is_set():
            return
        self.closed.set()
        self.transport.close()

    def abort(self) -> None:
        """Drop the socket at once (a reset, as when a gateway dies)."""
        self.closed.set()
        self.pending.clear()
        self.transport.abort()
