"""Market scanner messages: the parameters XML, subscriptions and their results.

Layouts follow the official client's ``client.py`` / ``decoder.py``; none changes between server
versions 176 and 200 (REQ_SCANNER_SUBSCRIPTION lost its version field and gained the filter
options at SV.SCANNER_GENERIC_OPTS, 143).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ibkr.protocol.fields import (
    BOOL,
    FLOAT_E,
    INT,
    INT_E,
    NUM_TWS_E,
    STR,
    F,
    Group,
    Kind,
    ListOf,
    Reader,
    Version,
    decode_layout,
    encode_layout,
)
from ibkr.protocol.ids import In, Out
from ibkr.protocol.message import ClientMessage, ServerMessage, register
from ibkr.protocol.models import TAG_VALUE_TEXT, Contract, TagValue

__all__ = [
    "ReqScannerParameters",
    "ScannerParameters",
    "ScannerSubscription",
    "ReqScannerSubscription",
    "CancelScannerSubscription",
    "ScanData",
    "ScannerData",
]


@register
@dataclass(slots=True)
class ReqScannerParameters(ClientMessage):
    ID = Out.REQ_SCANNER_PARAMETERS
    LAYOUT = (F("_v", Version(1)),)


@register
@dataclass(slots=True)
class ScannerParameters(ServerMessage):
    """SCANNER_PARAMETERS (19): the scanner's XML description (large: ~2 MB)."""

    ID = In.SCANNER_PARAMETERS
    LAYOUT = (F("_v", Version(1)), F("xml", STR))

    xml: str = ""


@dataclass(slots=True)
class ScannerSubscription:
    """The scan of REQ_SCANNER_SUBSCRIPTION; unset filters are ``None`` (sent as ``""``).
    ``number_of_rows`` -1 is the official client's "not specified"."""

    number_of_rows: int | None = -1
    instrument: str = ""
    location_code: str = ""
    scan_code: str = ""
    above_price: float | None = None
    below_price: float | None = None
    above_volume: int | None = None
    market_cap_above: float | None = None
    market_cap_below: float | None = None
    moody_rating_above: str = ""
    moody_rating_below: str = ""
    sp_rating_above: str = ""
    sp_rating_below: str = ""
    maturity_date_above: str = ""
    maturity_date_below: str = ""
    coupon_rate_above: float | None = None
    coupon_rate_below: float | None = None
    exclude_convertible: bool = False
    average_option_volume_above: int | None = None
    scanner_setting_pairs: str = ""
    stock_type_filter: str = ""


_SUBSCRIPTION = Group(
    ScannerSubscription,
    (
        F("number_of_rows", INT_E),
        F("instrument", STR),
        F("location_code", STR),
        F("scan_code", STR),
        F("above_price", FLOAT_E),
        F("below_price", FLOAT_E),
        F("above_volume", INT_E),
        F("market_cap_above", FLOAT_E),
        F("market_cap_below", FLOAT_E),
        F("moody_rating_above", STR),
        F("moody_rating_below", STR),
        F("sp_rating_above", STR),
        F("sp_rating_below", STR),
        F("maturity_date_above", STR),
        F("maturity_date_below", STR),
        F("coupon_rate_above", FLOAT_E),
        F("coupon_rate_below", FLOAT_E),
        F("exclude_convertible", BOOL),
        F("average_option_volume_above", INT_E),
        F("scanner_setting_pairs", STR),
        F("stock_type_filter", STR),
    ),
)


@register
@dataclass(slots=True)
class ReqScannerSubscription(ClientMessage):
    """REQ_SCANNER_SUBSCRIPTION (22): no version field since SV.SCANNER_GENERIC_OPTS (143);
    both option lists travel as ``tag=value;`` strings."""

    ID = Out.REQ_SCANNER_SUBSCRIPTION
    LAYOUT = (
        F("req_id", INT),
        F("subscription", _SUBSCRIPTION),
        F("scanner_subscription_filter_options", TAG_VALUE_TEXT),
        F("scanner_subscription_options", TAG_VALUE_TEXT),
    )

    req_id: int = 0
    subscription: ScannerSubscription = field(default_factory=ScannerSubscription)
    scanner_subscription_filter_options: list[TagValue] = field(default_factory=list)
    scanner_subscription_options: list[TagValue] = field(default_factory=list)


@register
@dataclass(slots=True)
class CancelScannerSubscription(ClientMessage):
    ID = Out.CANCEL_SCANNER_SUBSCRIPTION
    LAYOUT = (F("_v", Version(1)), F("req_id", INT))

    req_id: int = 0


@dataclass(slots=True)
class ScanData:
    """One result row. ``contract`` holds the fields TWS sends (conId, symbol, secType,
    lastTradeDateOrContractMonth, strike, right, exchange, currency, localSymbol, tradingClass);
    ``legs_str`` describes combos (``conId|ratio,conId|ratio``)."""

    rank: int = 0
    contract: Contract = field(default_factory=Contract)
    market_name: str = ""
    distance: str = ""
    benchmark: str = ""
    projection: str = ""
    legs_str: str = ""


# On the wire marketName sits between the contract's localSymbol and tradingClass.
_ROW_HEAD = (F("rank", INT),)
_ROW_CONTRACT = (
    F("con_id", INT),
    F("symbol", STR),
    F("sec_type", STR),
    F("last_trade_date_or_contract_month", STR),
    F("strike", NUM_TWS_E),  # TWS writes "0" for stocks and combos
    F("right", STR),
    F("exchange", STR),
    F("currency", STR),
    F("local_symbol", STR),
)
_ROW_MARKET = (F("market_name", STR),)
_ROW_CLASS = (F("trading_class", STR),)
_ROW_TAIL = (F("distance", STR), F("benchmark", STR), F("projection", STR), F("legs_str", STR))


class _ScanRow(Kind):
    __slots__ = ()

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        encode_layout(value, _ROW_HEAD, sv, out)
        encode_layout(value.contract, _ROW_CONTRACT, sv, out)
        encode_layout(value, _ROW_MARKET, sv, out)
        encode_layout(value.contract, _ROW_CLASS, sv, out)
        encode_layout(value, _ROW_TAIL, sv, out)

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        row = decode_layout(r, _ROW_HEAD, sv)
        contract = decode_layout(r, _ROW_CONTRACT, sv)
        row.update(decode_layout(r, _ROW_MARKET, sv))
        contract.update(decode_layout(r, _ROW_CLASS, sv))
        row.update(decode_layout(r, _ROW_TAIL, sv))
        return ScanData(contract=Contract(**contract), **row)


@register
@dataclass(slots=True)
class ScannerData(ServerMessage):
    """SCANNER_DATA (20): one whole result set (the official client calls ``scannerData`` per
    row, then ``scannerDataEnd``). TWS sends version 3."""

    ID = In.SCANNER_DATA
    LAYOUT = (F("_v", Version(3)), F("req_id", INT), F("data", ListOf(_ScanRow())))

    req_id: int = 0
    data: list[ScanData] = field(default_factory=list)
