"""Live market data: L1 ticks, tick-by-tick and market depth, with their requests and cancels.

Layouts per tws-protocol.md 4.3 and 5.3 (checked against the official client's ``client.py`` /
``decoder.py``). Historical and real-time bars live in ``historical.py``.

TICK_PRICE, TICK_SIZE, TICK_BY_TICK, MARKET_DEPTH and MARKET_DEPTH_L2 are the decoding hot path of
the library. Each keeps its declarative ``LAYOUT`` (the generic decoder, which names the failing
field) and adds two shortcuts: a ``@fast_decoder`` that checks the exact field count and builds the
dataclass positionally straight from the bytes, and an ``encode_fields`` that writes the fields as
one string. Both shortcuts give way to the layout for anything unusual (unset sizes, sentinels,
wrong types), so they only ever produce what the layout would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ibkr.errors import EncodeError
from ibkr.protocol.fields import (
    BOOL,
    FLOAT,
    INT,
    SIZE,
    STR,
    UNSET_NUMERIC,
    F,
    Group,
    ListOf,
    Reader,
    Version,
    decode_layout,
    encode_layout,
)
from ibkr.protocol.ids import SV, In, Out
from ibkr.protocol.message import ClientMessage, Message, ServerMessage, fast_decoder, register
from ibkr.protocol.models import CONTRACT_REQ, TAG_VALUE_TEXT, ComboLeg, Contract, DeltaNeutralContract, TagValue

__all__ = [
    "ReqMktData",
    "CancelMktData",
    "ReqMarketDataType",
    "ReqTickByTickData",
    "CancelTickByTickData",
    "ReqMktDepth",
    "CancelMktDepth",
    "TickPrice",
    "TickSize",
    "TickString",
    "TickGeneric",
    "TickReqParams",
    "TickSnapshotEnd",
    "MarketDataType",
    "TickByTick",
    "TickByTickNone",
    "TickByTickLast",
    "TickByTickBidAsk",
    "TickByTickMidPoint",
    "MarketDepth",
    "MarketDepthL2",
]


# --- pieces shared with historical.py ------------------------------------------------------------


#: the 4-field combo leg of market-data and historical requests (tws-protocol.md 4.2)
COMBO_LEGS_REQ = ListOf(Group(ComboLeg, (F("con_id", INT), F("ratio", INT), F("action", STR), F("exchange", STR))))
_DELTA_NEUTRAL = Group(DeltaNeutralContract, (F("con_id", INT), F("delta", FLOAT), F("price", FLOAT)))
_LEGS_FIELD = (F("combo_legs", COMBO_LEGS_REQ),)


def encode_bag_legs(contract: Contract, sv: int, out: list[str]) -> None:
    """The leg list that follows a BAG contract in REQ_MKT_DATA and REQ_HISTORICAL_DATA."""
    if contract.sec_type != "BAG":
        return
    try:
        encode_layout(contract, _LEGS_FIELD, sv, out)
    except EncodeError as exc:
        exc.field = f"contract.{exc.field}"
        raise


def decode_bag_legs(r: Reader, contract: Contract, sv: int) -> None:
    if contract.sec_type == "BAG":
        contract.combo_legs = COMBO_LEGS_REQ.decode(r, "contract.combo_legs", sv)


# --- requests ------------------------------------------------------------------------------------


@register
@dataclass(slots=True)
class ReqMktData(ClientMessage):
    """REQ_MKT_DATA (1): streaming or snapshot L1 data. A BAG contract is followed by its legs, then
    the delta-neutral flag (and group). ``mkt_data_options`` is "internal use" and the official
    client refuses a non-empty list; we write it as ``tag=value;``."""

    ID = Out.REQ_MKT_DATA
    _HEAD = (F("_v", Version(11)), F("req_id", INT), F("contract", CONTRACT_REQ))
    _TAIL = (
        F("generic_tick_list", STR),
        F("snapshot", BOOL),
        F("regulatory_snapshot", BOOL, since=SV.REQ_SMART_COMPONENTS),
        F("mkt_data_options", TAG_VALUE_TEXT),
    )

    req_id: int = 0
    contract: Contract = field(default_factory=Contract)
    generic_tick_list: str = ""
    snapshot: bool = False
    regulatory_snapshot: bool = False
    mkt_data_options: list[TagValue] = field(default_factory=list)

    def encode_fields(self, sv: int, out: list[str]) -> None:
        encode_layout(self, self._HEAD, sv, out)
        contract = self.contract
        encode_bag_legs(contract, sv, out)
        dn = contract.delta_neutral_contract
        if dn is None:
            out.append("0")
        else:
            out.append("1")
            try:
                _DELTA_NEUTRAL.encode(dn, sv, out)
            except EncodeError as exc:
                exc.field = f"contract.delta_neutral_contract.{exc.field}"
                raise
        encode_layout(self, self._TAIL, sv, out)

    @classmethod
    def decode_fields(cls, r: Reader, sv: int) -> ReqMktData:
        values = decode_layout(r, cls._HEAD, sv)
        contract = values["contract"]
        decode_bag_legs(r, contract, sv)
        if BOOL.decode(r, "contract.delta_neutral_contract", sv):
            contract.delta_neutral_contract = _DELTA_NEUTRAL.decode(r, "contract.delta_neutral_contract", sv)
        values.update(decode_layout(r, cls._TAIL, sv))
        return cls(**values)


@register
@dataclass(slots=True)
class CancelMktData(ClientMessage):
    ID = Out.CANCEL_MKT_DATA
    LAYOUT = (F("_v", Version(2)), F("req_id", INT))

    req_id: int = 0


@register
@dataclass(slots=True)
class ReqMarketDataType(ClientMessage):
    """REQ_MARKET_DATA_TYPE (59): 1 live, 2 frozen, 3 delayed, 4 delayed-frozen. No direct reply;
    subscriptions report their type with MARKET_DATA_TYPE."""

    ID = Out.REQ_MARKET_DATA_TYPE
    LAYOUT = (F("_v", Version(1)), F("market_data_type", INT))

    market_data_type: int = 1


@register
@dataclass(slots=True)
class ReqTickByTickData(ClientMessage):
    """REQ_TICK_BY_TICK_DATA (97), no version field. ``tick_type`` is ``Last``, ``AllLast``,
    ``BidAsk`` or ``MidPoint``; the last two fields exist from SV.TICK_BY_TICK_IGNORE_SIZE."""

    ID = Out.REQ_TICK_BY_TICK_DATA
    SINCE = SV.TICK_BY_TICK
    LAYOUT = (
        F("req_id", INT),
        F("contract", CONTRACT_REQ),
        F("tick_type", STR),
        F("number_of_ticks", INT, since=SV.TICK_BY_TICK_IGNORE_SIZE),
        F("ignore_size", BOOL, since=SV.TICK_BY_TICK_IGNORE_SIZE),
    )

    req_id: int = 0
    contract: Contract = field(default_factory=Contract)
    tick_type: str = ""
    number_of_ticks: int = 0
    ignore_size: bool = False


@register
@dataclass(slots=True)
class CancelTickByTickData(ClientMessage):
    ID = Out.CANCEL_TICK_BY_TICK_DATA
    SINCE = SV.TICK_BY_TICK
    LAYOUT = (F("req_id", INT),)

    req_id: int = 0


@register
@dataclass(slots=True)
class ReqMktDepth(ClientMessage):
    """REQ_MKT_DEPTH (10). The contract block has its primaryExchange slot from
    SV.MKT_DEPTH_PRIM_EXCHANGE (always, at the versions we speak); ``is_smart_depth`` from
    SV.SMART_DEPTH. ``mkt_depth_options`` is "internal use" (the official client sends ``""``)."""

    ID = Out.REQ_MKT_DEPTH
    LAYOUT = (
        F("_v", Version(5)),
        F("req_id", INT),
        F("contract", CONTRACT_REQ),
        F("num_rows", INT),
        F("is_smart_depth", BOOL, since=SV.SMART_DEPTH),
        F("mkt_depth_options", TAG_VALUE_TEXT),
    )

    req_id: int = 0
    contract: Contract = field(default_factory=Contract)
    num_rows: int = 0
    is_smart_depth: bool = False
    mkt_depth_options: list[TagValue] = field(default_factory=list)


@register
@dataclass(slots=True)
class CancelMktDepth(ClientMessage):
    ID = Out.CANCEL_MKT_DEPTH
    LAYOUT = (F("_v", Version(1)), F("req_id", INT), F("is_smart_depth", BOOL, since=SV.SMART_DEPTH))

    req_id: int = 0
    is_smart_depth: bool = False


# --- hot-path helpers ----------------------------------------------------------------------------
#
# The fast decoders raise ``_Slow`` (or let int()/float() raise) for anything they do not take
# verbatim; message.decode_payload then runs the generic decoder, which either accepts the unusual
# form or raises the precise DecodeError. Sizes outside (-2**31+1, 2**31-1) go the slow way too:
# that range excludes NaN, infinities and every unset sentinel (2147483647, 9223372036854775807, ...).

_SIZE_LIMIT = 2147483647.0
#: b"-1" .. b"4095" -> int / float: a dict lookup is ~4x cheaper than int() or float() on bytes,
#: and tick types, masks, depth rows, most request ids and most sizes are in this range. A key
#: is the canonical text only, so a lookup gives exactly what int() / float() would.
_INTS: dict[bytes, int] = {str(i).encode(): i for i in range(-1, 4096)}
#: the same for sizes, plus every unset form (read as None, as SIZE does)
_SIZES: dict[bytes, float | None] = {**{raw: float(i) for raw, i in _INTS.items()}, **dict.fromkeys(UNSET_NUMERIC)}
_NOT_CACHED = object()


class _Slow(Exception):
    """Internal: this value is not for the shortcut; use the layout."""


def _fast_size(raw: bytes) -> float | None:
    value = _SIZES.get(raw, _NOT_CACHED)
    if value is _NOT_CACHED:
        value = float(raw)
        if not -_SIZE_LIMIT < value < _SIZE_LIMIT:
            raise _Slow
    return value  # type: ignore[return-value]


def _size_text(value: float | None) -> str:
    """SIZE's text for a plain float (``100``, ``0.5``), ``""`` for None; else ``_Slow``."""
    if value is None:
        return ""
    if type(value) is not float or value - value != 0.0:
        raise _Slow
    return str(int(value)) if value.is_integer() else repr(value)


