"""IBKRGateway: the one connection stack of ibkr (pool, failover, health, raw API).

The gateway keeps ``max_connections`` sessions ("slots") alive, each with its own client id
(``client_id_base + i``), over the primary endpoint and its backups:

* **Supervision.** Each slot has a supervisor task: connect (primary first, then the backups in
  order), run until the session dies, reconnect with jittered exponential backoff. An endpoint
  that failed is not tried again before its own backoff expires, so unreachable backups never spin.
  Error 326 (client id in use) waits and moves to the next fallback client id.
* **Failover / failback.** A slot that lost its endpoint moves to the next reachable one (a
  failover is counted when it lands on another endpoint). While a slot runs on a backup, a probe
  checks the primary every ``failback_interval`` seconds; once it accepts connections the slot is
  moved back (``failback=True``).
* **Health.** Every ``heartbeat_interval`` a REQ_CURRENT_TIME round trip is timed on each session;
  one that gets no answer within ``stall_timeout`` (open but silent) is dropped and replaced.
* **Routing.** Orders and their status belong to one client id: they always use slot 0.
  Market-data and historical requests go to the least-loaded live slot (``load_balance``), each
  slot with its own pacing budget.
* **Listeners** (IBKRClient, IBKRDataStream) receive every decoded message batch in the socket
  callback, and ``on_session_up`` / ``on_session_down`` to resubscribe and reconcile.

The raw API (``send_message`` / ``receive_message``) works at the level of one TWS message:
``send_message`` takes a framed message (4-byte length + payload, as ``ibkr.protocol.frame``
builds it) or a typed ``ClientMessage``; ``receive_message`` returns the next message received on
any session, already decoded (framing and decoding happen in the socket callback; the typed
message is the same object the typed API sees).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import random
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ibkr.config import LIVE_PORTS, ConnectionMode, GatewayConfig
from ibkr.errors import (
    ClientIdInUse,
    ConfigError,
    ConnectError,
    ConnectionClosed,
    DecodeError,
    IBKRError,
    LiveTradingNotAllowed,
    NotConnectedError,
    TransportError,
)
from ibkr.metrics import LatencyHistogram, LatencySnapshot
from ibkr.protocol.message import ClientMessage, Message
from ibkr.transport.backoff import Backoff, ReconnectPolicy
from ibkr.transport.busypoll import BusyPoll
from ibkr.transport.pacing import Priority
from ibkr.transport.session import Endpoint, Received, Session
from ibkr.transport.stream import SocketOptions, open_stream

__all__ = [
    "IBKRGateway",
    "GatewayConfig",
    "ConnectionMode",
    "GatewayListener",
    "InboundMessage",
    "ConnectionStatistics",
    "GatewayStatistics",
    "SlotState",
    "is_paper_account",
]


class SlotState(enum.Enum):
    CONNECTING = "connecting"
    UP = "up"
    DOWN = "down"
    CLOSED = "closed"


class GatewayListener(Protocol):
    def on_messages(self, slot: int, msgs: Received) -> None: ...

    def on_session_up(self, slot: int, session: Session, first: bool) -> Awaitable[None] | None: ...

    def on_session_down(self, slot: int, reason: BaseException | None) -> None: ...


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One received message as the raw API returns it."""

    connection: int
    message: Message | DecodeError
    received_ns: int


@dataclass(frozen=True, slots=True)
class ConnectionStatistics:
    connection: int
    client_id: int
    endpoint: str
    state: str
    messages_in: int
    messages_out: int
    bytes_in: int
    bytes_out: int
    decode_errors: int
    reconnects: int
    failovers: int
    stalls_detected: int
    load: int
    queue_depth: int
    pacing_delayed: int
    pacing_max_delay: float
    last_message_age: float | None
    heartbeat_rtt: LatencySnapshot


@dataclass(frozen=True, slots=True)
class GatewayStatistics:
    connections: list[ConnectionStatistics]
    messages_in: int
    messages_out: int
    bytes_in: int
    bytes_out: int
    reconnects: int
    failovers: int
    connected: int
    receive_queue_depth: int
    receive_queue_dropped: int

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def is_paper_account(account: str) -> bool:
    """IB paper accounts start with D (DU..., DF...)."""
    return account.startswith("D")


