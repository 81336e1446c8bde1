"""Typed messages: the base class, the id registries, and payload encode / decode.

Every TWS message is a ``@dataclass(slots=True)`` subclass of ``Message`` that declares its wire id
(``ID``), its direction (``ServerMessage`` or ``ClientMessage``) and its layout (``LAYOUT``: a tuple
of ``F`` entries, each gated by server version). Messages whose layout has conditional groups
override ``encode_fields`` / ``decode_fields`` instead.

A payload in the text protocol (sv <= 200) is ``id NUL field NUL field NUL ...``. ``encode_payload``
and ``decode_payload`` move between payload bytes and messages; the frame layer (``framing.py``)
adds and strips the 4-byte length. The hot server messages also register a *fast decoder*: a plain
function that assumes the exact layout; on any failure the generic decoder runs again to produce
the precise ``DecodeError``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from ibkr.errors import DecodeError, EncodeError, VersionError
from ibkr.protocol.fields import F, Reader, decode_layout, encode_layout
from ibkr.protocol.ids import In, Out

__all__ = [
    "Message",
    "ServerMessage",
    "ClientMessage",
    "SERVER_MESSAGES",
    "CLIENT_MESSAGES",
    "FAST_DECODERS",
    "FAST_DECODERS_BY_TEXT",
    "register",
    "fast_decoder",
    "refused_fields",
    "encode_payload",
    "decode_payload",
    "split_payload",
    "decode_fields_of",
    "FastDecoder",
]

M = TypeVar("M", bound="Message")

FastDecoder = Callable[[list[bytes], int], "Message"]


class Message:
    """Base of every typed TWS message."""

    __slots__ = ()

    ID: ClassVar[int]
    #: first server version that can carry the message
    SINCE: ClassVar[int] = 0
    LAYOUT: ClassVar[tuple[F, ...]] = ()

    @classmethod
    def msg_name(cls) -> str:
        return cls.__name__

    def encode_fields(self, sv: int, out: list[str]) -> None:
        """Append this message's fields (without the id) for server version ``sv``."""
        encode_layout(self, self.LAYOUT, sv, out)

    @classmethod
    def decode_fields(cls: type[M], r: Reader, sv: int) -> M:
        """Read this message's fields (after the id) at server version ``sv``."""
        return cls(**decode_layout(r, cls.LAYOUT, sv))


class ServerMessage(Message):
    """A message TWS sends to a client (id space ``In``)."""

    __slots__ = ()


class ClientMessage(Message):
    """A message a client sends to TWS (id space ``Out``)."""

    __slots__ = ()

    #: (attribute path, first server version): a value set there cannot be sent below that
    #: version. The field is simply absent from older layouts, and TWS would act on the request
    #: without it, so the official client refuses such a request (error 503, "It does not support
    #: ... parameter") instead of sending it; ``encode_payload`` raises ``VersionError``.
    REFUSED_BELOW: ClassVar[tuple[tuple[str, int], ...]] = ()


def _is_set(value: object) -> bool:
    """A value the request would lose: not None, "", False or an empty list (0 is a value)."""
    return value is not None and value is not False and value != "" and value != []


def refused_fields(msg: Message, sv: int) -> list[tuple[str, int]]:
    """``(path, first version)`` of each value of ``msg`` that server version ``sv`` cannot carry."""
    out = []
    for path, since in getattr(type(msg), "REFUSED_BELOW", ()):
        if sv < since:
            value: object = msg
            for name in path.split("."):
                value = getattr(value, name)
            if _is_set(value):
                out.append((path, since))
    return out


#: In id -> class (decoder) of server messages
SERVER_MESSAGES: dict[int, type[ServerMessage]] = {}
#: Out id -> class (decoder) of client messages
CLIENT_MESSAGES: dict[int, type[ClientMessage]] = {}
#: In id -> fast decoder of a hot server message
FAST_DECODERS: dict[int, FastDecoder] = {}
#: the same, keyed by the id's wire text (b"1"): the hot loop looks ids up without int()
FAST_DECODERS_BY_TEXT: dict[bytes, FastDecoder] = {}