def _price_text(value: float) -> str:
    if type(value) is not float or value - value != 0.0:
        raise _Slow
    return repr(value)


def _check_ints(*values: object) -> None:
    for v in values:
        if type(v) is not int:
            raise _Slow


# --- L1 ticks ------------------------------------------------------------------------------------

#: the version field TWS writes in TICK_PRICE / TICK_SIZE / TICK_STRING / TICK_GENERIC (tws-protocol.md 5.2)
_TICK_VERSION = 6
_TICK_V = b"6"


@register
@dataclass(slots=True)
class TickPrice(ServerMessage):
    """TICK_PRICE (1). ``attr_mask``: bit 0 canAutoExecute, bit 1 pastLimit (SV.PAST_LIMIT),
    bit 2 preOpen (SV.PRE_OPEN_BID_ASK). For BID/ASK/LAST (and delayed) the size belongs to the
    matching size tick; the official client reports it as a separate tickSize callback."""

    ID = In.TICK_PRICE
    LAYOUT = (
        F("_v", Version(_TICK_VERSION)),
        F("req_id", INT),
        F("tick_type", INT),
        F("price", FLOAT),
        F("size", SIZE),
        F("attr_mask", INT),
    )

    req_id: int = 0
    tick_type: int = 0
    price: float = 0.0
    size: float | None = None
    attr_mask: int = 0

    @property
    def can_auto_execute(self) -> bool:
        return bool(self.attr_mask & 1)

    @property
    def past_limit(self) -> bool:
        return bool(self.attr_mask & 2)

    @property
    def pre_open(self) -> bool:
        return bool(self.attr_mask & 4)

    def encode_fields(self, sv: int, out: list[str]) -> None:
        try:
            _check_ints(self.req_id, self.tick_type, self.attr_mask)
            out.append(
                f"6\0{self.req_id}\0{self.tick_type}\0{_price_text(self.price)}\0"
                f"{_size_text(self.size)}\0{self.attr_mask}"
            )
        except _Slow:
            encode_layout(self, self.LAYOUT, sv, out)


