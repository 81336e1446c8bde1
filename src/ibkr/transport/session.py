"""One API session: one byte stream + one client-role protocol core + its pacing and health.

``Session.connect`` opens the stream, runs the handshake (hello, START_API, readiness) and then
switches the stream to the hot path: every read goes through ``ClientConnection.receive_messages``
and the whole batch is handed to ``on_messages`` in the socket's callback (no queue, no thread).

One exception keeps an order's acknowledgement quick: when one of the first frames of a read is an
ORDER_STATUS and more frames follow it, the read is decoded and delivered up to and including that
ORDER_STATUS at once, and the rest on the next loop iteration (before any later read). A coroutine
awaiting the order (``submit_order``, ``wait_ack``) then resumes before the rest is decoded: TWS
writes an order's PreSubmitted and Submitted OPEN_ORDER + ORDER_STATUS pairs back to back, and
decoding the second pair first costs the awaiting code ~0.1 ms. Order among messages is kept.

``send`` encodes at once, so a message the negotiated version cannot carry fails before anything
is queued, then passes the frame through the session's pacer (orders first). The session answers
its own heartbeats (REQ_CURRENT_TIME round trips, matched first-in first-out) and keeps the
statistics the gateway reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import struct
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ibkr.errors import (
    ClientIdInUse,
    ConnectionClosed,
    DecodeError,
    NotConnectedError,
    NotTWSError,
    ProtocolError,
)
from ibkr.metrics import LatencyHistogram
from ibkr.protocol import NEED_DATA, ClientConnection, ConnectionReady, ServerHello, State
from ibkr.protocol.ids import MAX_SUPPORTED_VERSION, MIN_SUPPORTED_VERSION, In
from ibkr.protocol.message import ClientMessage, Message
from ibkr.protocol.messages.system import CurrentTime, ErrMsg, ReqCurrentTime
from ibkr.transport.busypoll import BusyPoll
from ibkr.transport.pacing import AsyncPacer, Priority
from ibkr.transport.stream import ByteStream, SocketOptions, open_stream

__all__ = ["Endpoint", "Session", "SessionStats", "Received"]

#: what ``on_messages`` receives: decoded messages and, in order among them, undecodable ones
Received = Sequence[Message | DecodeError]

_CLIENT_ID_IN_USE = 326
#: the first byte of an ORDER_STATUS payload in the text protocol (its id, one digit, then NUL)
_ORDER_STATUS_ID = ord(str(int(In.ORDER_STATUS)))
#: how many frames at the start of a read are looked at for an ORDER_STATUS to cut after
_CUT_PEEK = 4
_frame_size = struct.Struct(">I").unpack_from


def _cut_after_status(data: memoryview) -> int:
    """The end of the first ORDER_STATUS frame among the first ``_CUT_PEEK`` frames of ``data``
    (which starts on a frame boundary) when more bytes follow it; 0 otherwise."""
    pos, size = 0, len(data)
    for _ in range(_CUT_PEEK):
        if size - pos < 6:
            return 0
        length: int = _frame_size(data, pos)[0]
        end = pos + 4 + length
        if end >= size:
            return 0  # the last frame of the read (or a partial one): nothing to put off
        if length >= 2 and data[pos + 4] == _ORDER_STATUS_ID and data[pos + 5] == 0:
            return end
        pos = end
    return 0


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a TWS / IB Gateway listens, and how to reach it."""

    host: str
    port: int
    ssl_context: ssl.SSLContext | None = None
    server_hostname: str | None = None

    @property
    def label(self) -> str:
        scheme = "tls" if self.ssl_context is not None else "tcp"
        return f"{scheme}://{self.host}:{self.port}"


@dataclass(slots=True)
class SessionStats:
    messages_in: int = 0
    messages_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    decode_errors: int = 0
    tws_errors: int = 0
    last_receive_ns: int = 0
    connected_ns: int = 0
    heartbeat_rtt: LatencyHistogram = field(default_factory=LatencyHistogram)