def register(cls: type[M]) -> type[M]:
    """Class decorator: enter a message class in its direction's registry."""
    if issubclass(cls, ServerMessage):
        table: dict[int, Any] = SERVER_MESSAGES
        In(cls.ID)
    elif issubclass(cls, ClientMessage):
        table = CLIENT_MESSAGES
        Out(cls.ID)
    else:  # pragma: no cover - programming error
        raise TypeError(f"{cls.__name__} is neither a server nor a client message")
    if cls.ID in table and table[cls.ID] is not cls:  # pragma: no cover - programming error
        raise TypeError(f"message id {cls.ID} registered twice ({table[cls.ID].__name__}, {cls.__name__})")
    table[cls.ID] = cls
    return cls


def fast_decoder(msg_id: In) -> Callable[[FastDecoder], FastDecoder]:
    def deco(fn: FastDecoder) -> FastDecoder:
        FAST_DECODERS[msg_id] = fn
        FAST_DECODERS_BY_TEXT[str(int(msg_id)).encode()] = fn
        return fn

    return deco


def encode_payload(msg: Message, sv: int) -> bytes:
    """The payload bytes (no length prefix) of ``msg`` at server version ``sv``.

    Raises ``VersionError`` if ``sv`` cannot carry the message and ``EncodeError`` for a value
    that cannot be written; in both cases nothing is produced.
    """
    cls = type(msg)
    if sv < cls.SINCE:
        raise VersionError(
            f"{cls.msg_name()} needs server version >= {cls.SINCE}, negotiated {sv}",
            msg_name=cls.msg_name(),
            required=cls.SINCE,
            negotiated=sv,
        )
    refused = refused_fields(msg, sv) if getattr(cls, "REFUSED_BELOW", None) else None
    if refused:
        path, since = refused[0]
        raise VersionError(
            f"{cls.msg_name()}: {path} needs server version >= {since}, negotiated {sv} (TWS would "
            "act on the request without it; the official client refuses it too)",
            msg_name=cls.msg_name(),
            required=since,
            negotiated=sv,
        )
    out = [str(cls.ID)]
    try:
        msg.encode_fields(sv, out)
    except EncodeError as exc:
        exc.msg_name = cls.msg_name()
        raise EncodeError(f"{cls.msg_name()}: {exc}", msg_name=cls.msg_name(), field=exc.field) from None
    out.append("")
    return "\0".join(out).encode("utf-8")


def split_payload(payload: bytes) -> list[bytes]:
    """Split a text payload into fields, dropping the empty tail after the final NUL."""
    fields = payload.split(b"\0")
    if fields[-1]:
        raise DecodeError(
            "payload does not end with a NUL terminator", msg_name="<frame>", field="<end>", value=fields[-1][:32]
        )
    fields.pop()
    return fields


def decode_payload(
    payload: bytes, sv: int, registry: Mapping[int, type[Message]], fast: Mapping[int, FastDecoder] | None = None
) -> Message | None:
    """Decode one text payload with ``registry``; ``None`` for an id the registry does not know."""
    fields = split_payload(payload)
    if not fields:
        raise DecodeError("empty payload", msg_name="<frame>", field="<id>")
    try:
        msg_id = int(fields[0])
    except ValueError:
        raise DecodeError(
            f"message id {fields[0][:32]!r} is not a number", msg_name="<frame>", field="<id>", value=fields[0][:32]
        ) from None
    if fast is not None:
        fn = fast.get(msg_id)
        if fn is not None:
            try:
                return fn(fields, sv)
            except Exception:  # noqa: BLE001 - the generic path below names the exact problem
                pass
    cls = registry.get(msg_id)
    if cls is None:
        return None
    return decode_fields_of(cls, fields, sv)


def decode_fields_of(cls: type[M], fields: Sequence[bytes], sv: int) -> M:
    name = cls.msg_name()
    if sv < cls.SINCE:
        raise DecodeError(f"{name} cannot arrive at server version {sv}", msg_name=name, msg_id=cls.ID)
    r = Reader(fields, name, cls.ID, 1)
    msg = cls.decode_fields(r, sv)
    r.finish()
    return msg
