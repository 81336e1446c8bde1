"""The simulator's servers: endpoints (listening ports), sessions, dispatch and lifecycle.

One ``Simulator`` holds one exchange and account state (``Exchange``) and any number of
``Endpoint``s: each endpoint is one simulated TWS / IB Gateway listening on its own port, with its
own client-id space, over the shared exchange (the way two gateways logged in to the same account
see the same orders, executions and positions). Each endpoint can be stopped and restarted on its
own; ``faults.restart()`` restarts them all the way a gateway's nightly restart does.

Use it in-process as an async context manager; it reports its bound ports once listening::

    async with Simulator(SimConfig(ports=(0,))) as sim:
        port = sim.port

Requests go through ``dispatch``: a table keyed by message class (``ibkr.sim.handlers.HANDLERS``).
Engine events go through ``router`` (``ibkr.sim.router``) to the sessions they concern; market data
is pumped by ``feed`` (``ibkr.sim.feed``). Nothing is written to a socket until ``flush``: each
session's queued messages leave in one write.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from array import array
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, cast

from ibkr.errors import HandshakeError
from ibkr.protocol.message import Message
from ibkr.protocol.messages.system import StartApi
from ibkr.sim.clock import Clock, SystemClock
from ibkr.sim.exchange import DEFAULT_ACCOUNT, Exchange
from ibkr.sim.instruments import build_universe, local_date, zone
from ibkr.sim.session import SimSession

__all__ = ["SimConfig", "SimStats", "Simulator", "Endpoint", "Handler"]

#: a request handler: returns False to end the session (anything else keeps it)
Handler = Callable[["Simulator", SimSession, Any], "bool | None"]


@dataclass(frozen=True, slots=True)
class SimConfig:
    host: str = "127.0.0.1"
    #: ports to listen on, one endpoint each; 0 picks a free port (see ``Simulator.ports``)
    ports: tuple[int, ...] = (7497,)
    seed: int = 1
    accounts: tuple[str, ...] = (DEFAULT_ACCOUNT,)
    #: market-data messages per second, in total over all subscriptions
    tick_rate: float = 200.0
    #: highest server version offered (the client's maximum is used when lower)
    max_server_version: int = 200
    #: more requests than this per second from one client get error 100; 0 switches it off
    pacing_limit: int = 50
    #: API sessions per endpoint (TWS's limit is 32)
    max_clients: int = 32
    #: record every message's monotonic send time per session (for one-way latency)
    record_send_times: bool = False
    #: the zone written in the handshake's connection time
    time_zone: str = "US/Eastern"
    #: seconds between account / PnL pushes to subscribers
    account_push_interval: float = 1.0
    #: seconds between two iterations of the market-data pump
    feed_interval: float = 0.005
    #: the client id that sees every client's orders once bound (TWS's "master API client id")
    master_client_id: int = 0
    #: instruments in the universe: synthetic stocks are added past the built-in 32 (0: built-in only)
    symbols: int = 0
    #: at high tick rates the feed writes every this many messages (a server that writes as it
    #: produces, as TWS does, not in bursts; larger values cost fewer writes, and clients wait
    #: longer for the messages at the end of each read)
    write_messages: int = 8


@dataclass(slots=True)
class SimStats:
    connections: int = 0
    refused: int = 0
    bad_messages: int = 0
    pacing_violations: int = 0
    requests: int = 0
    unknown_requests: int = 0
    encode_errors: int = 0


class Endpoint:
    """One listening port: a simulated TWS / IB Gateway."""

    def __init__(self, sim: Simulator, index: int, host: str, port: int) -> None:
        self.sim = sim
        self.index = index
        self.host = host
        self.port = port
        self.sessions: list[SimSession] = []
        self._server: asyncio.Server | None = None

    def __repr__(self) -> str:
        return f"<Endpoint {self.index} {self.host}:{self.port} {'running' if self.running else 'stopped'}>"

    @property
    def running(self) -> bool:
        return self._server is not None

    def live_sessions(self) -> list[SimSession]:
        return [s for s in self.sessions if not s.closed.is_set()]

    def client_ids(self) -> set[int]:
        return {s.client_id for s in self.live_sessions() if s.client_id is not None}

    async def start(self) -> None:
        if self._server is not None:
            return
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._on_client, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every session at once (a gateway that dies)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        sessions = list(self.sessions)
        for session in sessions:
            session.abort()
        # every session files its end (Simulator.session_closed) when its socket is gone
        lost = [s.lost for s in sessions if not s.lost.done()]
        if lost:
            await asyncio.wait(lost, timeout=2.0)
        if server is not None:
            with contextlib.suppress(Exception):
                await server.wait_closed()

    def _on_client(self) -> asyncio.Protocol:
        return _Accept(self)


class _Accept(asyncio.Protocol):
    """A new connection until it is accepted: refused past the API client limit (the gateway
    closes the socket without a reply), else handed to a new ``SimSession`` as its protocol."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def connection_made(self, base: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, base)  # a TCP transport (uvloop's is not a subclass)
        ep = self.endpoint
        sim = ep.sim
        if ep._server is None or len(ep.live_sessions()) >= sim.config.max_clients:
            sim.stats.refused += 1
            transport.close()
            return
        session = SimSession(ep, transport)
        ep.sessions.append(session)
        sim.stats.connections += 1
        transport.set_protocol(session)