@fast_decoder(In.TICK_PRICE)
def _decode_tick_price(f: list[bytes], sv: int) -> Message:
    if len(f) != 7:
        raise _Slow
    if f[1] != _TICK_V:
        int(f[1])
    size = _SIZES.get(f[5], _NOT_CACHED)  # _fast_size, inlined for the hottest two messages
    return TickPrice(
        _INTS.get(f[2]) or int(f[2]),
        _INTS[f[3]],
        float(f[4]),
        _fast_size(f[5]) if size is _NOT_CACHED else size,  # type: ignore[arg-type]
        _INTS[f[6]],
    )


@register
@dataclass(slots=True)
class TickSize(ServerMessage):
    """TICK_SIZE (2). A tick type of 111 (NOT_SET) is dropped by the official client."""

    ID = In.TICK_SIZE
    LAYOUT = (F("_v", Version(_TICK_VERSION)), F("req_id", INT), F("tick_type", INT), F("size", SIZE))

    req_id: int = 0
    tick_type: int = 0
    size: float | None = None

    def encode_fields(self, sv: int, out: list[str]) -> None:
        try:
            _check_ints(self.req_id, self.tick_type)
            out.append(f"6\0{self.req_id}\0{self.tick_type}\0{_size_text(self.size)}")
        except _Slow:
            encode_layout(self, self.LAYOUT, sv, out)


