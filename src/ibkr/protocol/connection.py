"""The connection state machine, in both roles: bytes in, typed events out; messages in, bytes out.

Like h11's ``Connection``: ``receive_data(bytes)`` buffers, ``next_event()`` returns the next event
(or ``NEED_DATA``), ``send(msg)`` returns the bytes to write. No sockets, clock or logging here.

Handshake (tws-protocol.md section 2)::

    client                                   server
    API\\0 + frame("v176..200[ +OPTS]")  ->   ClientHello(min, max, options)
                                         <-   frame("<sv>\\0<connection time>\\0")   (accept())
    ServerHello(sv, time)
    START_API(client id)                 ->   StartApi
                                         <-   MANAGED_ACCTS, NEXT_VALID_ID, notices...
    ConnectionReady once both MANAGED_ACCTS (non-empty) and NEXT_VALID_ID arrived

The server answers ``min(client max, own max)`` and refuses ranges it cannot serve.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ibkr.errors import DecodeError, HandshakeError, LocalProtocolError
from ibkr.protocol.framing import HEADER, MAX_FRAME_SIZE, FrameBuffer, frame
from ibkr.protocol.ids import MAX_SUPPORTED_VERSION, MIN_SUPPORTED_VERSION
from ibkr.protocol.message import (
    CLIENT_MESSAGES,
    FAST_DECODERS,
    FAST_DECODERS_BY_TEXT,
    SERVER_MESSAGES,
    ClientMessage,
    FastDecoder,
    Message,
    ServerMessage,
    decode_payload,
    encode_payload,
    split_payload,
)
from ibkr.protocol.messages.system import ManagedAccts, NextValidId, StartApi
from ibkr.protocol.native import NativeDecoder, plan_for

__all__ = [
    "Role",
    "State",
    "NEED_DATA",
    "ClientHello",
    "ServerHello",
    "ConnectionReady",
    "Event",
    "ClientConnection",
    "ServerConnection",
    "API_PREFIX",
]

API_PREFIX: Final = b"API\0"
_unpack_from = HEADER.unpack_from


class Role(enum.Enum):
    CLIENT = "client"
    SERVER = "server"


class State(enum.Enum):
    #: waiting for the peer's hello (client: the server's version reply; server: API\0 + range)
    HELLO = "hello"
    #: hello exchanged; the client has not sent START_API yet (client) / none received yet (server)
    AWAIT_START = "await_start"
    #: START_API sent (client) and readiness not yet reached
    STARTING = "starting"
    #: ready for any message in both directions
    READY = "ready"
    #: the frame layer broke; nothing more can be decoded
    ERROR = "error"


class _NeedData:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = _NeedData()


@dataclass(slots=True, frozen=True)
class ClientHello:
    """The client's hello as the server saw it."""

    min_version: int
    max_version: int
    options: str


@dataclass(slots=True, frozen=True)
class ServerHello:
    """The server's reply as the client saw it: the negotiated version and TWS's connection time."""

    server_version: int
    connection_time: str


@dataclass(slots=True, frozen=True)
class ConnectionReady:
    """Client role: both NEXT_VALID_ID and a non-empty MANAGED_ACCTS have arrived."""

    next_valid_id: int
    accounts: tuple[str, ...]


Event = Message | ClientHello | ServerHello | ConnectionReady


