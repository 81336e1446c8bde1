"""Byte streams to TWS: TCP or TLS, tuned for latency, read into a preallocated buffer.

``open_stream`` connects and returns a ``ByteStream`` whose ``on_data`` callback receives every
read as a ``memoryview`` into one preallocated buffer (``asyncio.BufferedProtocol``: on the default
loop this saves a 256 KiB allocation per read compared with ``asyncio.Protocol``). The callback
must consume the bytes before returning (the protocol core copies them into its frame buffer).

Socket settings: TCP_NODELAY (no Nagle delay on small request frames), send and receive buffers
(256 KiB by default), and TCP keepalive so a dead peer behind a silent network is noticed.
Exceptions from the OS are translated once, here, into ``ibkr.errors`` types.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from ibkr.errors import CertificateError, ConnectError, ConnectionClosed

__all__ = ["SocketOptions", "ByteStream", "open_stream"]


@dataclass(frozen=True, slots=True)
class SocketOptions:
    nodelay: bool = True
    send_buffer: int = 256 * 1024
    receive_buffer: int = 256 * 1024
    keepalive: bool = True
    #: seconds of idle before keepalive probes, between probes, probes before giving up
    keepalive_idle: int = 10
    keepalive_interval: int = 5
    keepalive_count: int = 3
    #: size of the preallocated read buffer
    read_buffer: int = 256 * 1024


def apply_socket_options(sock: socket.socket, opts: SocketOptions) -> None:
    if opts.nodelay:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if opts.send_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, opts.send_buffer)
    if opts.receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, opts.receive_buffer)
    if opts.keepalive:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (
            ("TCP_KEEPIDLE", opts.keepalive_idle),
            ("TCP_KEEPINTVL", opts.keepalive_interval),
            ("TCP_KEEPCNT", opts.keepalive_count),
        ):
            option = getattr(socket, name, None)
            if option is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, option, value)


class _Protocol(asyncio.BufferedProtocol):
    def __init__(self, stream: ByteStream, size: int) -> None:
        self._stream = stream
        self._buffer = bytearray(size)
        self._view = memoryview(self._buffer)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._stream._transport = transport  # type: ignore[assignment]

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        stream = self._stream
        stream.bytes_in += nbytes
        stream.on_data(self._view[:nbytes])

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._stream._lost(exc)

    def pause_writing(self) -> None:
        self._stream._writable.clear()

    def resume_writing(self) -> None:
        self._stream._writable.set()


class ByteStream:
    """A connected TCP or TLS stream. ``on_data`` and ``on_close`` are set by the owner."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self.on_data: Callable[[memoryview], None] = lambda data: None
        self.on_close: Callable[[Exception | None], None] = lambda exc: None
        self.closed = asyncio.Event()
        self.close_reason: Exception | None = None
        self._writable = asyncio.Event()
        self._writable.set()
        self.bytes_in = 0
        self.bytes_out = 0

    @property
    def is_closing(self) -> bool:
        return self._transport is None or self._transport.is_closing()

    def write(self, data: bytes) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            raise ConnectionClosed("the connection is closed", reason=self.close_reason)
        transport.write(data)
        self.bytes_out += len(data)

    async def wait_writable(self) -> None:
        """Back-pressure: returns when the kernel buffer has room again."""
        await self._writable.wait()

    def write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() if self._transport is not None else 0

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    async def aclose(self) -> None:
        self.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.closed.wait(), 2.0)

    def _lost(self, exc: Exception | None) -> None:
        self.close_reason = exc
        self._writable.set()
        self.closed.set()
        self.on_close(exc)


async def open_stream(
    host: str,
    port: int,
    *,
    ssl_context: ssl.SSLContext | None = None,
    server_hostname: str | None = None,
    options: SocketOptions | None = None,
    timeout: float = 5.0,
) -> ByteStream:
    """Connect to ``host:port`` (TLS when ``ssl_context`` is given) and return the stream.

    Raises ``ConnectError`` (refused, unreachable, unresolvable, timed out) or
    ``CertificateError`` (TLS verification failed); never a bare ``OSError``.
    """
    opts = options or SocketOptions()
    loop = asyncio.get_running_loop()
    stream = ByteStream()
    try:
        async with asyncio.timeout(timeout):
            transport, _ = await loop.create_connection(
                lambda: _Protocol(stream, opts.read_buffer),
                host,
                port,
                ssl=ssl_context,
                server_hostname=(server_hostname or host) if ssl_context is not None else None,
            )
    except ssl.SSLCertVerificationError as exc:
        raise CertificateError(
            f"TLS certificate of {host}:{port} not trusted: {exc.verify_message}", host=host, port=port
        ) from exc
    except ssl.SSLError as exc:
        raise ConnectError(f"TLS handshake with {host}:{port} failed: {exc}", host=host, port=port) from exc
    except TimeoutError as exc:
        raise ConnectError(f"connecting to {host}:{port} timed out after {timeout}s", host=host, port=port) from exc
    except socket.gaierror as exc:
        raise ConnectError(f"cannot resolve {host!r}: {exc.strerror}", host=host, port=port) from exc
    except OSError as exc:
        raise ConnectError(f"cannot connect to {host}:{port}: {exc.strerror or exc}", host=host, port=port) from exc
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            apply_socket_options(sock, opts)
    stream._transport = transport
    return stream
