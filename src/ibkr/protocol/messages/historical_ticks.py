"""Historical reference queries: the head timestamp, price histograms, historical ticks (trades,
bid/ask, midpoint) and trading schedules (HISTORICAL_SCHEDULE, the answer to whatToShow=SCHEDULE).

Layouts follow the official client's ``client.py`` / ``decoder.py``; none changes between server
versions 176 and 200. None of these messages has a version field. Sizes are market-data sizes
(``float``, written like TWS: ``100``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ibkr.protocol.fields import BOOL, FLOAT, INT, SIZE, STR, Const, F, Group, ListOf
from ibkr.protocol.ids import SV, In, Out
from ibkr.protocol.message import ClientMessage, ServerMessage, register
from ibkr.protocol.models import CONTRACT_REQ_EXPIRED, TAG_VALUE_TEXT, Contract, TagValue

__all__ = [
    "ReqHeadTimestamp",
    "CancelHeadTimestamp",
    "HeadTimestamp",
    "HistogramEntry",
    "ReqHistogramData",
    "CancelHistogramData",
    "HistogramData",
    "HistoricalTick",
    "HistoricalTickBidAsk",
    "HistoricalTickLast",
    "ReqHistoricalTicks",
    "HistoricalTicks",
    "HistoricalTicksBidAsk",
    "HistoricalTicksLast",
    "HistoricalSession",
    "HistoricalSchedule",
]


@register
@dataclass(slots=True)
class ReqHeadTimestamp(ClientMessage):
    """REQ_HEAD_TIMESTAMP (87): contract block + includeExpired, then useRTH, whatToShow,
    formatDate (1 text, 2 epoch seconds)."""

    ID = Out.REQ_HEAD_TIMESTAMP
    SINCE = SV.REQ_HEAD_TIMESTAMP
    LAYOUT = (
        F("req_id", INT),
        F("contract", CONTRACT_REQ_EXPIRED),
        F("use_rth", INT),
        F("what_to_show", STR),
        F("format_date", INT),
    )

    req_id: int = 0
    contract: Contract = field(default_factory=Contract)
    use_rth: int = 0
    what_to_show: str = ""
    format_date: int = 1


@register
@dataclass(slots=True)
class CancelHeadTimestamp(ClientMessage):
    ID = Out.CANCEL_HEAD_TIMESTAMP
    SINCE = SV.CANCEL_HEADTIMESTAMP
    LAYOUT = (F("req_id", INT),)

    req_id: int = 0


@register
@dataclass(slots=True)
class HeadTimestamp(ServerMessage):
    """HEAD_TIMESTAMP (88): ``19801212-14:30:00`` or epoch seconds, as requested."""

    ID = In.HEAD_TIMESTAMP
    LAYOUT = (F("req_id", INT), F("head_timestamp", STR))

    req_id: int = 0
    head_timestamp: str = ""


@dataclass(slots=True)
class HistogramEntry:
    price: float = 0.0
    size: float | None = 0.0


@register
@dataclass(slots=True)
class ReqHistogramData(ClientMessage):
    """REQ_HISTOGRAM_DATA (88): ``use_rth`` is a bool here (an int in the other requests);
    ``time_period`` like ``3 days``."""

    ID = Out.REQ_HISTOGRAM_DATA
    SINCE = SV.REQ_HISTOGRAM
    LAYOUT = (
        F("ticker_id", INT),
        F("contract", CONTRACT_REQ_EXPIRED),
        F("use_rth", BOOL),
        F("time_period", STR),
    )

    ticker_id: int = 0
    contract: Contract = field(default_factory=Contract)
    use_rth: bool = False
    time_period: str = ""


@register
@dataclass(slots=True)
class CancelHistogramData(ClientMessage):
    ID = Out.CANCEL_HISTOGRAM_DATA
    SINCE = SV.REQ_HISTOGRAM
    LAYOUT = (F("ticker_id", INT),)

    ticker_id: int = 0


@register
@dataclass(slots=True)
class HistogramData(ServerMessage):
    ID = In.HISTOGRAM_DATA
    LAYOUT = (
        F("req_id", INT),
        F("items", ListOf(Group(HistogramEntry, (F("price", FLOAT), F("size", SIZE))))),
    )

    req_id: int = 0
    items: list[HistogramEntry] = field(default_factory=list)


@dataclass(slots=True)
class HistoricalTick:
    """A MIDPOINT tick (``size`` is 0)."""

    time: int = 0
    price: float = 0.0
    size: float | None = 0.0


@dataclass(slots=True)
class HistoricalTickBidAsk:
    """A BID_ASK tick. ``mask`` bit 0 askPastHigh, bit 1 bidPastLow (the reverse of
    TICK_BY_TICK's bid/ask mask, tws-protocol.md 10)."""

    time: int = 0
    mask: int = 0
    price_bid: float = 0.0
    price_ask: float = 0.0
    size_bid: float | None = 0.0
    size_ask: float | None = 0.0

    @property
    def ask_past_high(self) -> bool:
        return bool(self.mask & 1)

    @property
    def bid_past_low(self) -> bool:
        return bool(self.mask & 2)


@dataclass(slots=True)
class HistoricalTickLast:
    """A TRADES tick. ``mask`` bit 0 pastLimit, bit 1 unreported."""

    time: int = 0
    mask: int = 0
    price: float = 0.0
    size: float | None = 0.0
    exchange: str = ""
    special_conditions: str = ""

    @property
    def past_limit(self) -> bool:
        return bool(self.mask & 1)

    @property
    def unreported(self) -> bool:
        return bool(self.mask & 2)


@register
@dataclass(slots=True)
class ReqHistoricalTicks(ClientMessage):
    """REQ_HISTORICAL_TICKS (96): give one of start/end date-time; at most 1000 ticks."""

    ID = Out.REQ_HISTORICAL_TICKS
    SINCE = SV.HISTORICAL_TICKS
    LAYOUT = (
        F("req_id", INT),
        F("contract", CONTRACT_REQ_EXPIRED),
        F("start_date_time", STR),
        F("end_date_time", STR),
        F("number_of_ticks", INT),
        F("what_to_show", STR),
        F("use_rth", INT),
        F("ignore_size", BOOL),
        F("misc_options", TAG_VALUE_TEXT),
    )

    req_id: int = 0
    contract: Contract = field(default_factory=Contract)
    start_date_time: str = ""
    end_date_time: str = ""
    number_of_ticks: int = 0
    what_to_show: str = ""
    use_rth: int = 0
    ignore_size: bool = False
    misc_options: list[TagValue] = field(default_factory=list)


_TICK = Group(
    HistoricalTick,
    # the second field is unused; TWS writes 0 and the official decoder skips it
    (F("time", INT), F("_unused", Const("0")), F("price", FLOAT), F("size", SIZE)),
)
_TICK_BID_ASK = Group(
    HistoricalTickBidAsk,
    (
        F("time", INT),
        F("mask", INT),
        F("price_bid", FLOAT),
        F("price_ask", FLOAT),
        F("size_bid", SIZE),
        F("size_ask", SIZE),
    ),
)
_TICK_LAST = Group(
    HistoricalTickLast,
    (
        F("time", INT),
        F("mask", INT),
        F("price", FLOAT),
        F("size", SIZE),
        F("exchange", STR),
        F("special_conditions", STR),
    ),
)


@register
@dataclass(slots=True)
class HistoricalTicks(ServerMessage):
    """HISTORICAL_TICKS (96): MIDPOINT ticks; ``done`` is set on the last message."""

    ID = In.HISTORICAL_TICKS
    LAYOUT = (F("req_id", INT), F("ticks", ListOf(_TICK)), F("done", BOOL))

    req_id: int = 0
    ticks: list[HistoricalTick] = field(default_factory=list)
    done: bool = False


@register
@dataclass(slots=True)
class HistoricalTicksBidAsk(ServerMessage):
    ID = In.HISTORICAL_TICKS_BID_ASK
    LAYOUT = (F("req_id", INT), F("ticks", ListOf(_TICK_BID_ASK)), F("done", BOOL))

    req_id: int = 0
    ticks: list[HistoricalTickBidAsk] = field(default_factory=list)
    done: bool = False


@register
@dataclass(slots=True)
class HistoricalTicksLast(ServerMessage):
    ID = In.HISTORICAL_TICKS_LAST
    LAYOUT = (F("req_id", INT), F("ticks", ListOf(_TICK_LAST)), F("done", BOOL))

    req_id: int = 0
    ticks: list[HistoricalTickLast] = field(default_factory=list)
    done: bool = False


@dataclass(slots=True)
class HistoricalSession:
    start_date_time: str = ""
    end_date_time: str = ""
    ref_date: str = ""


@register
@dataclass(slots=True)
class HistoricalSchedule(ServerMessage):
    """HISTORICAL_SCHEDULE (106): the reply to REQ_HISTORICAL_DATA with whatToShow SCHEDULE
    (date-times like ``20230414-09:30:00``)."""

    ID = In.HISTORICAL_SCHEDULE
    SINCE = SV.HISTORICAL_SCHEDULE
    LAYOUT = (
        F("req_id", INT),
        F("start_date_time", STR),
        F("end_date_time", STR),
        F("time_zone", STR),
        F(
            "sessions",
            ListOf(Group(HistoricalSession, (F("start_date_time", STR), F("end_date_time", STR), F("ref_date", STR)))),
        ),
    )

    req_id: int = 0
    start_date_time: str = ""
    end_date_time: str = ""
    time_zone: str = ""
    sessions: list[HistoricalSession] = field(default_factory=list)
