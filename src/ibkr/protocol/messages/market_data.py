"""Live L1 market data: REQ_MKT_DATA and its cancel, the market-data type, and the L1 ticks
(TICK_PRICE, TICK_SIZE, TICK_STRING, TICK_GENERIC, TICK_REQ_PARAMS, TICK_SNAPSHOT_END,
MARKET_DATA_TYPE). Tick-by-tick data is in ``tick_by_tick.py``, market depth in ``depth.py``,
historical and real-time bars in ``historical.py``.

Layouts per tws-protocol.md 4.3 and 5.3 (checked against the official client's ``client.py`` /
``decoder.py``).

TICK_PRICE, TICK_SIZE and TICK_STRING (like TICK_BY_TICK and the depth rows) are the decoding hot
path of the library. Each keeps its declarative ``LAYOUT`` (the generic decoder, which names the failing field)
and adds two shortcuts: a ``@fast_decoder`` that checks the exact field count and builds the
dataclass positionally straight from the bytes, and an ``encode_fields`` that writes the fields as
one string. Both shortcuts give way to the layout for anything unusual (unset sizes, sentinels,
wrong types; see ``fast.py``), so they only ever produce what the layout would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ibkr.errors import EncodeError
from ibkr.protocol.fields import (
    BOOL,
    FLOAT,
    INT,
    SIZE,
    STR,
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
from ibkr.protocol.messages.fast import (
    INTS,
    NOT_CACHED,
    PRICES,
    SIZES,
    Slow,
    check_ints,
    fast_size,
    parse_price,
    price_text,
    size_text,
)
from ibkr.protocol.models import CONTRACT_REQ, TAG_VALUE_TEXT, ComboLeg, Contract, DeltaNeutralContract, TagValue

__all__ = [
    "ReqMktData",
    "CancelMktData",
    "ReqMarketDataType",
    "TickPrice",
    "TickSize",
    "TickString",
    "TickGeneric",
    "TickReqParams",
    "TickSnapshotEnd",
    "MarketDataType",
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
            check_ints(self.req_id, self.tick_type, self.attr_mask)
            out.append(
                f"6\0{self.req_id}\0{self.tick_type}\0{price_text(self.price)}\0"
                f"{size_text(self.size)}\0{self.attr_mask}"
            )
        except Slow:
            encode_layout(self, self.LAYOUT, sv, out)


@fast_decoder(In.TICK_PRICE)
def _decode_tick_price(f: list[bytes], sv: int) -> Message:
    _, version, req_id, tick_type, price, size, mask = f  # ValueError: not 7 fields
    if version != _TICK_V:
        int(version)
    s = SIZES.get(size, NOT_CACHED)  # fast_size, inlined for the hottest two messages
    return TickPrice(
        INTS.get(req_id) or int(req_id),
        INTS[tick_type],
        PRICES.get(price) or parse_price(price),
        fast_size(size) if s is NOT_CACHED else s,  # type: ignore[arg-type]
        INTS[mask],
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
            check_ints(self.req_id, self.tick_type)
            out.append(f"6\0{self.req_id}\0{self.tick_type}\0{size_text(self.size)}")
        except Slow:
            encode_layout(self, self.LAYOUT, sv, out)


@fast_decoder(In.TICK_SIZE)
def _decode_tick_size(f: list[bytes], sv: int) -> Message:
    _, version, req_id, tick_type, size = f
    if version != _TICK_V:
        int(version)
    s = SIZES.get(size, NOT_CACHED)
    return TickSize(
        INTS.get(req_id) or int(req_id),
        INTS[tick_type],
        fast_size(size) if s is NOT_CACHED else s,  # type: ignore[arg-type]
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


@fast_decoder(In.TICK_STRING)
def _decode_tick_string(f: list[bytes], sv: int) -> Message:
    """~14% of L1 traffic (LAST_TIMESTAMP with every trade, RT_VOLUME). Invalid UTF-8 raises
    here; the layout then reads it with replacement characters."""
    _, version, req_id, tick_type, value = f
    if version != _TICK_V:
        int(version)
    return TickString(INTS.get(req_id) or int(req_id), INTS[tick_type], value.decode())


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