def build_ssl_context(config: GatewayConfig) -> ssl.SSLContext | None:
    if config.connection_mode is not ConnectionMode.SSL:
        return None
    ctx = ssl.create_default_context(cafile=config.ssl_ca_file)
    if not config.ssl_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


@dataclass(slots=True)
class _Slot:
    index: int
    client_id: int
    state: SlotState = SlotState.DOWN
    session: Session | None = None
    endpoint_index: int = -1
    load: int = 0
    reconnects: int = 0
    failovers: int = 0
    stalls: int = 0
    up: asyncio.Event = field(default_factory=asyncio.Event)
    first_attempt_done: asyncio.Event = field(default_factory=asyncio.Event)
    last_error: BaseException | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    # counters of sessions that have gone, so statistics survive reconnects
    past_in: int = 0
    past_out: int = 0
    past_bytes_in: int = 0
    past_bytes_out: int = 0


class _EndpointState:
    """Backoff of one endpoint: when it may be tried again."""

    def __init__(self, endpoint: Endpoint, backoff: Backoff) -> None:
        self.endpoint = endpoint
        self.backoff = backoff
        self.not_before = 0.0
        self.last_error: BaseException | None = None

    def failed(self, now: float, exc: BaseException) -> None:
        self.last_error = exc
        self.not_before = now + self.backoff.next_delay()

    def succeeded(self) -> None:
        self.backoff.reset()
        self.not_before = 0.0