@fast_decoder(In.TICK_SIZE)
def _decode_tick_size(f: list[bytes], sv: int) -> Message:
    if len(f) != 5:
        raise _Slow
    if f[1] != _TICK_V:
        int(f[1])
    size = _SIZES.get(f[4], _NOT_CACHED)
    return TickSize(
        _INTS.get(f[2]) or int(f[2]),
        _INTS[f[3]],
        _fast_size(f[4]) if size is _NOT_CACHED else size,  # type: ignore[arg-type]
    )


@register
@dataclass(slots=True)
class TickString(ServerMessage):
    """TICK_STRING (46), e.g. LAST_TIMESTAMP (45) as epoch seconds, RT_VOLUME (48)."""

    ID = In.TICK_STRING
    LAYOUT = (F("_v", Version(_TICK_VERSION)), F("req_id", INT), F("tick_type", INT), F("value", STR))

    req_id: int = 0
    tick_type: int = 0
    value: str = ""


@register
@dataclass(slots=True)
class TickGeneric(ServerMessage):
    """TICK_GENERIC (45), e.g. HALTED (49), SHORTABLE (46)."""

    ID = In.TICK_GENERIC
    LAYOUT = (F("_v", Version(_TICK_VERSION)), F("req_id", INT), F("tick_type", INT), F("value", FLOAT))

    req_id: int = 0
    tick_type: int = 0
    value: float = 0.0


