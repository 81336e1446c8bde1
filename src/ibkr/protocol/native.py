"""The compiled decoder of the hot server messages: which messages it builds, and how to get it.

``_native`` (``_native.c``, built at install time when a C compiler is there) cuts the frames of a
whole read and builds the messages below straight from the buffer, without a Python call per
message or per field. Each shape here mirrors one Python fast decoder (the ``@fast_decoder``
functions of ``messages/``): same class, same field count, same values. A frame it does not take
verbatim (another id, another field count, an unset or unusual number, bad UTF-8) goes to the
Python decoders with its payload, in order, so the result never depends on which path ran; the
test suite runs every decoding test both ways and checks the two against each other.

``plan_for(sv)`` is ``None`` when the extension is not built, or when ``IBKR_PURE_PYTHON`` is set
to a non-empty value other than ``0`` (to compare, or to rule the extension out).
``ClientConnection(native=False)`` turns it off for one connection.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Callable
from functools import cache
from typing import Any, Protocol

from ibkr.errors import ProtocolError
from ibkr.protocol.fields import UNSET_NUMERIC
from ibkr.protocol.framing import frame
from ibkr.protocol.ids import SV, In
from ibkr.protocol.message import Message, encode_payload
from ibkr.protocol.messages import (
    MarketDepth,
    MarketDepthL2,
    OrderStatus,
    TickByTickBidAsk,
    TickByTickLast,
    TickByTickMidPoint,
    TickByTickNone,
    TickPrice,
    TickSize,
    TickString,
)
from ibkr.protocol.messages.fast import fast_qty


def _load(name: str = "ibkr.protocol._native") -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:  # built without a C compiler: pure Python
        return None


_native = _load()
_tickenc = _load("ibkr.protocol._tickenc")

__all__ = [
    "AVAILABLE",
    "ENABLED",
    "EXTENSION",
    "FRAME_RUN",
    "NativeDecoder",
    "PURE_PYTHON",
    "encode_frames",
    "plan_for",
    "SHAPES",
    "Shape",
]

#: IBKR_PURE_PYTHON is set (to anything but "" or "0"): no compiled path in this process, the
#: decoder's, the tick encoder's and ``ibkr.fastpath``'s alike (read once, at import)
PURE_PYTHON = os.environ.get("IBKR_PURE_PYTHON", "") not in ("", "0")
#: the extension is built and importable
AVAILABLE = _native is not None
#: ... and not ruled out by IBKR_PURE_PYTHON
ENABLED = AVAILABLE and not PURE_PYTHON
#: the extension module when ENABLED, else None (its ``fill`` / ``emit`` serve the step-compiled
#: order codecs, ``messages/step_compiler.py``)
EXTENSION: Any = _native if ENABLED else None

# Field kinds (the codes _native.c understands; see its header for what each takes verbatim).
if _native is not None:
    SKIP, VERSION, INT, FLOAT = _native.SKIP, _native.VERSION, _native.INT, _native.FLOAT
    SIZE, STR, BOOL01, CALL = _native.SIZE, _native.STR, _native.BOOL01, _native.CALL
else:
    SKIP, VERSION, INT, FLOAT, SIZE, STR, BOOL01, CALL = range(8)


@dataclasses.dataclass(slots=True, frozen=True)
class Shape:
    """One message layout the compiled decoder builds: ``kinds`` has one entry per payload field
    after the id; the stored ones (not SKIP / VERSION) fill the class's dataclass fields in order.
    ``match``: (payload field index, the id being field 0; exact text) that selects this shape
    among several of one id."""

    msg_id: In
    cls: type[Message]
    kinds: tuple[int | Callable[[bytes], Any], ...]
    match: tuple[int, bytes] | None = None
    since: int = 0


_TBT_HEAD = (INT, INT, INT)  # req_id, tick_type, time
SHAPES: tuple[Shape, ...] = (
    Shape(In.TICK_PRICE, TickPrice, (VERSION, INT, INT, FLOAT, SIZE, INT)),
    Shape(In.TICK_SIZE, TickSize, (VERSION, INT, INT, SIZE)),
    Shape(In.TICK_STRING, TickString, (VERSION, INT, INT, STR)),
    Shape(In.MARKET_DEPTH, MarketDepth, (VERSION, INT, INT, INT, INT, FLOAT, SIZE)),
    # the smart-depth flag exists from SV.SMART_DEPTH on (the Python fast decoder's rule too)
    Shape(
        In.MARKET_DEPTH_L2, MarketDepthL2, (VERSION, INT, INT, STR, INT, INT, FLOAT, SIZE, BOOL01), since=SV.SMART_DEPTH
    ),
    Shape(In.TICK_BY_TICK, TickByTickLast, (*_TBT_HEAD, FLOAT, SIZE, INT, STR, STR), match=(2, b"1")),
    Shape(In.TICK_BY_TICK, TickByTickLast, (*_TBT_HEAD, FLOAT, SIZE, INT, STR, STR), match=(2, b"2")),
    Shape(In.TICK_BY_TICK, TickByTickBidAsk, (*_TBT_HEAD, FLOAT, FLOAT, SIZE, SIZE, INT), match=(2, b"3")),
    Shape(In.TICK_BY_TICK, TickByTickMidPoint, (*_TBT_HEAD, FLOAT), match=(2, b"4")),
    Shape(In.TICK_BY_TICK, TickByTickNone, _TBT_HEAD, match=(2, b"0")),
    # the quantities are Decimals, read by the Python fast path's cached parser
    Shape(In.ORDER_STATUS, OrderStatus, (INT, STR, fast_qty, fast_qty, FLOAT, INT, INT, FLOAT, INT, STR, FLOAT)),
)


def _variant(shape: Shape) -> tuple[Any, ...]:
    cls: Any = shape.cls  # a dataclass (every message is)
    names = [f.name for f in dataclasses.fields(cls)]
    stored = [k for k in shape.kinds if k not in (SKIP, VERSION)]
    if len(stored) != len(names):
        raise TypeError(f"{shape.cls.__name__}: {len(stored)} stored kinds for {len(names)} fields")
    if hasattr(shape.cls, "__post_init__"):
        raise TypeError(f"{shape.cls.__name__} has a __post_init__: the compiled decoder would skip it")
    steps: list[tuple[int, object, object]] = [(SKIP, None, None)]  # the id
    slots = iter(names)
    for kind in shape.kinds:
        if callable(kind):
            steps.append((CALL, getattr(shape.cls, next(slots)), kind))
        elif kind in (SKIP, VERSION):
            steps.append((kind, None, None))
        else:
            steps.append((kind, getattr(shape.cls, next(slots)), None))
    index, text = shape.match if shape.match is not None else (-1, None)
    return (shape.cls, len(steps), index, text, tuple(steps))


class NativeDecoder(Protocol):
    """What ``_native.Plan`` offers: ``decode(data, pos, limit, out, fallback)`` cuts the frames
    of ``data`` from ``pos`` and returns ``(pos, frames, refused)`` (see ``_native.c``)."""

    def decode(
        self,
        data: bytes | bytearray,
        pos: int,
        limit: int,
        out: list[Any],
        fallback: Callable[[bytes, list[Any]], Any],
        /,
    ) -> tuple[int, int, int]: ...


@cache
def plan_for(sv: int) -> NativeDecoder | None:
    """The compiled decoder for server version ``sv``, or ``None`` (not built, or ruled out)."""
    if not ENABLED:
        return None
    table: dict[int, list[tuple[Any, ...]]] = {}
    for shape in SHAPES:
        if sv >= shape.since:
            table.setdefault(int(shape.msg_id), []).append(_variant(shape))
    plan: NativeDecoder = _native.Plan(table, tuple(sorted(UNSET_NUMERIC)))
    return plan


# --- the server role's encoder (the simulator's feed) ---------------------------------------------

#: ``_tickenc.frame_run(msgs, start, out) -> index`` when its extension is built and not
#: ``PURE_PYTHON``, else None: appends the frames of the run of TICK_PRICE / TICK_SIZE
#: / TICK_STRING messages from ``start``, exactly as ``frame(encode_payload(m, sv))`` writes them
FrameRun = Callable[[list[Any], int, bytearray], int]
FRAME_RUN: FrameRun | None = None
if _tickenc is not None and not PURE_PYTHON:
    _tickenc.bind(TickPrice, TickSize, TickString)
    FRAME_RUN = _tickenc.frame_run


def encode_frames(msgs: list[Any], sv: int, frame_run: FrameRun | None = None) -> tuple[bytearray, int]:
    """The frames of ``msgs`` at server version ``sv``, concatenated, and how many messages they
    hold: a message that raises ``ProtocolError`` (``VersionError``, ``EncodeError``) is left out,
    the others keep their order. The runs of tick messages are encoded by the compiled encoder
    (``FRAME_RUN``, or ``frame_run`` when given), the rest by ``frame(encode_payload(m, sv))``;
    the bytes are the same either way. The buffer is new and returned as built (no copy)."""
    run = FRAME_RUN if frame_run is None else frame_run
    n = len(msgs)
    out = bytearray()
    i = done = 0
    while i < n:
        if run is not None:
            j = run(msgs, i, out)
            done += j - i
            i = j
            if i == n:
                break
        try:
            out += frame(encode_payload(msgs[i], sv))
            done += 1
        except ProtocolError:
            pass
        i += 1
    return out, done
