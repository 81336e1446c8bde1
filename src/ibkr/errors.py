"""Every exception ibkr raises, in one tree.

    IBKRError                       root of everything below
    +-- ProtocolError               the TWS wire protocol was violated (ibkr.protocol raises only these)
    |   +-- LocalProtocolError      we were about to send something wrong; no byte was produced
    |   |   +-- VersionError        the negotiated server version cannot carry that message/field
    |   |   +-- EncodeError         a value cannot be put on the wire (non-ASCII text, NaN, ...)
    |   +-- RemoteProtocolError     the peer sent something wrong
    |       +-- FrameError          the frame layer is broken (oversized length, bad handshake bytes);
    |       |   |                   the byte stream cannot be trusted any more: the connection is dead
    |       |   +-- HandshakeError  the peer's hello is malformed or its version range cannot be served
    |       +-- DecodeError         one message could not be decoded; it names the message and the
    |                               field; the frame was consumed, the stream stays usable
    +-- ConnectionError_            (defined by the transport layers; see ibkr.transport)

Local misuse and remote misbehaviour are split the way h11 splits them: a ``LocalProtocolError``
is a bug in the caller, a ``RemoteProtocolError`` a bug (or attack) in the peer.
"""

from __future__ import annotations

__all__ = [
    "IBKRError",
    "ProtocolError",
    "LocalProtocolError",
    "VersionError",
    "EncodeError",
    "RemoteProtocolError",
    "FrameError",
    "HandshakeError",
    "DecodeError",
]


class IBKRError(Exception):
    """Root of every exception raised by ibkr."""


class ProtocolError(IBKRError):
    """The TWS wire protocol was violated, by us or by the peer."""


class LocalProtocolError(ProtocolError):
    """We tried to send something the protocol does not allow. Nothing was written."""


class VersionError(LocalProtocolError):
    """The negotiated server version cannot carry this message or field."""

    def __init__(self, message: str, *, msg_name: str = "", required: int = 0, negotiated: int = 0) -> None:
        super().__init__(message)
        self.msg_name = msg_name
        self.required = required
        self.negotiated = negotiated


class EncodeError(LocalProtocolError):
    """A value cannot be encoded (non-printable text, NaN price, ...)."""

    def __init__(self, message: str, *, msg_name: str = "", field: str = "") -> None:
        super().__init__(message)
        self.msg_name = msg_name
        self.field = field


class RemoteProtocolError(ProtocolError):
    """The peer sent bytes that break the protocol."""


class FrameError(RemoteProtocolError):
    """The frame layer is broken; the connection cannot continue."""


class HandshakeError(FrameError):
    """The handshake failed: a malformed hello, or version ranges that do not overlap."""


class DecodeError(RemoteProtocolError):
    """One message could not be decoded. The stream itself is intact."""

    def __init__(
        self,
        message: str,
        *,
        msg_name: str = "",
        msg_id: int | None = None,
        field: str = "",
        value: bytes | None = None,
    ) -> None:
        super().__init__(message)
        self.msg_name = msg_name
        self.msg_id = msg_id
        self.field = field
        self.value = value
