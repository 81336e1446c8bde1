"""Configuration of the client, the gateway pool and the data stream, with the IB_* environment.

Every setting has a default; the ones the seed names also read the environment when the config is
built (``IB_HOST``, ``IB_PORT``, ``IB_CLIENT_ID``, ``IB_MAX_CONNECTIONS``, ``IB_BATCH_SIZE``,
``IB_BUFFER_SIZE``, plus ``IB_ALLOW_LIVE``). An explicit argument always wins over the
environment. Invalid values raise ``ConfigError`` when the config is built, not later.

Variable            Setting                         Default
IB_HOST             ConnectionConfig.host           127.0.0.1
IB_PORT             ConnectionConfig.port           7497 (TWS paper)
IB_CLIENT_ID        ConnectionConfig.client_id      1
IB_ALLOW_LIVE       ConnectionConfig.allow_live     off ("1", "true", "yes" switch it on)
IB_MAX_CONNECTIONS  GatewayConfig.max_connections   1
IB_BATCH_SIZE       StreamConfig.batch_size         100
IB_BUFFER_SIZE      StreamConfig.buffer_size        10000
IB_BUSY_POLL_MS     ConnectionConfig.busy_poll_ms   0 (off; see ibkr.transport.busypoll)
                    GatewayConfig.busy_poll_ms
"""

from __future__ import annotations

import enum
import math
import os
from dataclasses import dataclass, field
from decimal import Decimal

from ibkr.errors import ConfigError

__all__ = [
    "ConnectionConfig",
    "GatewayConfig",
    "StreamConfig",
    "ConnectionMode",
    "OrderPolicy",
    "LIVE_PORTS",
    "PAPER_PORTS",
    "env_int",
    "env_float",
    "env_flag",
]

#: TWS live 7496 and IB Gateway live 4001 (tws-protocol.md section 9)
LIVE_PORTS = frozenset({7496, 4001})
PAPER_PORTS = frozenset({7497, 4002})


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


class ConnectionMode(enum.Enum):
    """How the gateway reaches TWS. TWS itself speaks plain TCP; SSL means a TLS terminator
    (stunnel, an SSH tunnel, a load balancer) in front of it."""

    DIRECT = "direct"
    SSL = "ssl"
    #: not available yet: choosing it raises ConfigError that says so
    WEBSOCKET = "websocket"
    #: not available yet: choosing it raises ConfigError that says so
    FIX = "fix"


class OrderPolicy(enum.Enum):
    """What ``place_order`` does while TWS has lost IB (error 1100) or the socket is down."""

    #: hold the order and send it once connectivity is back (bounded by the call's timeout)
    QUEUE = "queue"
    #: raise ``NotConnectedError`` at once
    FAIL = "fail"


def _check_port(port: int, what: str) -> None:
    if not 0 < port < 65536:
        raise ConfigError(f"{what} {port} is not a TCP port")


def _check_busy_poll(ms: float) -> None:
    if not 0 <= ms < math.inf:  # NaN fails too
        raise ConfigError(f"busy_poll_ms must be a finite number >= 0, got {ms}")