@register
@dataclass(slots=True)
class TickReqParams(ServerMessage):
    """TICK_REQ_PARAMS (81), no version field: the first answer to REQ_MKT_DATA (the official
    client names the id ``tickerId``)."""

    ID = In.TICK_REQ_PARAMS
    LAYOUT = (F("req_id", INT), F("min_tick", FLOAT), F("bbo_exchange", STR), F("snapshot_permissions", INT))

    req_id: int = 0
    min_tick: float = 0.0
    bbo_exchange: str = ""
    snapshot_permissions: int = 0


@register
@dataclass(slots=True)
class TickSnapshotEnd(ServerMessage):
    ID = In.TICK_SNAPSHOT_END
    LAYOUT = (F("_v", Version(1)), F("req_id", INT))

    req_id: int = 0


@register
@dataclass(slots=True)
class MarketDataType(ServerMessage):
    """MARKET_DATA_TYPE (58): the type (1 live .. 4 delayed-frozen) a subscription now delivers."""

    ID = In.MARKET_DATA_TYPE
    LAYOUT = (F("_v", Version(1)), F("req_id", INT), F("market_data_type", INT))

    req_id: int = 0
    market_data_type: int = 0


# --- tick-by-tick --------------------------------------------------------------------------------
# (The fast texts write a literal digit after a NUL as "\x003": "\03" would be an octal escape.)


@register
@dataclass(slots=True)
class TickByTick(ServerMessage):
    """TICK_BY_TICK (99), no version field: ``req_id, tick_type, time`` and then fields that depend
    on the tick type. Decoding returns the subclass for the type: ``TickByTickNone`` (0),
    ``TickByTickLast`` (1 Last, 2 AllLast), ``TickByTickBidAsk`` (3), ``TickByTickMidPoint`` (4).
    The official decoder reads type 0 and reports nothing; we return it so nothing is hidden."""

    ID = In.TICK_BY_TICK
    SINCE = SV.TICK_BY_TICK
    #: the tick types a class may carry (the base class itself carries none: use a subclass)
    TICK_TYPES: ClassVar[tuple[int, ...]] = ()
    LAYOUT: ClassVar[tuple[F, ...]] = (F("req_id", INT), F("tick_type", INT), F("time", INT))

    req_id: int = 0
    tick_type: int = 0
    time: int = 0

    def encode_fields(self, sv: int, out: list[str]) -> None:
        if self.tick_type not in self.TICK_TYPES:
            raise EncodeError(
                f"{type(self).__name__} cannot carry tick type {self.tick_type!r} (allowed: {self.TICK_TYPES})",
                field="tick_type",
            )
        try:
            out.append(self._fast_text())
        except _Slow:
            encode_layout(self, self.LAYOUT, sv, out)

    def _fast_text(self) -> str:
        raise _Slow

    @classmethod
    def decode_fields(cls, r: Reader, sv: int) -> TickByTick:
        start = r.pos
        INT.decode(r, "req_id", sv)
        tick_type = INT.decode(r, "tick_type", sv)
        sub = _TICK_BY_TICK_CLASSES.get(tick_type)
        if sub is None:
            raise r.error(f"unknown tick-by-tick type {tick_type}", "tick_type", r.fields[r.pos - 1])
        r.pos = start
        return sub(**decode_layout(r, sub.LAYOUT, sv))


@dataclass(slots=True)
class TickByTickNone(TickByTick):
    """Tick type 0: only the time follows."""

    TICK_TYPES = (0,)

    def _fast_text(self) -> str:
        _check_ints(self.req_id, self.time)
        return f"{self.req_id}\x000\x00{self.time}"


