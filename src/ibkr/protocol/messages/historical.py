"""Historical and real-time bars: REQ_HISTORICAL_DATA and its answers, REQ_REAL_TIME_BARS.

Layouts per tws-protocol.md 4.3 and 5.3 (checked against the official client's ``client.py`` /
``decoder.py``). Bar volumes are market-data sizes (``float``, ``SIZE``); the official client
reads volume and WAP as ``Decimal``: an unset WAP is ``None`` here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ibkr.protocol.fields import (
    BOOL,
    FLOAT,
    FLOAT_E,
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
from ibkr.protocol.message import ClientMessage, ServerMessage, register
from ibkr.protocol.messages.market_data import decode_bag_legs, encode_bag_legs
from ibkr.protocol.models import CONTRACT_REQ, TAG_VALUE_TEXT, Contract, TagValue

__all__ = [
    "Bar",
    "ReqHistoricalData",
    "CancelHistoricalData",
    "HistoricalData",
    "HistoricalDataEnd",
    "HistoricalDataUpdate",
    "ReqRealTimeBars",
    "CancelRealTimeBars",
    "RealTimeBars",
]


@dataclass(slots=True)
class Bar:
    """One historical bar (the official client's ``BarData``). ``date`` is what TWS sent:
    ``YYYYMMDD``, ``YYYYMMDD HH:MM:SS <tz>`` or epoch seconds (formatDate 2)."""

    date: str = ""
    open: float = 0.0
    high: float = 0.0
    low: float = 0.0
    close: float = 0.0
    volume: float | None = None
    wap: float | None = None
    bar_count: int = 0


_BAR = Group(
    Bar,
    (
        F("date", STR),
        F("open", FLOAT),
        F("high", FLOAT),
        F("low", FLOAT),
        F("close", FLOAT),
        F("volume", SIZE),
        F("wap", FLOAT_E),
        F("bar_count", INT),
    ),
)
#: HISTORICAL_DATA_UPDATE orders the bar differently: count first, then open, close, high, low,
#: and WAP before volume (tws-protocol.md 10).
_UPDATE_BAR = Group(
    Bar,
    (
        F("bar_count", INT),
        F("date", STR),
        F("open", FLOAT),
        F("close", FLOAT),
        F("high", FLOAT),
        F("low", FLOAT),
        F("wap", FLOAT_E),
        F("volume", SIZE),
    ),
)


@register
@dataclass(slots=True)
class ReqHistoricalData(ClientMessage):
    """REQ_HISTORICAL_DATA (20), no version field from SV.SYNT_REALTIME_BARS. On the wire the order
    is barSize, duration, useRTH, whatToShow (not the API call's order); a BAG contract's legs follow
    formatDate. ``end_date_time`` ``""`` means now."""

    ID = Out.REQ_HISTORICAL_DATA
    _HEAD = (F("req_id", INT), F("contract", CONTRACT_REQ))
    # between the two: the contract's includeExpired flag
    _MID = (
        F("end_date_time", STR),
        F("bar_size_setting", STR),
        F("duration_str", STR),
        F("use_rth", BOOL),
        F("what_to_show", STR),
        F("format_date", INT),
    )
    _TAIL = (F("keep_up_to_date", BOOL, since=SV.SYNT_REALTIME_BARS), F("chart_options", TAG_VALUE_TEXT))

    req_id: int = 0
    contract: Contract = field(default_factory=Contract)
    end_date_time: str = ""
    duration_str: str = ""
    bar_size_setting: str = ""
    what_to_show: str = ""
    use_rth: bool = False
    format_date: int = 1
    keep_up_to_date: bool = False
    chart_options: list[TagValue] = field(default_factory=list)

    def encode_fields(self, sv: int, out: list[str]) -> None:
        encode_layout(self, self._HEAD, sv, out)
        BOOL.encode(self.contract.include_expired, sv, out)
        encode_layout(self, self._MID, sv, out)
        encode_bag_legs(self.contract, sv, out)
        encode_layout(self, self._TAIL, sv, out)

    @classmethod
    def decode_fields(cls, r: Reader, sv: int) -> ReqHistoricalData:
        values = decode_layout(r, cls._HEAD, sv)
        contract = values["contract"]
        contract.include_expired = BOOL.decode(r, "contract.include_expired", sv)
        values.update(decode_layout(r, cls._MID, sv))
        decode_bag_legs(r, contract, sv)
        values.update(decode_layout(r, cls._TAIL, sv))
        return cls(**values)


@register
@dataclass(slots=True)
class CancelHistoricalData(ClientMessage):
    ID = Out.CANCEL_HISTORICAL_DATA
    LAYOUT = (F("_v", Version(1)), F("req_id", INT))

    req_id: int = 0


@register
@dataclass(slots=True)
class HistoricalData(ServerMessage):
    """HISTORICAL_DATA (17), no version field: every bar of a request at once. Before
    SV.HISTORICAL_DATA_END the start and end strings come first; from it they move to
    HISTORICAL_DATA_END (108)."""

    ID = In.HISTORICAL_DATA
    LAYOUT = (
        F("req_id", INT),
        F("start_date_str", STR, until=SV.HISTORICAL_DATA_END),
        F("end_date_str", STR, until=SV.HISTORICAL_DATA_END),
        F("bars", ListOf(_BAR)),
    )

    req_id: int = 0
    start_date_str: str = ""
    end_date_str: str = ""
    bars: list[Bar] = field(default_factory=list)


@register
@dataclass(slots=True)
class HistoricalDataEnd(ServerMessage):
    ID = In.HISTORICAL_DATA_END
    SINCE = SV.HISTORICAL_DATA_END
    LAYOUT = (F("req_id", INT), F("start_date_str", STR), F("end_date_str", STR))

    req_id: int = 0
    start_date_str: str = ""
    end_date_str: str = ""


@register
@dataclass(slots=True)
class HistoricalDataUpdate(ServerMessage):
    """HISTORICAL_DATA_UPDATE (90): the forming bar of a keepUpToDate request."""

    ID = In.HISTORICAL_DATA_UPDATE
    LAYOUT = (F("req_id", INT), F("bar", _UPDATE_BAR))

    req_id: int = 0
    bar: Bar = field(default_factory=Bar)


@register
@dataclass(slots=True)
class ReqRealTimeBars(ClientMessage):
    """REQ_REAL_TIME_BARS (50). TWS only serves ``bar_size`` 5 (seconds)."""

    ID = Out.REQ_REAL_TIME_BARS
    LAYOUT = (
        F("_v", Version(3)),
        F("req_id", INT),
        F("contract", CONTRACT_REQ),
        F("bar_size", INT),
        F("what_to_show", STR),
        F("use_rth", BOOL),
        F("real_time_bars_options", TAG_VALUE_TEXT),
    )

    req_id: int = 0
    contract: Contract = field(default_factory=Contract)
    bar_size: int = 5
    what_to_show: str = ""
    use_rth: bool = False
    real_time_bars_options: list[TagValue] = field(default_factory=list)


@register
@dataclass(slots=True)
class CancelRealTimeBars(ClientMessage):
    ID = Out.CANCEL_REAL_TIME_BARS
    LAYOUT = (F("_v", Version(1)), F("req_id", INT))

    req_id: int = 0


@register
@dataclass(slots=True)
class RealTimeBars(ServerMessage):
    """REAL_TIME_BARS (50): one 5-second bar; ``time`` is the bar's start in epoch seconds."""

    ID = In.REAL_TIME_BARS
    LAYOUT = (
        F("_v", Version(3)),
        F("req_id", INT),
        F("time", INT),
        F("open", FLOAT),
        F("high", FLOAT),
        F("low", FLOAT),
        F("close", FLOAT),
        F("volume", SIZE),
        F("wap", FLOAT_E),
        F("count", INT),
    )

    req_id: int = 0
    time: int = 0
    open: float = 0.0
    high: float = 0.0
    low: float = 0.0
    close: float = 0.0
    volume: float | None = None
    wap: float | None = None
    count: int = 0
