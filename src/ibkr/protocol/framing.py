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
from typing import NoReturn

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
            self.refuse(size)
        end = pos + 4 + size
        if end > len(buf):
            return None
        self._pos = end
        self.frames_in += 1
        return bytes(buf[pos + 4 : end])

    def view(self) -> tuple[bytes, int]:
        """``(data, pos)`` for a caller that cuts frames itself in one pass over the buffer
        (``receive_messages`` cuts, splits and decodes in one loop): the buffered bytes as one
        immutable ``bytes`` and the read offset in it. Copying once per read makes every payload
        slice a single copy (a ``bytearray`` slice would need a second one to become ``bytes``).
        While the first frame is incomplete, ``data`` is ``b""``: a large frame arriving in many
        reads is not copied again and again. Hand the offset past the frames taken back with
        ``consume``; a length above the maximum found on the way goes to ``refuse``."""
        buf = self._buf
        pos = self._pos
        n = len(buf)
        if n - pos < 4:
            return b"", pos
        (size,) = _unpack_from(buf, pos)
        if size > self.max_frame_size:
            self.refuse(size)
        if pos + 4 + size > n:
            return b"", pos
        return bytes(buf), pos

    def raw(self) -> tuple[bytearray, int]:
        """``(buffer, pos)``: the buffer itself (no copy) and the read offset, for a caller that
        cuts frames in one pass without keeping a reference (the compiled decoder). Hand the
        offset past the frames taken back with ``consume``."""
        return self._buf, self._pos

    def consume(self, pos: int, count: int) -> None:
        """Record that the ``count`` frames before offset ``pos`` of ``view()``'s data were taken."""
        self._pos = pos
        self.frames_in += count

    def frames(self) -> list[bytes]:
        """Every complete payload currently buffered, in order."""
        data, pos = self.view()
        n = len(data)
        limit = self.max_frame_size
        out: list[bytes] = []
        append = out.append
        while n - pos >= 4:
            (size,) = _unpack_from(data, pos)
            if size > limit:
                self.consume(pos, len(out))
                self.refuse(size)
            end = pos + 4 + size
            if end > n:
                break
            append(data[pos + 4 : end])
            pos = end
        if out:
            self.consume(pos, len(out))
        return out

    def refuse(self, size: int) -> NoReturn:
        """Break the stream on a frame length above the maximum: raise ``FrameError``, now and on
        every later ``feed``."""
        self._broken = FrameError(
            f"frame length {size} exceeds the maximum of {self.max_frame_size} bytes (bad message length)"
        )
        raise self._broken