class Session:
    """A connected API session (one client id on one endpoint)."""

    def __init__(
        self,
        endpoint: Endpoint,
        client_id: int,
        *,
        on_messages: Callable[[Session, Received], None],
        on_close: Callable[[Session, Exception | None], None] = lambda s, e: None,
        connect_options: str = "",
        min_version: int = MIN_SUPPORTED_VERSION,
        max_version: int = MAX_SUPPORTED_VERSION,
        socket_options: SocketOptions | None = None,
        pacing_rate: float = 50.0,
        clock_ns: Callable[[], int] = time.monotonic_ns,
        busy_poll: BusyPoll | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.client_id = client_id
        self.on_messages = on_messages
        self.on_close = on_close
        self.conn = ClientConnection(min_version, max_version, connect_options)
        self.socket_options = socket_options or SocketOptions()
        # burst: at most a fifth of the rate in any fifth of a second, so the window never
        # empties into a pile of requests that TWS (counting on arrival) sees compressed
        burst = max(1, int(pacing_rate) // 5) if pacing_rate else None
        self.pacer: AsyncPacer[bytes] = AsyncPacer(self._write, rate=pacing_rate, burst=burst)
        self.stats = SessionStats()
        self._clock_ns = clock_ns
        self._stream: ByteStream | None = None
        self._pings: deque[tuple[int, asyncio.Future[int]]] = deque()
        self._handshake: asyncio.Future[ConnectionReady] | None = None
        self._hello: asyncio.Future[ServerHello] | None = None
        self.ready: ConnectionReady | None = None
        self.closed = asyncio.Event()
        self.close_reason: Exception | None = None
        #: the rest of a read cut after an ORDER_STATUS, decoded on the next loop iteration
        self._deferred: bytes | None = None
        #: kicked on every read (keeps the loop polling for a while; None: the loop sleeps)
        self._busy_poll = busy_poll

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def server_version(self) -> int:
        return self.conn.server_version

    @property
    def connected(self) -> bool:
        return self.ready is not None and not self.closed.is_set()

    async def connect(self, timeout: float = 10.0) -> ConnectionReady:
        """Open the stream, complete the handshake and wait for readiness.

        Raises ``ConnectError``/``CertificateError`` (cannot reach), ``NotTWSError`` (the peer did
        not answer like TWS), ``ClientIdInUse`` (error 326) or ``ConnectionClosed``.
        """
        loop = asyncio.get_running_loop()
        ep = self.endpoint
        deadline = loop.time() + timeout
        stream = await open_stream(
            ep.host,
            ep.port,
            ssl_context=ep.ssl_context,
            server_hostname=ep.server_hostname,
            options=self.socket_options,
            timeout=timeout,
        )
        self._stream = stream
        self._hello = loop.create_future()
        self._handshake = loop.create_future()
        stream.on_data = self._on_handshake_data
        stream.on_close = self._on_stream_close
        stream.write(self.conn.initiate())
        try:
            async with asyncio.timeout(max(0.01, deadline - loop.time())):
                await self._hello
        except TimeoutError:
            stream.abort()
            raise NotTWSError(f"{ep.label} did not answer the TWS handshake within {timeout}s") from None
        except ProtocolError as exc:
            stream.abort()
            raise NotTWSError(f"{ep.label} is not a usable TWS: {exc}") from exc
        except ConnectionClosed as exc:
            raise NotTWSError(f"{ep.label} closed the connection during the handshake") from exc
        stream.write(self.conn.start_api(self.client_id))
        try:
            async with asyncio.timeout(max(0.01, deadline - loop.time())):
                ready = await self._handshake
        except TimeoutError:
            stream.abort()
            raise NotTWSError(f"{ep.label} sent no NEXT_VALID_ID / MANAGED_ACCTS within {timeout}s") from None
        self.ready = ready
        self.stats.connected_ns = self._clock_ns()
        stream.on_data = self._on_data
        return ready

    def close(self, reason: Exception | None = None) -> None:
        if self._stream is not None:
            self.close_reason = self.close_reason or reason
            self._stream.close()

    def abort(self, reason: Exception | None = None) -> None:
        """Drop the socket at once (used for a stalled connection)."""
        if self._stream is not None:
            self.close_reason = self.close_reason or reason
            self._stream.abort()

    async def aclose(self) -> None:
        self.pacer.close()
        if self._stream is not None:
            await self._stream.aclose()

    # --- receiving ---------------------------------------------------------------------------

    def _on_handshake_data(self, data: memoryview) -> None:
        conn = self.conn
        conn.receive_data(data)
        batch: list[Message | DecodeError] = []
        while True:
            try:
                event = conn.next_event()
            except DecodeError as exc:
                batch.append(exc)
                continue
            except ProtocolError as exc:
                self._fail_handshake(exc)
                return
            if event is NEED_DATA:
                break
            if isinstance(event, ServerHello):
                if self._hello is not None and not self._hello.done():
                    self._hello.set_result(event)
            elif isinstance(event, ConnectionReady):
                self._deliver(batch)
                batch = []
                if self._handshake is not None and not self._handshake.done():
                    self._handshake.set_result(event)
                # anything already buffered after readiness goes the hot way
                if conn.state is State.READY and self._stream is not None:
                    self._stream.on_data = self._on_data
                    rest = conn.receive_messages(b"")
                    self._deliver(rest)
                return
            elif isinstance(event, ErrMsg) and event.error_code == _CLIENT_ID_IN_USE:
                self._fail_handshake(
                    ClientIdInUse(
                        code=_CLIENT_ID_IN_USE,
                        message=event.error_string,
                        req_id=event.id,
                        advanced_order_reject_json="",
                    )
                )
                return
            elif isinstance(event, Message):
                batch.append(event)
        self._deliver(batch)

    def _fail_handshake(self, exc: Exception) -> None:
        for fut in (self._hello, self._handshake):
            if fut is not None and not fut.done():
                fut.set_exception(exc)
        if self._stream is not None:
            self._stream.abort()

    def _on_data(self, data: memoryview) -> None:
        if self._busy_poll is not None:
            self._busy_poll.kick()
        if self._deferred is not None:
            self._receive_deferred()  # an earlier read's rest goes first (order is kept)
        # Cut only a read that starts on a frame boundary (nothing buffered from the last one).
        cut = _cut_after_status(data) if not self.conn.buffered else 0
        if not cut:
            self._receive(data)
            return
        self._deferred = bytes(data[cut:])  # the stream reuses its read buffer: copy the rest
        self._receive(data[:cut])
        # scheduled after the head was delivered: the coroutines it woke run first
        asyncio.get_running_loop().call_soon(self._receive_deferred)

    def _receive_deferred(self) -> None:
        rest, self._deferred = self._deferred, None
        if rest is not None and self.conn.state is State.READY:  # not after the frame layer broke
            self._receive(memoryview(rest))

    def _receive(self, data: memoryview) -> None:
        try:
            msgs = self.conn.receive_messages(data)
        except ProtocolError as exc:  # the frame layer broke: this connection is finished
            self.abort(exc)
            return
        self._deliver(msgs)

    def _deliver(self, msgs: Received) -> None:
        if not msgs:
            return
        stats = self.stats
        stats.last_receive_ns = self._clock_ns()
        stats.messages_in += len(msgs)
        if self._pings:
            msgs = self._take_pings(msgs)
        self.on_messages(self, msgs)

    def _take_pings(self, msgs: Received) -> list[Message | DecodeError]:
        out: list[Message | DecodeError] = []
        for m in msgs:
            if type(m) is CurrentTime and self._pings:
                sent_ns, fut = self._pings.popleft()
                rtt = self._clock_ns() - sent_ns
                self.stats.heartbeat_rtt.record(rtt)
                if not fut.done():
                    fut.set_result(m.time)
                continue
            out.append(m)
        return out

    def _on_stream_close(self, exc: Exception | None) -> None:
        if self._deferred is not None:
            self._receive_deferred()  # what arrived before the close is delivered before it
        reason = self.close_reason or exc
        self.close_reason = reason
        self.closed.set()
        self.pacer.close()
        err = ConnectionClosed(f"connection to {self.endpoint.label} closed", reason=reason)
        for fut in (self._hello, self._handshake):
            if fut is not None and not fut.done():
                fut.set_exception(err)
        while self._pings:
            _, ping = self._pings.popleft()
            if not ping.done():
                ping.set_exception(err)
        if self.ready is not None:
            self.on_close(self, reason)

    # --- sending -----------------------------------------------------------------------------

    def send(self, msg: ClientMessage, priority: Priority = Priority.CONTROL) -> None:
        """Encode ``msg`` now and send it when the pacer allows (orders before data)."""
        if self._stream is None or self.closed.is_set():
            raise NotConnectedError(f"session {self.endpoint.label} is not connected")
        data = self.conn.send(msg)
        self.stats.messages_out += 1
        self.pacer.submit(data, priority)

    def send_raw(self, data: bytes, priority: Priority = Priority.CONTROL) -> None:
        """Send an already framed message as is (the gateway's raw API)."""
        if self._stream is None or self.closed.is_set():
            raise NotConnectedError(f"session {self.endpoint.label} is not connected")
        self.stats.messages_out += 1
        self.pacer.submit(data, priority)

    def _write(self, data: bytes) -> None:
        stream = self._stream
        if stream is None:
            return
        with contextlib.suppress(ConnectionClosed):
            stream.write(data)
            self.stats.bytes_out += len(data)

    async def current_time(self, timeout: float = 5.0) -> int:
        """Server time (epoch seconds) by a REQ_CURRENT_TIME round trip; the RTT is recorded."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[int] = loop.create_future()
        self.send(ReqCurrentTime(), Priority.CONTROL)
        self._pings.append((self._clock_ns(), fut))
        async with asyncio.timeout(timeout):
            return await fut

    @property
    def silence_ns(self) -> int:
        """Nanoseconds since the last message arrived."""
        last = self.stats.last_receive_ns or self.stats.connected_ns
        return self._clock_ns() - last if last else 0

    @property
    def bytes_in(self) -> int:
        return self._stream.bytes_in if self._stream is not None else 0
