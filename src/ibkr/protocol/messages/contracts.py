"""Contract lookup messages: REQ_CONTRACT_DATA, CONTRACT_DATA, BOND_CONTRACT_DATA, CONTRACT_DATA_END,
REQ_MATCHING_SYMBOLS and SYMBOL_SAMPLES, with the ``ContractDetails`` model they carry.

Layouts per tws-protocol.md 4.3 and 5.5, checked against the official client's ``client.py`` /
``decoder.py`` (which win where they differ).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ibkr.protocol.fields import (
    BOOL,
    DEC,
    INT,
    INT_E,
    INT_R,
    NUM_TWS,
    NUM_TWS_E,
    STR,
    STR_ESC,
    F,
    Group,
    Kind,
    ListOf,
    Reader,
    Version,
    decode_layout,
    decode_text,
    encode_layout,
)
from ibkr.protocol.ids import SV, In, Out
from ibkr.protocol.message import ClientMessage, ServerMessage, register
from ibkr.protocol.models import CONTRACT_REQ_LAYOUT, TAG_VALUE_LIST, Contract, TagValue

__all__ = [
    "IneligibilityReason",
    "ContractDetails",
    "ContractDescription",
    "ReqContractData",
    "ContractData",
    "BondContractData",
    "ContractDataEnd",
    "ReqMatchingSymbols",
    "SymbolSamples",
]


# --- kinds -------------------------------------------------------------------------------------


class _LastTrade(Kind):
    """``lastTradeDateOrContractMonth`` of CONTRACT_DATA (bond: maturity), which may carry a time
    and a zone: ``20261218 08:30:00 US/Central``. Read as the official decoder splits it (on ``-``
    if present, else on whitespace) into a (date, time, zone) triple; written joined by spaces."""

    __slots__ = ()

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        parts = [STR.to_text(p) for p in value]
        while parts and not parts[-1]:
            parts.pop()
        out.append(" ".join(parts))

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        text = decode_text(r.next(name))
        sep = "-" if "-" in text else None
        split = text.split(sep)
        date = split[0] if split else ""
        time = split[1] if len(split) > 1 else ""
        zone = (sep or " ").join(split[2:])
        return (date, time, zone)


_LAST_TRADE = _LastTrade()


# --- models ------------------------------------------------------------------------------------


@dataclass(slots=True)
class IneligibilityReason:
    id: str = ""
    description: str = ""


@dataclass(slots=True)
class ContractDetails:
    """What CONTRACT_DATA / BOND_CONTRACT_DATA report (``ibapi.contract.ContractDetails``).

    ``last_trade_time_zone`` is ours: the zone TWS may append to the last trade date
    (``20261218 08:30:00 US/Central``); the official client drops it (non-bonds) or puts it in
    ``timeZoneId`` (bonds). Fund enums (distribution policy, asset type) keep their wire codes.
    """

    contract: Contract = field(default_factory=Contract)
    market_name: str = ""
    min_tick: float = 0.0
    order_types: str = ""
    valid_exchanges: str = ""
    price_magnifier: int = 0
    under_con_id: int = 0
    long_name: str = ""
    contract_month: str = ""
    industry: str = ""
    category: str = ""
    subcategory: str = ""
    time_zone_id: str = ""
    trading_hours: str = ""
    liquid_hours: str = ""
    ev_rule: str = ""
    ev_multiplier: int | None = None
    agg_group: int | None = None
    under_symbol: str = ""
    under_sec_type: str = ""
    market_rule_ids: str = ""
    sec_id_list: list[TagValue] = field(default_factory=list)
    real_expiration_date: str = ""
    last_trade_time: str = ""
    last_trade_time_zone: str = ""
    stock_type: str = ""
    min_size: Decimal | None = None
    size_increment: Decimal | None = None
    suggested_size_increment: Decimal | None = None
    # bonds
    cusip: str = ""
    ratings: str = ""
    desc_append: str = ""
    bond_type: str = ""
    coupon_type: str = ""
    callable: bool = False
    putable: bool = False
    coupon: float | None = None
    convertible: bool = False
    maturity: str = ""
    issue_date: str = ""
    next_option_date: str = ""
    next_option_type: str = ""
    next_option_partial: bool = False
    notes: str = ""
    # funds (sv >= 179, secType FUND)
    fund_name: str = ""
    fund_family: str = ""
    fund_type: str = ""
    fund_front_load: str = ""
    fund_back_load: str = ""
    fund_back_load_time_interval: str = ""
    fund_management_fee: str = ""
    fund_closed: bool = False
    fund_closed_for_new_investors: bool = False
    fund_closed_for_new_money: bool = False
    fund_notify_amount: str = ""
    fund_minimum_initial_purchase: str = ""
    fund_subsequent_minimum_purchase: str = ""
    fund_blue_sky_states: str = ""
    fund_blue_sky_territories: str = ""
    fund_distribution_policy_indicator: str = ""
    fund_asset_type: str = ""
    ineligibility_reason_list: list[IneligibilityReason] = field(default_factory=list)


@dataclass(slots=True)
class ContractDescription:
    """One SYMBOL_SAMPLES match (``ibapi.contract.ContractDescription``)."""

    contract: Contract = field(default_factory=Contract)
    derivative_sec_types: list[str] = field(default_factory=list)


# --- layouts that mix Contract and ContractDetails attributes ---------------------------------
# A name "contract.x" is attribute x of the inner Contract; "last_trade" is the (date, time,
# zone) triple of _LastTrade, whose date is the contract's lastTradeDateOrContractMonth, or the
# maturity for bonds.

_C = "contract."


class _View:
    """Attribute access for ``encode_layout`` over an object with an inner ``contract``."""

    __slots__ = ("bond", "obj")

    def __init__(self, obj: Any, bond: bool = False) -> None:
        self.obj = obj
        self.bond = bond

    def __getattr__(self, name: str) -> Any:
        obj = self.obj
        if name.startswith(_C):
            return getattr(obj.contract, name[len(_C) :])
        if name == "last_trade":
            date = obj.maturity if self.bond else obj.contract.last_trade_date_or_contract_month
            return (date, obj.last_trade_time, obj.last_trade_time_zone)
        return getattr(obj, name)


def _split(values: dict[str, Any], bond: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """Decoded values -> (Contract kwargs, outer kwargs)."""
    contract: dict[str, Any] = {}
    outer: dict[str, Any] = {}
    for name, value in values.items():
        if name.startswith(_C):
            contract[name[len(_C) :]] = value
        elif name == "last_trade":
            date, outer["last_trade_time"], outer["last_trade_time_zone"] = value
            if bond:
                outer["maturity"] = date
            else:
                contract["last_trade_date_or_contract_month"] = date
        else:
            outer[name] = value
    return contract, outer


_INELIGIBILITY_LIST = ListOf(Group(IneligibilityReason, (F("id", STR), F("description", STR))))

#: CONTRACT_DATA (10) after reqId, up to suggestedSizeIncrement (tws-protocol.md 5.5). No version
#: field since SV.SIZE_RULES; mdSizeMultiplier and sizeMinTick are gone at 164 too.
_DETAILS_LAYOUT = (
    F("contract.symbol", STR),
    F("contract.sec_type", STR),
    F("last_trade", _LAST_TRADE),
    F("contract.last_trade_date", STR, since=SV.LAST_TRADE_DATE),
    F("contract.strike", NUM_TWS_E),
    F("contract.right", STR),
    F("contract.exchange", STR),
    F("contract.currency", STR),
    F("contract.local_symbol", STR),
    F("market_name", STR),
    F("contract.trading_class", STR),
    F("contract.con_id", INT),
    F("min_tick", NUM_TWS),
    F("contract.multiplier", STR),
    F("order_types", STR),
    F("valid_exchanges", STR),
    F("price_magnifier", INT),
    F("under_con_id", INT),
    F("long_name", STR_ESC),
    F("contract.primary_exchange", STR),
    F("contract_month", STR),
    F("industry", STR),
    F("category", STR),
    F("subcategory", STR),
    F("time_zone_id", STR),
    F("trading_hours", STR),
    F("liquid_hours", STR),
    F("ev_rule", STR),
    F("ev_multiplier", INT_E),  # TWS sends "" when there is none
    F("sec_id_list", TAG_VALUE_LIST),
    F("agg_group", INT_R),  # TWS sends 2147483647 when there is none
    F("under_symbol", STR),
    F("under_sec_type", STR),
    F("market_rule_ids", STR),
    F("real_expiration_date", STR),
    F("stock_type", STR),
    F("min_size", DEC),
    F("size_increment", DEC),
    F("suggested_size_increment", DEC),
)

#: sent only for secType FUND, from SV.FUND_DATA_FIELDS
_FUND_LAYOUT = (
    F("fund_name", STR),
    F("fund_family", STR),
    F("fund_type", STR),
    F("fund_front_load", STR),
    F("fund_back_load", STR),
    F("fund_back_load_time_interval", STR),
    F("fund_management_fee", STR),
    F("fund_closed", BOOL),
    F("fund_closed_for_new_investors", BOOL),
    F("fund_closed_for_new_money", BOOL),
    F("fund_notify_amount", STR),
    F("fund_minimum_initial_purchase", STR),
    F("fund_subsequent_minimum_purchase", STR),
    F("fund_blue_sky_states", STR),
    F("fund_blue_sky_territories", STR),
    F("fund_distribution_policy_indicator", STR),
    F("fund_asset_type", STR),
)

#: BOND_CONTRACT_DATA (18) after reqId, from the official decoder (version 6 layout, no version
#: field since SV.SIZE_RULES). longName is read without unicode-escape here.
_BOND_LAYOUT = (
    F("contract.symbol", STR),
    F("contract.sec_type", STR),
    F("cusip", STR),
    F("coupon", NUM_TWS_E),
    F("last_trade", _LAST_TRADE),
    F("issue_date", STR),
    F("ratings", STR),
    F("bond_type", STR),
    F("coupon_type", STR),
    F("convertible", BOOL),
    F("callable", BOOL),
    F("putable", BOOL),
    F("desc_append", STR),
    F("contract.exchange", STR),
    F("contract.currency", STR),
    F("market_name", STR),
    F("contract.trading_class", STR),
    F("contract.con_id", INT),
    F("min_tick", NUM_TWS),
    F("order_types", STR),
    F("valid_exchanges", STR),
    F("next_option_date", STR),
    F("next_option_type", STR),
    F("next_option_partial", BOOL),
    F("notes", STR),
    F("long_name", STR),
    F("time_zone_id", STR, since=SV.BOND_TRADING_HOURS),
    F("trading_hours", STR, since=SV.BOND_TRADING_HOURS),
    F("liquid_hours", STR, since=SV.BOND_TRADING_HOURS),
    F("ev_rule", STR),
    F("ev_multiplier", INT_E),
    F("sec_id_list", TAG_VALUE_LIST),
    F("agg_group", INT_R),
    F("market_rule_ids", STR),
    F("min_size", DEC),
    F("size_increment", DEC),
    F("suggested_size_increment", DEC),
)


def _details_to_wire(details: ContractDetails, sv: int, out: list[str]) -> None:
    encode_layout(_View(details), _DETAILS_LAYOUT, sv, out)
    if sv >= SV.FUND_DATA_FIELDS and details.contract.sec_type == "FUND":
        encode_layout(details, _FUND_LAYOUT, sv, out)
    if sv >= SV.INELIGIBILITY_REASONS:
        _INELIGIBILITY_LIST.encode(details.ineligibility_reason_list, sv, out)


def _details_from_wire(r: Reader, sv: int) -> ContractDetails:
    contract, outer = _split(decode_layout(r, _DETAILS_LAYOUT, sv))
    if sv >= SV.FUND_DATA_FIELDS and contract["sec_type"] == "FUND":
        outer.update(decode_layout(r, _FUND_LAYOUT, sv))
    if sv >= SV.INELIGIBILITY_REASONS:
        outer["ineligibility_reason_list"] = _INELIGIBILITY_LIST.decode(r, "ineligibility_reason_list", sv)
    return ContractDetails(contract=Contract(**contract), **outer)


# --- messages ----------------------------------------------------------------------------------

#: the contract of REQ_CONTRACT_DATA: the 12-field block, includeExpired, secIdType, secId and
#: (from SV.BOND_ISSUERID, so always in 176..200) issuerId
_REQ_CONTRACT = Group(
    Contract,
    (
        *CONTRACT_REQ_LAYOUT,
        F("include_expired", BOOL),
        F("sec_id_type", STR),
        F("sec_id", STR),
        F("issuer_id", STR, since=SV.BOND_ISSUERID),
    ),
)


@register
@dataclass(slots=True)
class ReqContractData(ClientMessage):
    """REQ_CONTRACT_DATA (9), ``reqContractDetails``: answered by CONTRACT_DATA or
    BOND_CONTRACT_DATA per match, then CONTRACT_DATA_END (no match: ERR_MSG 200, no END)."""

    ID = Out.REQ_CONTRACT_DATA
    LAYOUT = (F("_v", Version(8)), F("req_id", INT), F("contract", _REQ_CONTRACT))

    req_id: int = 0
    contract: Contract = field(default_factory=Contract)


@register
@dataclass(slots=True)
class ContractData(ServerMessage):
    """CONTRACT_DATA (10): one match of a non-bond contract lookup (tws-protocol.md 5.5)."""

    ID = In.CONTRACT_DATA

    req_id: int = 0
    contract_details: ContractDetails = field(default_factory=ContractDetails)

    def encode_fields(self, sv: int, out: list[str]) -> None:
        INT.encode(self.req_id, sv, out)
        _details_to_wire(self.contract_details, sv, out)

    @classmethod
    def decode_fields(cls, r: Reader, sv: int) -> ContractData:
        req_id = INT.decode(r, "req_id", sv)
        return cls(req_id, _details_from_wire(r, sv))


@register
@dataclass(slots=True)
class BondContractData(ServerMessage):
    """BOND_CONTRACT_DATA (18): one match of a bond lookup; the date field is the maturity."""

    ID = In.BOND_CONTRACT_DATA

    req_id: int = 0
    contract_details: ContractDetails = field(default_factory=ContractDetails)

    def encode_fields(self, sv: int, out: list[str]) -> None:
        INT.encode(self.req_id, sv, out)
        encode_layout(_View(self.contract_details, bond=True), _BOND_LAYOUT, sv, out)

    @classmethod
    def decode_fields(cls, r: Reader, sv: int) -> BondContractData:
        req_id = INT.decode(r, "req_id", sv)
        contract, outer = _split(decode_layout(r, _BOND_LAYOUT, sv), bond=True)
        return cls(req_id, ContractDetails(contract=Contract(**contract), **outer))


@register
@dataclass(slots=True)
class ContractDataEnd(ServerMessage):
    ID = In.CONTRACT_DATA_END
    LAYOUT = (F("_v", Version(1)), F("req_id", INT))

    req_id: int = 0


@register
@dataclass(slots=True)
class ReqMatchingSymbols(ClientMessage):
    """REQ_MATCHING_SYMBOLS (81), ``reqMatchingSymbols``: answered by SYMBOL_SAMPLES."""

    ID = Out.REQ_MATCHING_SYMBOLS
    LAYOUT = (F("req_id", INT), F("pattern", STR))

    req_id: int = 0
    pattern: str = ""


class _Description(Kind):
    """One SYMBOL_SAMPLES item; description and issuerId exist from SV.BOND_ISSUERID."""

    __slots__ = ()

    LAYOUT = (
        F("contract.con_id", INT),
        F("contract.symbol", STR),
        F("contract.sec_type", STR),
        F("contract.primary_exchange", STR),
        F("contract.currency", STR),
        F("derivative_sec_types", ListOf(STR)),
        F("contract.description", STR, since=SV.BOND_ISSUERID),
        F("contract.issuer_id", STR, since=SV.BOND_ISSUERID),
    )

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        encode_layout(_View(value), self.LAYOUT, sv, out)

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        contract, outer = _split(decode_layout(r, self.LAYOUT, sv))
        return ContractDescription(Contract(**contract), **outer)


@register
@dataclass(slots=True)
class SymbolSamples(ServerMessage):
    ID = In.SYMBOL_SAMPLES
    LAYOUT = (F("req_id", INT), F("contract_descriptions", ListOf(_Description())))

    req_id: int = 0
    contract_descriptions: list[ContractDescription] = field(default_factory=list)