class Simulator:
    """A TWS / IB Gateway simulator over one paper exchange."""

    def __init__(self, config: SimConfig | None = None, *, clock: Clock | None = None) -> None:
        from ibkr.sim.faults import Faults
        from ibkr.sim.feed import MarketFeed
        from ibkr.sim.handlers import HANDLERS
        from ibkr.sim.router import EventRouter

        self.config = config or SimConfig()
        self.clock: Clock = clock or SystemClock()
        universe = None
        if self.config.symbols:
            universe = build_universe(local_date(self.clock.time(), "US/Eastern"), self.config.symbols)
        self.exchange = Exchange(
            seed=self.config.seed,
            clock=self.clock,
            accounts=list(self.config.accounts),
            time_zone="US/Eastern",
            universe=universe,
        )
        self.endpoints = [Endpoint(self, i, self.config.host, p) for i, p in enumerate(self.config.ports)]
        self.stats = SimStats()
        self.handlers: dict[type[Message], Handler] = dict(HANDLERS)
        #: sessions with queued messages, in the order they first queued
        self.dirty: list[SimSession] = []
        #: send times of sessions that ended: (port, client id) -> times (see ``send_times``)
        self.finished_send_times: dict[tuple[int, int | None], array[int]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._started = False
        self.router = EventRouter(self)
        self.faults = Faults(self)
        self.feed = MarketFeed(self)

    # --- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Listen on every endpoint and start the market-data pump; ports are known on return."""
        for ep in self.endpoints:
            await ep.start()
        if not self._started:
            self._started = True
            self.feed.start()

    async def aclose(self) -> None:
        for ep in self.endpoints:
            await ep.stop()
        await self.feed.stop()
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(BaseException):
                await t
        self._started = False

    @property
    def port(self) -> int:
        return self.endpoints[0].port

    @property
    def ports(self) -> list[int]:
        return [ep.port for ep in self.endpoints]

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def epoch_millis(self) -> int:
        return int(self.clock.time() * 1000)

    def connection_time(self) -> str:
        """The handshake's connection time, ``20250102 10:00:00 US/Eastern``."""
        tz = self.config.time_zone
        return dt.datetime.fromtimestamp(self.clock.time(), zone(tz)).strftime("%Y%m%d %H:%M:%S") + " " + tz

    # --- sessions ----------------------------------------------------------------------------

    @property
    def sessions(self) -> list[SimSession]:
        """Every live session of every endpoint."""
        return [s for ep in self.endpoints for s in ep.live_sessions()]

    def session(self, client_id: int, endpoint: int | None = None) -> SimSession:
        for ep in self.endpoints:
            if endpoint is not None and ep.index != endpoint:
                continue
            for s in ep.live_sessions():
                if s.client_id == client_id:
                    return s
        raise KeyError(f"no session with client id {client_id}")

    def send_times(self, client_id: int, endpoint: int = 0) -> array[int]:
        """The monotonic send times (ns) of every message sent to ``client_id`` after the
        handshake reply, in send order (needs ``record_send_times``): the i-th entry belongs to
        the i-th message the client receives. Works for live and for ended sessions."""
        try:
            times = self.session(client_id, endpoint).send_times
        except KeyError:
            times = self.finished_send_times.get((self.endpoints[endpoint].port, client_id))
        if times is None:
            raise KeyError(f"no send times for client id {client_id} (record_send_times off?)")
        return times

    def accept_hello(self, session: SimSession) -> bool:
        try:
            data = session.conn.accept(self.connection_time())
        except HandshakeError:
            self.stats.refused += 1
            return False
        # One small write and nothing else until START_API (the official client reads the
        # reply with a single recv and drops whatever follows it).
        session.write(data)
        return True

    def session_closed(self, session: SimSession) -> None:
        with contextlib.suppress(ValueError):
            session.endpoint.sessions.remove(session)
        with contextlib.suppress(ValueError):
            self.dirty.remove(session)
        if session.send_times is not None:
            self.finished_send_times[(session.endpoint.port, session.client_id)] = session.send_times
        self.feed.unsubscribe_session(session)

    def dispatch(self, session: SimSession, msg: Message) -> bool:
        """Run the handler of ``msg``; False ends the session."""
        self.stats.requests += 1
        handler = self.handlers.get(type(msg))
        if handler is None:
            self.stats.unknown_requests += 1
            return True
        if session.client_id is None and type(msg) is not StartApi:
            return True  # TWS ignores requests before START_API
        return handler(self, session, msg) is not False

    def flush(self) -> None:
        """Write every session's queued messages (one write per session)."""
        dirty, self.dirty = self.dirty, []
        for s in dirty:
            s.flush()