@dataclass(frozen=True, slots=True)
class ConnectionConfig:
    """Settings of one ``IBKRClient`` (the seed's ConnectionConfig, extended)."""

    host: str = field(default_factory=lambda: env_str("IB_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: env_int("IB_PORT", 7497))
    client_id: int = field(default_factory=lambda: env_int("IB_CLIENT_ID", 1))
    auto_reconnect: bool = True
    #: seconds for connect + handshake + readiness
    connect_timeout: float = 10.0
    #: default timeout of every request that has none of its own
    request_timeout: float = 30.0
    reconnect_initial_delay: float = 0.25
    reconnect_max_delay: float = 30.0
    #: None = keep trying forever
    max_reconnect_attempts: int | None = None
    #: client ids tried in turn when TWS answers 326 (client id in use)
    fallback_client_ids: tuple[int, ...] = ()
    #: requests per second to TWS; its limit is 50, and 45 leaves room for network jitter so that
    #: TWS's own one-second count never sees 51 (ib_async keeps the same margin); 0 = no pacing
    pacing_rate: float = 45.0
    #: connect to live ports / non-paper accounts only with this (or IB_ALLOW_LIVE=1)
    allow_live: bool = field(default_factory=lambda: env_flag("IB_ALLOW_LIVE"))
    order_policy: OrderPolicy = OrderPolicy.QUEUE
    #: the account orders go to by default (None: the first managed account)
    account: str | None = None
    #: pre-trade checks, applied before anything is sent (None = no limit)
    max_order_quantity: Decimal | None = None
    max_order_notional: float | None = None
    #: reject limit / stop prices further than this fraction from the last price (0.1 = 10%)
    price_band: float | None = None
    #: TWS connect options (e.g. "+PACEAPI")
    connect_options: str = ""
    min_server_version: int = 176
    max_server_version: int = 200
    #: seconds between heartbeats (REQ_CURRENT_TIME); 0 = none
    heartbeat_interval: float = 10.0
    #: a connection silent (no reply to heartbeats) this long is replaced
    stall_timeout: float = 30.0
    #: keep the event loop polling, not sleeping, this long after each read (0: off): one core
    #: for the wake-up latency of a sleeping process (``ibkr.transport.busypoll``)
    busy_poll_ms: float = field(default_factory=lambda: env_float("IB_BUSY_POLL_MS", 0.0))

    def __post_init__(self) -> None:
        _check_port(self.port, "port")
        _check_busy_poll(self.busy_poll_ms)
        if self.client_id < 0:
            raise ConfigError(f"client_id {self.client_id} must be >= 0")
        if self.connect_timeout <= 0 or self.request_timeout <= 0:
            raise ConfigError("timeouts must be positive")
        if self.pacing_rate < 0:
            raise ConfigError("pacing_rate must be >= 0")
        if not 176 <= self.min_server_version <= self.max_server_version <= 200:
            raise ConfigError("server versions must satisfy 176 <= min <= max <= 200")
        if self.max_order_quantity is not None and self.max_order_quantity <= 0:
            raise ConfigError("max_order_quantity must be positive")
        if self.price_band is not None and self.price_band <= 0:
            raise ConfigError("price_band must be positive")

    @property
    def is_live_port(self) -> bool:
        return self.port in LIVE_PORTS


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Settings of an ``IBKRGateway`` pool (the seed's GatewayConfig, extended)."""

    primary_host: str = field(default_factory=lambda: env_str("IB_HOST", "127.0.0.1"))
    primary_port: int = field(default_factory=lambda: env_int("IB_PORT", 7497))
    backup_hosts: list[tuple[str, int]] = field(default_factory=list)
    connection_mode: ConnectionMode = ConnectionMode.DIRECT
    #: spread market-data and historical requests over the pool (orders always use one session)
    load_balance: bool = True
    max_connections: int = field(default_factory=lambda: env_int("IB_MAX_CONNECTIONS", 1))
    #: session i uses client id client_id_base + i
    client_id_base: int = field(default_factory=lambda: env_int("IB_CLIENT_ID", 1))
    connect_timeout: float = 10.0
    #: TLS (ConnectionMode.SSL): verification is on unless switched off explicitly
    ssl_verify: bool = True
    ssl_ca_file: str | None = None
    ssl_server_hostname: str | None = None
    #: socket tuning
    tcp_nodelay: bool = True
    send_buffer: int = 256 * 1024
    receive_buffer: int = 256 * 1024
    keepalive: bool = True
    #: per connection; see ConnectionConfig.pacing_rate
    pacing_rate: float = 45.0
    heartbeat_interval: float = 10.0
    stall_timeout: float = 30.0
    #: move back to the primary when it is reachable again
    failback: bool = True
    failback_interval: float = 5.0
    reconnect_initial_delay: float = 0.25
    reconnect_max_delay: float = 30.0
    max_reconnect_attempts: int | None = None
    fallback_client_ids: tuple[int, ...] = ()
    #: reconnect a session that died (False: a dead session stays down)
    auto_reconnect: bool = True
    #: connect every session in ``connect()`` (else sessions connect on first use)
    prewarm: bool = True
    #: capacity of the queue behind ``receive_message`` (oldest dropped, counted, when full)
    receive_queue_size: int = 10_000
    allow_live: bool = field(default_factory=lambda: env_flag("IB_ALLOW_LIVE"))
    connect_options: str = ""
    min_server_version: int = 176
    max_server_version: int = 200
    #: see ConnectionConfig.busy_poll_ms; one poller for every session of the pool
    busy_poll_ms: float = field(default_factory=lambda: env_float("IB_BUSY_POLL_MS", 0.0))

    def __post_init__(self) -> None:
        _check_port(self.primary_port, "primary_port")
        _check_busy_poll(self.busy_poll_ms)
        for host, port in self.backup_hosts:
            _check_port(port, f"backup port of {host}")
        if not 1 <= self.max_connections <= 32:
            raise ConfigError(
                f"max_connections must be between 1 and 32 (TWS serves 32 API clients), got {self.max_connections}"
            )
        if self.connection_mode in (ConnectionMode.WEBSOCKET, ConnectionMode.FIX):
            raise ConfigError(
                f"ConnectionMode.{self.connection_mode.name} is not available yet (planned); use DIRECT or SSL"
            )
        if self.client_id_base < 0:
            raise ConfigError("client_id_base must be >= 0")
        if self.receive_queue_size < 1:
            raise ConfigError("receive_queue_size must be >= 1")

    @property
    def endpoints(self) -> list[tuple[str, int]]:
        return [(self.primary_host, self.primary_port), *self.backup_hosts]


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """Settings of an ``IBKRDataStream`` (the seed's StreamConfig)."""

    buffer_size: int = field(default_factory=lambda: env_int("IB_BUFFER_SIZE", 10_000))
    batch_size: int = field(default_factory=lambda: env_int("IB_BATCH_SIZE", 100))
    batch_timeout_ms: float = 10.0
    #: 0 delivers every update; > 0 delivers the latest state per symbol and field per interval
    conflation_ms: float = 0.0
    #: decode with the fast path (see docs/architecture.md)
    use_native_parsing: bool = True
    #: pending deliveries per subscription before the overflow policy applies
    max_pending: int = 10_000
    #: "drop_oldest" (count the drops) or "conflate"
    overflow_policy: str = "drop_oldest"

    def __post_init__(self) -> None:
        if self.buffer_size < 1:
            raise ConfigError(f"buffer_size must be >= 1, got {self.buffer_size}")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.batch_timeout_ms < 0:
            raise ConfigError(f"batch_timeout_ms must be >= 0, got {self.batch_timeout_ms}")
        if self.conflation_ms < 0:
            raise ConfigError(f"conflation_ms must be >= 0, got {self.conflation_ms}")
        if self.max_pending < 1:
            raise ConfigError("max_pending must be >= 1")
        if self.overflow_policy not in ("drop_oldest", "conflate"):
            raise ConfigError(f"overflow_policy must be 'drop_oldest' or 'conflate', got {self.overflow_policy!r}")