@dataclass(slots=True)
class TickByTickLast(TickByTick):
    """Types 1 (Last) and 2 (AllLast). ``attr_mask``: bit 0 pastLimit, bit 1 unreported."""

    TICK_TYPES = (1, 2)
    LAYOUT = (
        *TickByTick.LAYOUT,
        F("price", FLOAT),
        F("size", SIZE),
        F("attr_mask", INT),
        F("exchange", STR),
        F("special_conditions", STR),
    )

    tick_type: int = 1
    price: float = 0.0
    size: float | None = None
    attr_mask: int = 0
    exchange: str = ""
    special_conditions: str = ""

    @property
    def past_limit(self) -> bool:
        return bool(self.attr_mask & 1)

    @property
    def unreported(self) -> bool:
        return bool(self.attr_mask & 2)

    def _fast_text(self) -> str:
        _check_ints(self.req_id, self.tick_type, self.time, self.attr_mask)
        exchange, conditions = self.exchange, self.special_conditions
        if type(exchange) is not str or type(conditions) is not str or "\0" in exchange or "\0" in conditions:
            raise _Slow
        return (
            f"{self.req_id}\0{self.tick_type}\0{self.time}\0{_price_text(self.price)}\0"
            f"{_size_text(self.size)}\0{self.attr_mask}\0{exchange}\0{conditions}"
        )


@dataclass(slots=True)
class TickByTickBidAsk(TickByTick):
    """Type 3. ``attr_mask``: bit 0 bidPastLow, bit 1 askPastHigh (HISTORICAL_TICKS_BID_ASK has the
    bits the other way round, tws-protocol.md 10)."""

    TICK_TYPES = (3,)
    LAYOUT = (
        *TickByTick.LAYOUT,
        F("bid_price", FLOAT),
        F("ask_price", FLOAT),
        F("bid_size", SIZE),
        F("ask_size", SIZE),
        F("attr_mask", INT),
    )

    tick_type: int = 3
    bid_price: float = 0.0
    ask_price: float = 0.0
    bid_size: float | None = None
    ask_size: float | None = None
    attr_mask: int = 0

    @property
    def bid_past_low(self) -> bool:
        return bool(self.attr_mask & 1)

    @property
    def ask_past_high(self) -> bool:
        return bool(self.attr_mask & 2)

    def _fast_text(self) -> str:
        _check_ints(self.req_id, self.time, self.attr_mask)
        return (
            f"{self.req_id}\x003\x00{self.time}\0{_price_text(self.bid_price)}\0{_price_text(self.ask_price)}\0"
            f"{_size_text(self.bid_size)}\0{_size_text(self.ask_size)}\0{self.attr_mask}"
        )


@dataclass(slots=True)
class TickByTickMidPoint(TickByTick):
    TICK_TYPES = (4,)
    LAYOUT = (*TickByTick.LAYOUT, F("mid_point", FLOAT))

    tick_type: int = 4
    mid_point: float = 0.0

    def _fast_text(self) -> str:
        _check_ints(self.req_id, self.time)
        return f"{self.req_id}\x004\x00{self.time}\0{_price_text(self.mid_point)}"


_TICK_BY_TICK_CLASSES: dict[int, type[TickByTick]] = {
    t: cls for cls in (TickByTickNone, TickByTickLast, TickByTickBidAsk, TickByTickMidPoint) for t in cls.TICK_TYPES
}


@fast_decoder(In.TICK_BY_TICK)
def _decode_tick_by_tick(f: list[bytes], sv: int) -> Message:
    n = len(f)
    t = f[2]
    if n == 9:
        if t == b"3":
            return TickByTickBidAsk(
                _INTS.get(f[1]) or int(f[1]),
                3,
                int(f[3]),
                float(f[4]),
                float(f[5]),
                _fast_size(f[6]),
                _fast_size(f[7]),
                _INTS[f[8]],
            )
        if t == b"1" or t == b"2":
            return TickByTickLast(
                _INTS.get(f[1]) or int(f[1]),
                _INTS[t],
                int(f[3]),
                float(f[4]),
                _fast_size(f[5]),
                _INTS[f[6]],
                f[7].decode("utf-8", "replace"),
                f[8].decode("utf-8", "replace"),
            )
    elif n == 5 and t == b"4":
        return TickByTickMidPoint(_INTS.get(f[1]) or int(f[1]), 4, int(f[3]), float(f[4]))
    elif n == 4 and t == b"0":
        return TickByTickNone(_INTS.get(f[1]) or int(f[1]), 0, int(f[3]))
    raise _Slow