class IBKRGateway:
    """A pool of TWS sessions with failover and health checks (see the module docstring)."""

    def __init__(
        self,
        config: GatewayConfig | None = None,
        *,
        raw_queue: bool = True,
        ssl_context: ssl.SSLContext | None = None,
        rng: random.Random | None = None,
        clock_ns: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.config = config or GatewayConfig()
        cfg = self.config
        self._rng = rng or random.Random()
        self._clock_ns = clock_ns
        ctx = ssl_context or build_ssl_context(cfg)
        self._endpoints = [
            _EndpointState(
                Endpoint(host, port, ctx, cfg.ssl_server_hostname),
                Backoff(cfg.reconnect_initial_delay, cfg.reconnect_max_delay, rng=self._rng),
            )
            for host, port in cfg.endpoints
        ]
        self._slots = [_Slot(i, cfg.client_id_base + i) for i in range(cfg.max_connections)]
        self._listeners: list[GatewayListener] = []
        self._raw: deque[InboundMessage] | None = deque() if raw_queue else None
        self._raw_event = asyncio.Event()
        self._raw_dropped = 0
        self._closing = False
        self._started = False
        self._socket_options = SocketOptions(
            nodelay=cfg.tcp_nodelay,
            send_buffer=cfg.send_buffer,
            receive_buffer=cfg.receive_buffer,
            keepalive=cfg.keepalive,
        )
        #: accounts reported by the first session (MANAGED_ACCTS)
        self.accounts: tuple[str, ...] = ()
        #: keeps the loop polling after each read of any session (GatewayConfig.busy_poll_ms)
        self.busy_poll = BusyPoll(cfg.busy_poll_ms / 1e3) if cfg.busy_poll_ms > 0 else None

    # --- listeners ---------------------------------------------------------------------------

    def add_listener(self, listener: GatewayListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: GatewayListener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    # --- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> IBKRGateway:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _check_live_guard(self) -> None:
        if self.config.allow_live:
            return
        live = [f"{h}:{p}" for h, p in self.config.endpoints if p in LIVE_PORTS]
        if live:
            raise LiveTradingNotAllowed(
                f"{', '.join(live)} is a live-trading port (7496 TWS, 4001 IB Gateway); pass allow_live=True "
                "or set IB_ALLOW_LIVE=1 to connect to it"
            )

    async def connect(self, timeout: float | None = None) -> None:
        """Start every slot and wait until the order slot is up (all slots when ``prewarm``).

        Raises ``LiveTradingNotAllowed`` before any socket is opened for a live port without opt
        in, and a ``TransportError`` (the primary's error) when no endpoint could be reached.
        Slots that could not connect keep retrying in the background; the pool serves from the
        ones that work.
        """
        self._check_live_guard()
        if self._started:
            return
        self._started = True
        self._closing = False
        loop = asyncio.get_running_loop()
        for slot in self._slots:
            slot.tasks.append(loop.create_task(self._supervise(slot)))
        wait_for = self._slots if self.config.prewarm else self._slots[:1]
        limit = timeout if timeout is not None else self.config.connect_timeout * (1 + len(self._endpoints))
        try:
            async with asyncio.timeout(limit):
                await asyncio.gather(*(s.first_attempt_done.wait() for s in wait_for))
                if not self._slots[0].up.is_set():
                    await self._wait_any_up()
        except TimeoutError:
            pass
        if not any(s.up.is_set() for s in self._slots):
            err = self._slots[0].last_error or self._endpoints[0].last_error
            await self.aclose()
            if isinstance(err, IBKRError):
                raise err
            raise ConnectError(f"no TWS endpoint reachable: {err}")

    async def _wait_any_up(self) -> None:
        """Until a slot is up, or every supervisor has given up (no retries left)."""
        while not any(s.up.is_set() for s in self._slots):
            running = [t for s in self._slots for t in s.tasks if not t.done()]
            if not running:
                return
            waits = [asyncio.ensure_future(s.up.wait()) for s in self._slots]
            try:
                await asyncio.wait([*waits, *running], return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waits:
                    w.cancel()

    async def aclose(self) -> None:
        self._closing = True
        self._started = False
        tasks = [t for s in self._slots for t in s.tasks]
        for t in tasks:
            t.cancel()
        for slot in self._slots:
            if slot.session is not None:
                await slot.session.aclose()
        for t in tasks:
            with contextlib.suppress(BaseException):
                await t
        for slot in self._slots:
            slot.tasks.clear()
            slot.state = SlotState.CLOSED
            slot.up.clear()
        if self.busy_poll is not None:
            self.busy_poll.stop()
        self._raw_event.set()

    @property
    def connected(self) -> bool:
        return any(s.up.is_set() for s in self._slots)

    # --- supervision ---------------------------------------------------------------------------

    async def _supervise(self, slot: _Slot) -> None:
        cfg = self.config
        policy = ReconnectPolicy(
            client_ids=(slot.client_id, *cfg.fallback_client_ids),
            backoff=Backoff(cfg.reconnect_initial_delay, cfg.reconnect_max_delay, rng=self._rng),
            max_attempts=cfg.max_reconnect_attempts if cfg.auto_reconnect else 0,
        )
        first = True
        while not self._closing:
            slot.state = SlotState.CONNECTING
            session, ep_index, error_code = await self._connect_any(slot, policy.client_id)
            slot.first_attempt_done.set()
            if session is None:
                retry = policy.on_failure(error_code)
                if retry is None:
                    slot.state = SlotState.DOWN
                    return
                slot.client_id = retry.client_id
                await asyncio.sleep(self._retry_delay(retry.delay))
                continue
            policy.on_connected()
            slot.client_id = policy.client_id
            if not first and ep_index != slot.endpoint_index:
                slot.failovers += 1
            if not first:
                slot.reconnects += 1
            slot.endpoint_index = ep_index
            slot.session = session
            slot.state = SlotState.UP
            slot.last_error = None
            if slot.index == 0 and session.ready is not None:
                self.accounts = session.ready.accounts
            if not self._accounts_allowed(session):
                slot.last_error = LiveTradingNotAllowed(
                    f"accounts {', '.join(session.ready.accounts if session.ready else ())} are not paper "
                    "accounts; pass allow_live=True or set IB_ALLOW_LIVE=1"
                )
                await session.aclose()
                slot.state = SlotState.DOWN
                slot.first_attempt_done.set()
                return
            # listeners resubscribe / reconcile before the slot counts as up, so that nothing
            # routed to this slot overtakes the resubscriptions
            await self._notify_up(slot, session, first)
            slot.up.set()
            first = False
            await self._run_session(slot, session)
            slot.up.clear()
            slot.state = SlotState.DOWN
            self._retire(slot, session)
            for listener in list(self._listeners):
                listener.on_session_down(slot.index, session.close_reason)
            if not cfg.auto_reconnect:
                return

    def _retry_delay(self, delay: float) -> float:
        # when every endpoint is in backoff, wait for the first that becomes due
        now = time.monotonic()
        due = min(ep.not_before for ep in self._endpoints) - now
        return max(delay, min(due, self.config.reconnect_max_delay), 0.01)

    def _accounts_allowed(self, session: Session) -> bool:
        if self.config.allow_live or session.ready is None:
            return True
        return all(is_paper_account(a) for a in session.ready.accounts)

    async def _connect_any(self, slot: _Slot, client_id: int) -> tuple[Session | None, int, int | None]:
        """Try the endpoints in order (primary first), skipping those in backoff."""
        now = time.monotonic()
        error_code: int | None = None
        for index, ep in enumerate(self._endpoints):
            if ep.not_before > now:
                continue
            session = self._new_session(slot, ep.endpoint, client_id)
            try:
                await session.connect(self.config.connect_timeout)
            except ClientIdInUse as exc:
                slot.last_error = exc
                return None, index, exc.code
            except (IBKRError, OSError) as exc:
                slot.last_error = exc
                ep.failed(time.monotonic(), exc)
                continue
            ep.succeeded()
            return session, index, None
        return None, -1, error_code

    def _new_session(self, slot: _Slot, endpoint: Endpoint, client_id: int) -> Session:
        cfg = self.config
        return Session(
            endpoint,
            client_id,
            on_messages=lambda s, msgs: self._on_messages(slot.index, msgs),
            connect_options=cfg.connect_options,
            min_version=cfg.min_server_version,
            max_version=cfg.max_server_version,
            socket_options=self._socket_options,
            pacing_rate=cfg.pacing_rate,
            clock_ns=self._clock_ns,
            busy_poll=self.busy_poll,
        )

    async def _notify_up(self, slot: _Slot, session: Session, first: bool) -> None:
        for listener in list(self._listeners):
            result = listener.on_session_up(slot.index, session, first)
            if result is not None:
                await result

    async def _run_session(self, slot: _Slot, session: Session) -> None:
        """Until the session closes: heartbeats and, on a backup, failback probes."""
        loop = asyncio.get_running_loop()
        helpers = [loop.create_task(self._heartbeat(slot, session))]
        if self.config.failback and slot.endpoint_index > 0:
            helpers.append(loop.create_task(self._failback(slot, session)))
        try:
            await session.closed.wait()
        finally:
            for h in helpers:
                h.cancel()
            for h in helpers:
                with contextlib.suppress(BaseException):
                    await h

    async def _heartbeat(self, slot: _Slot, session: Session) -> None:
        interval = self.config.heartbeat_interval
        if interval <= 0:
            return
        while not session.closed.is_set():
            await asyncio.sleep(interval)
            try:
                await session.current_time(timeout=self.config.stall_timeout)
            except TimeoutError:
                slot.stalls += 1
                session.abort(ConnectionClosed(f"{session.endpoint.label} stalled: no heartbeat answer"))
                return
            except (TransportError, RuntimeError):
                return

    async def _failback(self, slot: _Slot, session: Session) -> None:
        primary = self._endpoints[0].endpoint
        while not session.closed.is_set():
            await asyncio.sleep(self.config.failback_interval)
            try:
                stream = await open_stream(
                    primary.host,
                    primary.port,
                    ssl_context=primary.ssl_context,
                    server_hostname=primary.server_hostname,
                    timeout=self.config.connect_timeout,
                )
            except TransportError:
                continue
            stream.abort()
            self._endpoints[0].succeeded()
            # the supervisor reconnects, primary first
            session.close(ConnectionClosed("failing back to the primary"))
            return

    def _retire(self, slot: _Slot, session: Session) -> None:
        slot.past_in += session.stats.messages_in
        slot.past_out += session.stats.messages_out
        slot.past_bytes_in += session.bytes_in
        slot.past_bytes_out += session.stats.bytes_out
        slot.load = 0

    # --- messages ------------------------------------------------------------------------------

    def _on_messages(self, slot: int, msgs: Received) -> None:
        for listener in self._listeners:
            listener.on_messages(slot, msgs)
        raw = self._raw
        if raw is not None:
            now = self._clock_ns()
            limit = self.config.receive_queue_size
            for m in msgs:
                if len(raw) >= limit:
                    raw.popleft()
                    self._raw_dropped += 1
                raw.append(InboundMessage(slot, m, now))
            self._raw_event.set()

    def session(self, slot: int = 0) -> Session:
        s = self._slots[slot].session
        if s is None or not self._slots[slot].up.is_set():
            raise NotConnectedError(f"connection {slot} is not up")
        return s

    def order_slot(self) -> int:
        """Orders always use slot 0 (order ids and status belong to its client id)."""
        return 0

    def pick_data_slot(self) -> int:
        """The least-loaded live slot for a market-data / historical request."""
        if not self.config.load_balance:
            return 0
        live = [s for s in self._slots if s.up.is_set()]
        if not live:
            raise NotConnectedError("no connection is up")
        best = min(live, key=lambda s: (s.load + (len(s.session.pacer) if s.session else 0), s.index))
        return best.index

    def add_load(self, slot: int, delta: int) -> None:
        self._slots[slot].load = max(0, self._slots[slot].load + delta)

    async def wait_up(self, slot: int = 0, timeout: float | None = None) -> Session:
        async with asyncio.timeout(timeout):
            await self._slots[slot].up.wait()
        return self.session(slot)

    def slot_up(self, slot: int) -> bool:
        return self._slots[slot].up.is_set()

    @property
    def size(self) -> int:
        return len(self._slots)

    def client_id_of(self, slot: int) -> int:
        return self._slots[slot].client_id

    async def send_message(
        self, message: bytes | ClientMessage, *, connection: int = 0, priority: Priority = Priority.CONTROL
    ) -> None:
        """Send one message on ``connection`` (default: the order connection), paced.

        ``message`` is a framed TWS message (bytes) or a typed ``ClientMessage``.
        """
        session = self.session(connection)
        if isinstance(message, ClientMessage):
            session.send(message, priority)
            return
        data = bytes(message)
        if len(data) < 4 or int.from_bytes(data[:4], "big") != len(data) - 4:
            raise ConfigError("send_message takes a framed message: 4-byte big-endian length + payload")
        session.send_raw(data, priority)

    async def receive_message(self, timeout: float | None = 1.0) -> InboundMessage | None:
        """The next received message (any connection), or ``None`` after ``timeout`` seconds."""
        raw = self._raw
        if raw is None:
            raise ConfigError("this gateway was created with raw_queue=False")
        try:
            async with asyncio.timeout(timeout):
                while not raw:
                    if self._closing:
                        return None
                    self._raw_event.clear()
                    await self._raw_event.wait()
        except TimeoutError:
            return None
        return raw.popleft()

    # --- statistics ----------------------------------------------------------------------------

    async def get_statistics(self) -> GatewayStatistics:
        return self.statistics()

    def statistics(self) -> GatewayStatistics:
        conns = [self._slot_stats(s) for s in self._slots]
        return GatewayStatistics(
            connections=conns,
            messages_in=sum(c.messages_in for c in conns),
            messages_out=sum(c.messages_out for c in conns),
            bytes_in=sum(c.bytes_in for c in conns),
            bytes_out=sum(c.bytes_out for c in conns),
            reconnects=sum(c.reconnects for c in conns),
            failovers=sum(c.failovers for c in conns),
            connected=sum(1 for s in self._slots if s.up.is_set()),
            receive_queue_depth=len(self._raw) if self._raw is not None else 0,
            receive_queue_dropped=self._raw_dropped,
        )

    def _slot_stats(self, slot: _Slot) -> ConnectionStatistics:
        s = slot.session
        live = s is not None and slot.up.is_set()
        pstats = s.pacer.statistics() if s is not None else None
        endpoint = self._endpoints[slot.endpoint_index].endpoint.label if slot.endpoint_index >= 0 else "-"
        return ConnectionStatistics(
            connection=slot.index,
            client_id=slot.client_id,
            endpoint=endpoint,
            state=slot.state.value,
            messages_in=slot.past_in + (s.stats.messages_in if live and s else 0),
            messages_out=slot.past_out + (s.stats.messages_out if live and s else 0),
            bytes_in=slot.past_bytes_in + (s.bytes_in if live and s else 0),
            bytes_out=slot.past_bytes_out + (s.stats.bytes_out if live and s else 0),
            decode_errors=s.stats.decode_errors if s else 0,
            reconnects=slot.reconnects,
            failovers=slot.failovers,
            stalls_detected=slot.stalls,
            load=slot.load,
            queue_depth=len(s.pacer) if s else 0,
            pacing_delayed=pstats.delayed if pstats else 0,
            pacing_max_delay=pstats.max_delay if pstats else 0.0,
            last_message_age=(s.silence_ns / 1e9) if live and s else None,
            heartbeat_rtt=(s.stats.heartbeat_rtt if s else LatencyHistogram()).snapshot(),
        )