class _Base:
    role: Role
    _registry: Mapping[int, type[Message]]
    _fast: Mapping[int, FastDecoder] | None
    _fast_by_text: Mapping[bytes, FastDecoder] = {}
    #: the compiled decoder for this connection's version (client role only; native.py)
    _native: NativeDecoder | None = None
    _sends: type[Message]

    def __init__(self, max_frame_size: int) -> None:
        self._frames = FrameBuffer(max_frame_size)
        self.state = State.HELLO
        self.server_version = 0
        #: ids of messages that arrived with no decoder here, and how often; they are skipped
        self.unknown_messages: Counter[int] = Counter()
        self.messages_in = 0
        self.messages_out = 0
        self.bytes_out = 0
        self._pending: list[Event] = []

    # --- receiving ---------------------------------------------------------------------------

    @property
    def buffered(self) -> int:
        """Bytes received but not yet cut into frames (0: the next byte starts a frame)."""
        return self._frames.buffered

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Buffer bytes read from the socket. ``b""`` is fine (and means nothing)."""
        if data:
            self._frames.feed(data)

    def next_event(self) -> Event | _NeedData:
        """The next event, ``NEED_DATA``, or a raised ``RemoteProtocolError``.

        A ``DecodeError`` concerns one message only: its frame is consumed and the next call
        continues with the following frame. A ``FrameError`` is final.
        """
        if self._pending:
            return self._pending.pop(0)
        if self.state is State.ERROR:
            raise HandshakeError("connection is in the ERROR state")
        while True:
            if self.state is State.HELLO:
                ev = self._receive_hello()
                return NEED_DATA if ev is None else ev
            try:
                payload = self._frames.next_frame()
            except Exception:
                self.state = State.ERROR
                raise
            if payload is None:
                return NEED_DATA
            msg = self._decode(payload)
            if msg is not None:
                return msg

    def receive_messages(self, data: bytes | bytearray | memoryview) -> list[Message | DecodeError]:
        """Hot path for a READY connection: feed ``data``, return every complete message in order.

        A message that fails to decode appears in the list as its ``DecodeError`` (nothing after it
        is lost, and the consumer fails whatever that message concerned). Unknown ids are counted
        and skipped. Handshake events never appear here: use ``next_event`` until READY.
        """
        if self.state is not State.READY:
            raise LocalProtocolError("receive_messages() needs a READY connection; use next_event()")
        frames = self._frames
        frames.feed(data)
        native = self._native
        if native is not None:
            return self._receive_native(native)
        try:
            buf, pos = frames.view()
        except Exception:
            self.state = State.ERROR
            raise
        # Hot path, one pass over the buffer: cut a frame, split it (without its final NUL), look
        # the id up by its text, run the fast decoder. Anything unusual (no fast decoder, no final
        # NUL, odd layout, bad value) takes the generic path, which yields either the message or
        # the precise DecodeError.
        end_all = len(buf)
        limit = frames.max_frame_size
        unpack_from = _unpack_from
        fast = self._fast_by_text
        sv = self.server_version
        out: list[Message | DecodeError] = []
        append = out.append
        skipped = 0
        while end_all - pos >= 4:
            (size,) = unpack_from(buf, pos)
            start = pos + 4
            end = start + size
            if end > end_all or size > limit:
                if size > limit:
                    frames.consume(pos, len(out) + skipped)
                    self.state = State.ERROR
                    frames.refuse(size)
                break
            pos = end
            if buf[end - 1] == 0:
                fields = buf[start : end - 1].split(b"\0")
                try:  # KeyError: no fast decoder for this id (text)
                    append(fast[fields[0]](fields, sv))
                    continue
                except Exception:  # noqa: BLE001 - the generic decoder reports the real error
                    pass
            skipped += self._decode_slow(buf[start:end], out)
        frames.consume(pos, len(out) + skipped)
        self.messages_in += len(out)
        return out

    def _receive_native(self, native: NativeDecoder) -> list[Message | DecodeError]:
        """``receive_messages`` through the compiled decoder: one C call cuts every frame and
        builds the hot messages; every other frame comes back through ``_decode_frame``."""
        frames = self._frames
        out: list[Message | DecodeError] = []
        buf, pos = frames.raw()
        pos, count, refused = native.decode(buf, pos, frames.max_frame_size, out, self._decode_frame)
        frames.consume(pos, count)
        if refused:
            self.state = State.ERROR
            frames.refuse(refused)
        self.messages_in += len(out)
        return out

    def _decode_frame(self, payload: bytes, out: list[Message | DecodeError]) -> None:
        """One frame, as the loop of ``receive_messages`` decodes it: fast decoder, else generic."""
        if payload[-1:] == b"\0":
            fields = payload[:-1].split(b"\0")
            try:  # KeyError: no fast decoder for this id (text)
                out.append(self._fast_by_text[fields[0]](fields, self.server_version))
                return
            except Exception:  # noqa: BLE001 - the generic decoder reports the real error
                pass
        self._decode_slow(payload, out)

    def _decode_slow(self, payload: bytes, out: list[Message | DecodeError]) -> int:
        """Decode ``payload`` with the generic decoder into ``out``; 1 if it was skipped (unknown id)."""
        try:
            msg = decode_payload(payload, self.server_version, self._registry)
        except DecodeError as exc:
            out.append(exc)
            return 0
        if msg is None:
            self._count_unknown(payload)
            return 1
        out.append(msg)
        return 0

    def _decode(self, payload: bytes) -> Message | None:
        msg = decode_payload(payload, self.server_version, self._registry, self._fast)
        if msg is None:
            self._count_unknown(payload)
            return None
        self.messages_in += 1
        self._after_receive(msg)
        return msg

    def _count_unknown(self, payload: bytes) -> None:
        head = split_payload(payload)[0]
        self.unknown_messages[int(head)] += 1

    def _after_receive(self, msg: Message) -> None:
        pass

    def _receive_hello(self) -> Event | None:
        raise NotImplementedError  # pragma: no cover - abstract

    # --- sending -----------------------------------------------------------------------------

    def send(self, msg: Message) -> bytes:
        """The framed bytes of ``msg``; raises ``LocalProtocolError`` (nothing produced) if it
        cannot be sent in this role, state or server version."""
        if not isinstance(msg, self._sends):
            raise LocalProtocolError(f"a {self.role.value} cannot send {type(msg).__name__}")
        if self.state in (State.HELLO, State.ERROR):
            raise LocalProtocolError(f"cannot send {type(msg).__name__} in state {self.state.name}")
        data = frame(encode_payload(msg, self.server_version))
        self._after_send(msg)
        self.messages_out += 1
        self.bytes_out += len(data)
        return data

    def _after_send(self, msg: Message) -> None:
        pass


class ClientConnection(_Base):
    """The client role: what IBKRClient speaks to TWS."""

    role = Role.CLIENT
    _registry = SERVER_MESSAGES
    _fast = FAST_DECODERS
    _fast_by_text = FAST_DECODERS_BY_TEXT
    _sends = ClientMessage

    def __init__(
        self,
        min_version: int = MIN_SUPPORTED_VERSION,
        max_version: int = MAX_SUPPORTED_VERSION,
        options: str = "",
        max_frame_size: int = MAX_FRAME_SIZE,
        native: bool = True,
    ) -> None:
        if not MIN_SUPPORTED_VERSION <= min_version <= max_version <= MAX_SUPPORTED_VERSION:
            raise LocalProtocolError(
                f"version range {min_version}..{max_version} is outside what this core speaks "
                f"({MIN_SUPPORTED_VERSION}..{MAX_SUPPORTED_VERSION})"
            )
        super().__init__(max_frame_size)
        self.min_version = min_version
        self.max_version = max_version
        self.options = options
        self.connection_time = ""
        self._use_native = native
        self.next_valid_id: int | None = None
        self.accounts: tuple[str, ...] = ()

    def initiate(self) -> bytes:
        """The client hello: ``API\\0`` and the framed version range (+ connect options)."""
        text = f"v{self.min_version}..{self.max_version}"
        if self.options:
            text += f" {self.options}"
        return API_PREFIX + frame(text.encode("ascii"))

    def start_api(self, client_id: int, optional_capabilities: str = "") -> bytes:
        if self.state is not State.AWAIT_START:
            raise LocalProtocolError(f"START_API cannot be sent in state {self.state.name}")
        data = self.send(StartApi(client_id=client_id, optional_capabilities=optional_capabilities))
        self.state = State.STARTING
        return data

    def _receive_hello(self) -> Event | None:
        try:
            payload = self._frames.next_frame()
        except Exception:
            self.state = State.ERROR
            raise
        if payload is None:
            return None
        parts = payload.split(b"\0")
        try:
            version = int(parts[0])
            conn_time = parts[1].decode("ascii", "replace") if len(parts) > 1 else ""
        except ValueError:
            self.state = State.ERROR
            raise HandshakeError(f"server hello {payload[:40]!r} does not start with a version") from None
        if not self.min_version <= version <= self.max_version:
            self.state = State.ERROR
            raise HandshakeError(
                f"server answered version {version}, outside the requested {self.min_version}..{self.max_version}"
            )
        self.server_version = version
        self.connection_time = conn_time
        self.state = State.AWAIT_START
        self.native = self._use_native
        return ServerHello(version, conn_time)

    @property
    def native(self) -> bool:
        """True while ``receive_messages`` runs the compiled decoder (``ibkr.protocol.native``).
        Setting it True asks for it (it stays False where the extension is not available);
        False selects the pure-Python decoders. Both give the same messages."""
        return self._native is not None

    @native.setter
    def native(self, value: bool) -> None:
        self._use_native = value
        self._native = plan_for(self.server_version) if value and self.server_version else None

    def _after_receive(self, msg: Message) -> None:
        if self.state is not State.STARTING:
            return
        if isinstance(msg, NextValidId):
            self.next_valid_id = msg.order_id
        elif isinstance(msg, ManagedAccts) and msg.accounts:
            self.accounts = tuple(msg.accounts)
        else:
            return
        if self.next_valid_id is not None and self.accounts:
            self.state = State.READY
            self._pending.append(ConnectionReady(self.next_valid_id, self.accounts))


class ServerConnection(_Base):
    """The server role: what the simulator speaks to its clients."""

    role = Role.SERVER
    _registry = CLIENT_MESSAGES
    _fast = None
    _sends = ServerMessage

    def __init__(
        self,
        min_version: int = MIN_SUPPORTED_VERSION,
        max_version: int = MAX_SUPPORTED_VERSION,
        max_frame_size: int = MAX_FRAME_SIZE,
    ) -> None:
        super().__init__(max_frame_size)
        self.min_version = min_version
        self.max_version = max_version
        self.hello: ClientHello | None = None
        self.client_id: int | None = None
        self._prefix_seen = False

    def _receive_hello(self) -> Event | None:
        if self.hello is not None:
            return None  # waiting for accept()
        if not self._prefix_seen:
            prefix = self._frames.take_raw(len(API_PREFIX))
            if prefix is None:
                return None
            if prefix != API_PREFIX:
                self.state = State.ERROR
                raise HandshakeError(f"client did not start with API\\0 but {prefix!r}")
            self._prefix_seen = True
        try:
            payload = self._frames.next_frame()
        except Exception:
            self.state = State.ERROR
            raise
        if payload is None:
            return None
        self.hello = _parse_client_hello(payload)
        if self.hello is None:
            self.state = State.ERROR
            raise HandshakeError(f"client hello {payload[:60]!r} is not 'v<min>..<max>[ options]'")
        return self.hello

    def negotiate(self) -> int:
        """The version this server would answer, or ``HandshakeError`` if the ranges miss."""
        if self.hello is None:
            raise LocalProtocolError("no client hello received yet")
        version = min(self.hello.max_version, self.max_version)
        if version < self.hello.min_version or version < self.min_version:
            raise HandshakeError(
                f"client range {self.hello.min_version}..{self.hello.max_version} does not meet this "
                f"server's {self.min_version}..{self.max_version}"
            )
        return version

    def accept(self, connection_time: str) -> bytes:
        """Answer the hello with the negotiated version and ``connection_time``."""
        version = self.negotiate()
        if "\0" in connection_time:
            raise LocalProtocolError("connection time contains a NUL byte")
        self.server_version = version
        self.state = State.AWAIT_START
        return frame(f"{version}\0{connection_time}\0".encode("ascii"))

    def _after_receive(self, msg: Message) -> None:
        if isinstance(msg, StartApi) and self.state is State.AWAIT_START:
            self.client_id = msg.client_id
            self.state = State.READY


def _parse_client_hello(payload: bytes) -> ClientHello | None:
    try:
        text = payload.decode("ascii")
    except UnicodeDecodeError:
        return None
    head, _, options = text.partition(" ")
    if not head.startswith("v") or ".." not in head:
        return None
    lo, _, hi = head[1:].partition("..")
    if not (lo.isdigit() and hi.isdigit()):
        return None
    low, high = int(lo), int(hi)
    if low > high:
        return None
    return ClientHello(low, high, options.strip())
