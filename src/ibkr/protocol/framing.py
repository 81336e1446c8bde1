"""The frame layer: a 4-byte big-endian length, then that many payload bytes.

``FrameBuffer`` is the receive side. It keeps one ``bytearray`` and a read offset: frames are cut
out by offset and the consumed prefix is dropped once per ``feed`` (not once per frame), so the cost
of framing stays flat however large a read is (the official client and ib_async re-slice the
whole buffer for every message).

What a payload *is* depends on the negotiated version: text up to sv 200 (the id is the first
NUL-terminated field), and from sv 201 a 4-byte binary id before the body. The frame layer does not
look inside payloads, so the binary-id generation only adds a payload codec next to
``message.split_payload``; nothing here changes.
"""

from __future__ import annotations

import struct

from ibkr.errors import FrameError

__all__ = ["FrameBuffer", "frame", "MAX_FRAME_SIZE", "HEADER"]

#: the official client refuses incoming frames longer than this (client error 507)
MAX_FRAME_SIZE = 0xFFFFFF
HEADER = struct.Struct(">I")
_pack = HEADER.pack
_unpack_from = HEADER.unpack_from


def frame(payload: bytes) -> bytes:
    """Prefix ``payload`` with its 4-byte big-endian length."""
    return _pack(len(payload)) + payload


class FrameBuffer:
    """Accumulates received bytes and cuts complete frames out of them.

    ``feed(data)`` then ``frames()`` returns every complete payload; a partial frame stays
    buffered. A length above ``max_frame_size`` raises ``FrameError``: the stream is unusable after
    that, and the buffer refuses further input.
    """

    __slots__ = ("_broken", "_buf", "_pos", "bytes_in", "frames_in", "max_frame_size")

    def __init__(self, max_frame_size: int = MAX_FRAME_SIZE) -> None:
        self._buf = bytearray()
        self._pos = 0
        self.max_frame_size = max_frame_size
        self._broken: FrameError | None = None
        self.bytes_in = 0
        self.frames_in = 0

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as frames."""
        return len(self._buf) - self._pos

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        if self._broken is not None:
            raise self._broken
        if self._pos:
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data
        self.bytes_in += len(data)

    def take_raw(self, n: int) -> bytes | None:
        """The next ``n`` unframed bytes (the client's ``API\\0`` marker), or ``None`` if not all there."""
        if len(self._buf) - self._pos < n:
            return None
        out = bytes(self._buf[self._pos : self._pos + n])
        self._pos += n
        return out

    def next_frame(self) -> bytes | None:
        """The next complete payload, or ``None`` if more bytes are needed."""
        buf = self._buf
        pos = self._pos
        if len(buf) - pos < 4:
            return None
        (size,) = _unpack_from(buf, pos)
        if size > self.max_frame_size:
            self._fail(size)
        end = pos + 4 + size
        if end > len(buf):
            return None
        self._pos = end
        self.frames_in += 1
        return bytes(buf[pos + 4 : end])

    def frames(self) -> list[bytes]:
        """Every complete payload currently buffered, in order."""
        buf = self._buf
        pos = self._pos
        n = len(buf)
        limit = self.max_frame_size
        out: list[bytes] = []
        append = out.append
        while n - pos >= 4:
            (size,) = _unpack_from(buf, pos)
            if size > limit:
                self._pos = pos
                self.frames_in += len(out)
                self._fail(size)
            end = pos + 4 + size
            if end > n:
                break
            append(bytes(buf[pos + 4 : end]))
            pos = end
        self._pos = pos
        self.frames_in += len(out)
        return out

    def _fail(self, size: int) -> None:
        self._broken = FrameError(
            f"frame length {size} exceeds the maximum of {self.max_frame_size} bytes (bad message length)"
        )
        raise self._broken
