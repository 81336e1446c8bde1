"""The client's core: lifecycle on top of the gateway, message dispatch, requests and errors.

``ClientBase`` is a gateway listener. Each received batch is dispatched in the socket callback
through one table keyed by message class (``HANDLERS`` entries collected from the client's
mixins). Requests with an id are tracked in ``_pending`` (one-shot) and ``_subs`` (streams); an
ERR_MSG is classified once (``ibkr.error_codes``) and then fails the request or order it names,
or becomes a warning event, or changes the connection state (1100 / 1101 / 1102). Informational
and warning codes never fail or cancel anything.

On a reconnect (``on_session_up`` with ``first=False``) every live subscription of that session is
sent again with a ``Gap`` marker, and the mixins' ``_after_reconnect`` hooks run (order
reconciliation).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from ibkr import fastpath
from ibkr.client.events import ConnectionEvent, ConnectionState, EventBus, TWSWarning
from ibkr.client.requests import Gap, PendingRequest, RequestIds, Subscription
from ibkr.config import ConnectionConfig, GatewayConfig
from ibkr.error_codes import Severity, classify, exception_for
from ibkr.errors import (
    DecodeError,
    IBKRError,
    LiveTradingNotAllowed,
    NotConnectedError,
    RequestTimeout,
)
from ibkr.gateway import IBKRGateway
from ibkr.metrics import (
    MARKET_DATA_ONE_WAY,
    ORDER_ACK,
    ORDER_FILL,
    REQUEST_RTT,
    TICK_TO_CALLBACK,
    LatencySnapshot,
    LatencyTracker,
)
from ibkr.protocol.message import ClientMessage, Message
from ibkr.protocol.messages.system import CurrentTime, ErrMsg, ManagedAccts, NextValidId
from ibkr.transport.pacing import Priority
from ibkr.transport.session import Received, Session

__all__ = ["ClientBase", "LatencyReport"]

T = TypeVar("T")
Handler = Callable[[int, Any], None]

#: connectivity codes (tws-protocol.md section 7)
_LINK_LOST, _LINK_RESTORED_DATA_LOST, _LINK_RESTORED = 1100, 1101, 1102


class LatencyReport(dict[str, LatencySnapshot]):
    """``get_latency_report()``: operation name -> percentiles in microseconds."""

    def as_dict(self) -> dict[str, dict[str, float]]:
        from dataclasses import asdict

        return {name: asdict(snap) for name, snap in self.items()}


class ClientBase:
    """Connection, dispatch and request plumbing shared by every part of IBKRClient."""

    #: message class -> name of the method handling it (merged over the MRO)
    HANDLERS: ClassVar[dict[type[Message], str]] = {}

    def __init__(self, config: ConnectionConfig | None = None, *, gateway: IBKRGateway | None = None) -> None:
        self.config = config or ConnectionConfig()
        self._gateway = gateway
        self._owns_gateway = gateway is None
        self.events = EventBus()
        self.state = ConnectionState.DISCONNECTED
        self.latency = LatencyTracker([ORDER_ACK, ORDER_FILL, MARKET_DATA_ONE_WAY, TICK_TO_CALLBACK, REQUEST_RTT])
        self._rtt = self.latency.histogram(REQUEST_RTT)
        self._ids = RequestIds()
        self._pending: dict[int, PendingRequest[Any]] = {}
        self._subs: dict[int, Subscription[Any]] = {}
        self._handlers: dict[type[Message], Handler] = self._build_handlers()
        self.accounts: tuple[str, ...] = ()
        #: set while TWS has its link to IB (cleared by 1100, set by 1101 / 1102)
        self._ib_link = asyncio.Event()
        self._ib_link.set()
        self._down_since: dict[int, int] = {}
        self.warnings: deque[TWSWarning] = deque(maxlen=1000)
        self.decode_errors = 0
        self.unrouted_errors = 0
        #: monotonic ns when the batch being dispatched arrived
        self.batch_ns = 0
        #: the compiled dispatch loop (``ibkr.fastpath``; None: the Python loop of on_messages)
        self._dispatch = fastpath.DISPATCH
        #: request id -> the data stream's ``SymbolState`` that the compiled loop applies the
        #: TICK_PRICE / TICK_SIZE or depth rows of that id to itself (``MarketMixin.route_raw``)
        self._compiled_sinks: dict[int, Any] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    @classmethod
    def _handler_table(cls) -> dict[type[Message], str]:
        table: dict[type[Message], str] = {}
        for klass in reversed(cls.__mro__):
            table.update(getattr(klass, "HANDLERS", {}) if "HANDLERS" in vars(klass) else {})
        return table

    def _build_handlers(self) -> dict[type[Message], Handler]:
        handlers: dict[type[Message], Handler] = {
            cls: getattr(self, name) for cls, name in self._handler_table().items()
        }
        handlers[ErrMsg] = self._on_err_msg
        handlers[NextValidId] = self._on_next_valid_id
        handlers[ManagedAccts] = self._on_managed_accts
        handlers.setdefault(CurrentTime, lambda slot, m: None)
        return handlers

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def gateway(self) -> IBKRGateway:
        if self._gateway is None:
            raise NotConnectedError("the client is not connected")
        return self._gateway

    def _gateway_config(self) -> GatewayConfig:
        c = self.config
        return GatewayConfig(
            primary_host=c.host,
            primary_port=c.port,
            max_connections=1,
            client_id_base=c.client_id,
            connect_timeout=c.connect_timeout,
            pacing_rate=c.pacing_rate,
            heartbeat_interval=c.heartbeat_interval,
            stall_timeout=c.stall_timeout,
            reconnect_initial_delay=c.reconnect_initial_delay,
            reconnect_max_delay=c.reconnect_max_delay,
            max_reconnect_attempts=c.max_reconnect_attempts,
            fallback_client_ids=c.fallback_client_ids,
            auto_reconnect=c.auto_reconnect,
            allow_live=c.allow_live,
            connect_options=c.connect_options,
            min_server_version=c.min_server_version,
            max_server_version=c.max_server_version,
            busy_poll_ms=c.busy_poll_ms,
        )

    async def connect(self, timeout: float | None = None) -> None:
        """Connect (handshake, readiness) and return when orders can be placed.

        Raises ``LiveTradingNotAllowed`` for a live port without ``allow_live`` (before any socket
        is opened), ``ConnectError`` / ``NotTWSError`` / ``ClientIdInUse`` when TWS cannot be used.
        """
        c = self.config
        if c.is_live_port and not c.allow_live:
            raise LiveTradingNotAllowed(
                f"port {c.port} is a live-trading port; pass allow_live=True or set IB_ALLOW_LIVE=1"
            )
        if self._gateway is None:
            self._gateway = IBKRGateway(self._gateway_config(), raw_queue=False)
            self._owns_gateway = True
        self._gateway.add_listener(self)
        self._set_state(ConnectionState.CONNECTING, 0)
        try:
            await self._gateway.connect(timeout)
        except BaseException:
            self._gateway.remove_listener(self)
            self._set_state(ConnectionState.DISCONNECTED, 0)
            raise
        self.accounts = self._gateway.accounts or self.accounts
        self._set_state(ConnectionState.CONNECTED, 0)

    async def aclose(self) -> None:
        """Cancel every subscription locally, close the connection and end background tasks."""
        for t in list(self._tasks):
            t.cancel()
        for sub in list(self._subs.values()):
            sub.close()
        self._subs.clear()
        for p in list(self._pending.values()):
            p.fail(NotConnectedError("the client was closed"))
        self._pending.clear()
        if self._gateway is not None:
            self._gateway.remove_listener(self)
            if self._owns_gateway:
                await self._gateway.aclose()
                self._gateway = None
        self._set_state(ConnectionState.CLOSED, 0)

    disconnect = aclose

    async def __aenter__(self) -> ClientBase:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def is_connected(self) -> bool:
        return self.state in (ConnectionState.CONNECTED, ConnectionState.IB_DISCONNECTED)

    def _set_state(self, state: ConnectionState, slot: int, reason: str = "") -> None:
        if state is self.state:
            return
        previous, self.state = self.state, state
        self.events.emit("connection", ConnectionEvent(state, previous, slot, reason))

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- gateway listener ------------------------------------------------------------------------

    def on_messages(self, slot: int, msgs: Received) -> None:
        self.batch_ns = now = time.monotonic_ns()
        handlers = self._handlers
        if self._dispatch is not None:
            # the same loop, compiled (with the stream's L1 updates applied in it)
            self._dispatch(msgs, handlers, slot, self._compiled_sinks, now, self._unhandled)
            return
        for m in msgs:
            h = handlers.get(type(m))  # type: ignore[arg-type]
            if h is not None:
                h(slot, m)
            else:
                self._unhandled(slot, m)

    def _unhandled(self, slot: int, m: Message | DecodeError) -> None:
        """A message of a type no handler takes: a decode error is counted and emitted."""
        if isinstance(m, DecodeError):
            self.decode_errors += 1
            self.events.emit("error", m)

    async def on_session_up(self, slot: int, session: Session, first: bool) -> None:
        if session.ready is not None and slot == 0:
            self.accounts = session.ready.accounts
            self._on_next_valid_id(slot, NextValidId(session.ready.next_valid_id))
        if first:
            return
        down_ns = self._down_since.pop(slot, time.monotonic_ns())
        self._ib_link.set()
        gap = Gap(down_ns, time.monotonic_ns(), "reconnected")
        for sub in list(self._subs.values()):
            if sub.slot == slot and sub.active and sub.request is not None:
                session.send(sub.request, Priority.DATA)
                sub.gap(gap)
        for p in list(self._pending.values()):
            if p.slot == slot:
                p.fail(NotConnectedError(f"the connection was lost while {p.name} was pending"))
                self._pending.pop(p.req_id, None)
        self._set_state(ConnectionState.CONNECTED, slot, "reconnected")
        await self._after_reconnect(slot, session)

    async def _after_reconnect(self, slot: int, session: Session) -> None:
        """Hook for the mixins (order reconciliation)."""

    def on_session_down(self, slot: int, reason: BaseException | None) -> None:
        self._down_since.setdefault(slot, time.monotonic_ns())
        if self.state is not ConnectionState.CLOSED:
            self._set_state(ConnectionState.RECONNECTING, slot, str(reason or "connection lost"))

    # --- sending and requests --------------------------------------------------------------------

    def _session(self, slot: int = 0) -> Session:
        return self.gateway.session(slot)

    def _send(self, msg: ClientMessage, *, slot: int = 0, priority: Priority = Priority.CONTROL) -> None:
        self._session(slot).send(msg, priority)

    def _timeout(self, timeout: float | None) -> float:
        return self.config.request_timeout if timeout is None else timeout

    async def _request(
        self,
        name: str,
        build: Callable[[int], ClientMessage],
        *,
        timeout: float | None = None,
        data: bool = False,
        cancel: Callable[[int], ClientMessage] | None = None,
    ) -> list[Any]:
        """Send a one-shot request and collect its items until its end marker."""
        gateway = self.gateway
        slot = gateway.pick_data_slot() if data else 0
        rid = self._ids.next()
        pending: PendingRequest[Any] = PendingRequest(rid, name, slot)
        self._pending[rid] = pending
        if data:
            gateway.add_load(slot, 1)  # an open data request counts toward its connection's load
        try:
            self._send(build(rid), slot=slot, priority=Priority.DATA if data else Priority.CONTROL)
            async with asyncio.timeout(self._timeout(timeout)):
                items = await pending.future
        except TimeoutError:
            if cancel is not None:
                with contextlib.suppress(IBKRError):
                    self._send(cancel(rid), slot=slot)
            raise RequestTimeout(
                f"{name} (request {rid}) got no complete answer in {self._timeout(timeout)}s"
            ) from None
        finally:
            self._pending.pop(rid, None)
            if data:
                gateway.add_load(slot, -1)
        self._rtt.record(time.monotonic_ns() - pending.sent_ns)
        return items

    def _subscribe(
        self,
        name: str,
        build: Callable[[int], ClientMessage],
        cancel: Callable[[int], ClientMessage] | None,
        *,
        data: bool = True,
        queue_size: int = 10_000,
    ) -> Subscription[Any]:
        slot = self.gateway.pick_data_slot() if data else 0
        rid = self._ids.next()
        msg = build(rid)
        sub: Subscription[Any] = Subscription(rid, name, msg, slot=slot, cancel=cancel, queue_size=queue_size)
        self._subs[rid] = sub
        try:
            self._send(msg, slot=slot, priority=Priority.DATA if data else Priority.CONTROL)
        except BaseException:
            self._subs.pop(rid, None)
            raise
        if data:
            self.gateway.add_load(slot, 1)
        return sub

    def unsubscribe(self, sub: Subscription[Any]) -> None:
        """Stop a subscription: cancel it at TWS and end its iterators."""
        if self._subs.pop(sub.req_id, None) is None:
            return
        sub.close()
        if self._gateway is not None:
            self._gateway.add_load(sub.slot, -1)
            if sub.cancel_message is not None and self._gateway.slot_up(sub.slot):
                with contextlib.suppress(IBKRError):
                    self._send(sub.cancel_message(sub.req_id), slot=sub.slot, priority=Priority.DATA)

    def _item(self, req_id: int, item: Any) -> bool:
        """Route one answer item to its request or subscription."""
        p = self._pending.get(req_id)
        if p is not None:
            p.add(item)
            return True
        s = self._subs.get(req_id)
        if s is not None:
            s.push(item)
            return True
        return False

    def _end(self, req_id: int) -> None:
        p = self._pending.get(req_id)
        if p is not None:
            p.finish()

    # --- session-level messages --------------------------------------------------------------------

    def _on_next_valid_id(self, slot: int, m: NextValidId) -> None:
        """Overridden by the order mixin (order ids)."""

    def _on_managed_accts(self, slot: int, m: ManagedAccts) -> None:
        if m.accounts:
            self.accounts = tuple(m.accounts)

    def _on_err_msg(self, slot: int, m: ErrMsg) -> None:
        code, rid = m.error_code, m.id
        info = classify(code)
        severity = info.severity
        if severity is Severity.CONNECTIVITY:
            self._on_connectivity(slot, m)
            return
        if rid in self._pending or rid in self._subs:
            if severity in (Severity.ERROR, Severity.FATAL):
                exc = exception_for(code, m.error_string, rid, m.advanced_order_reject_json, error_time=m.error_time)
                p = self._pending.pop(rid, None)
                if p is not None:
                    p.fail(exc)
                s = self._subs.pop(rid, None)
                if s is not None:
                    s.close(exc)
                    self.gateway.add_load(s.slot, -1)
                return
            self._warn(m, severity)
            return
        if self._on_order_error(slot, m, severity):
            return
        if severity in (Severity.INFO, Severity.WARNING):
            self._warn(m, severity)
            return
        self.unrouted_errors += 1
        self.events.emit(
            "error", exception_for(code, m.error_string, rid, m.advanced_order_reject_json, error_time=m.error_time)
        )

    def _on_order_error(self, slot: int, m: ErrMsg, severity: Severity) -> bool:
        """Overridden by the order mixin; True when the code concerned a known order."""
        return False

    def _warn(self, m: ErrMsg, severity: Severity) -> None:
        w = TWSWarning(m.error_code, m.error_string, m.id, severity.name, m.error_time)
        self.warnings.append(w)
        self.events.emit("warning", w)

    def _on_connectivity(self, slot: int, m: ErrMsg) -> None:
        code = m.error_code
        if code == _LINK_LOST:
            self._ib_link.clear()
            self._down_since.setdefault(slot, time.monotonic_ns())
            self._set_state(ConnectionState.IB_DISCONNECTED, slot, m.error_string)
        elif code in (_LINK_RESTORED_DATA_LOST, _LINK_RESTORED):
            self._ib_link.set()
            down_ns = self._down_since.pop(slot, time.monotonic_ns())
            if code == _LINK_RESTORED_DATA_LOST:
                gap = Gap(down_ns, time.monotonic_ns(), "1101: connectivity restored, data lost")
                for sub in list(self._subs.values()):
                    if sub.slot == slot and sub.active and sub.request is not None:
                        with contextlib.suppress(IBKRError):
                            self._send(sub.request, slot=slot, priority=Priority.DATA)
                        sub.gap(gap)
            self._set_state(ConnectionState.CONNECTED, slot, m.error_string)
        self._warn(m, Severity.CONNECTIVITY)

    # --- latency ---------------------------------------------------------------------------------

    def get_latency_report(self) -> LatencyReport:
        """Percentiles (microseconds) of order ack, order fill, market data one-way, tick to
        callback and request round trip latencies, from histograms recorded as things happen."""
        return LatencyReport(self.latency.report())

    def latency_prometheus(self) -> str:
        return self.latency.to_prometheus_text()

    async def get_server_time(self, timeout: float | None = None) -> int:
        """TWS's clock (epoch seconds), by a REQ_CURRENT_TIME round trip."""
        session = self._session(0)
        t0 = time.monotonic_ns()
        value = await session.current_time(self._timeout(timeout))
        self._rtt.record(time.monotonic_ns() - t0)
        return value