# --- market depth --------------------------------------------------------------------------------


@register
@dataclass(slots=True)
class MarketDepth(ServerMessage):
    """MARKET_DEPTH (12): one row of a single-venue book. ``operation`` 0 insert, 1 update,
    2 delete; ``side`` 0 ask, 1 bid."""

    ID = In.MARKET_DEPTH
    LAYOUT = (
        F("_v", Version(1)),
        F("req_id", INT),
        F("position", INT),
        F("operation", INT),
        F("side", INT),
        F("price", FLOAT),
        F("size", SIZE),
    )

    req_id: int = 0
    position: int = 0
    operation: int = 0
    side: int = 0
    price: float = 0.0
    size: float | None = None

    def encode_fields(self, sv: int, out: list[str]) -> None:
        try:
            _check_ints(self.req_id, self.position, self.operation, self.side)
            out.append(
                f"1\0{self.req_id}\0{self.position}\0{self.operation}\0{self.side}\0"
                f"{_price_text(self.price)}\0{_size_text(self.size)}"
            )
        except _Slow:
            encode_layout(self, self.LAYOUT, sv, out)


@fast_decoder(In.MARKET_DEPTH)
def _decode_market_depth(f: list[bytes], sv: int) -> Message:
    if len(f) != 8:
        raise _Slow
    if f[1] != b"1":
        int(f[1])
    return MarketDepth(
        _INTS.get(f[2]) or int(f[2]), _INTS[f[3]], _INTS[f[4]], _INTS[f[5]], float(f[6]), _fast_size(f[7])
    )


@register
@dataclass(slots=True)
class MarketDepthL2(ServerMessage):
    """MARKET_DEPTH_L2 (13): one row of a market-maker or SMART book; ``is_smart_depth`` is on the
    wire from SV.SMART_DEPTH."""

    ID = In.MARKET_DEPTH_L2
    LAYOUT = (
        F("_v", Version(1)),
        F("req_id", INT),
        F("position", INT),
        F("market_maker", STR),
        F("operation", INT),
        F("side", INT),
        F("price", FLOAT),
        F("size", SIZE),
        F("is_smart_depth", BOOL, since=SV.SMART_DEPTH),
    )

    req_id: int = 0
    position: int = 0
    market_maker: str = ""
    operation: int = 0
    side: int = 0
    price: float = 0.0
    size: float | None = None
    is_smart_depth: bool = False

    def encode_fields(self, sv: int, out: list[str]) -> None:
        try:
            _check_ints(self.req_id, self.position, self.operation, self.side)
            mm = self.market_maker
            if sv < SV.SMART_DEPTH or type(mm) is not str or "\0" in mm:
                raise _Slow
            out.append(
                f"1\0{self.req_id}\0{self.position}\0{mm}\0{self.operation}\0{self.side}\0"
                f"{_price_text(self.price)}\0{_size_text(self.size)}\0{'1' if self.is_smart_depth else '0'}"
            )
        except _Slow:
            encode_layout(self, self.LAYOUT, sv, out)


@fast_decoder(In.MARKET_DEPTH_L2)
def _decode_market_depth_l2(f: list[bytes], sv: int) -> Message:
    if len(f) != 10 or sv < SV.SMART_DEPTH:
        raise _Slow
    if f[1] != b"1":
        int(f[1])
    smart = f[9]
    if smart != b"1" and smart != b"0":
        raise _Slow
    return MarketDepthL2(
        _INTS.get(f[2]) or int(f[2]),
        _INTS[f[3]],
        f[4].decode("utf-8", "replace"),
        _INTS[f[5]],
        _INTS[f[6]],
        float(f[7]),
        _fast_size(f[8]),
        smart == b"1",
    )
