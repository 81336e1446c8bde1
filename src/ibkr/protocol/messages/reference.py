"""Reference-data messages: display groups, soft-dollar tiers, family codes, market rules, user
info, depth exchanges, SMART components and the CFD reroute notices.

Layouts follow the official client's ``client.py`` / ``decoder.py`` (tws-protocol.md 5.1 for the
ids). None of these layouts changes between server versions 176 and 200; every gate they ever had
(SERVICE_DATA_TYPE 120, PRICE_BASED_VOLATILITY 156, ...) lies below 176. Messages with id >= 75
carry no version field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ibkr.protocol.fields import (
    INT,
    NUM_TWS,
    STR,
    F,
    Group,
    ListOf,
    Version,
)
from ibkr.protocol.ids import SV, In, Out
from ibkr.protocol.message import ClientMessage, ServerMessage, register

__all__ = [
    "QueryDisplayGroups",
    "DisplayGroupList",
    "SubscribeToGroupEvents",
    "DisplayGroupUpdated",
    "UpdateDisplayGroup",
    "UnsubscribeFromGroupEvents",
    "SoftDollarTier",
    "ReqSoftDollarTiers",
    "SoftDollarTiers",
    "FamilyCode",
    "ReqFamilyCodes",
    "FamilyCodes",
    "PriceIncrement",
    "ReqMarketRule",
    "MarketRule",
    "ReqUserInfo",
    "UserInfo",
    "DepthMktDataDescription",
    "ReqMktDepthExchanges",
    "MktDepthExchanges",
    "SmartComponent",
    "ReqSmartComponents",
    "SmartComponents",
    "RerouteMktDataReq",
    "RerouteMktDepthReq",
]


# --- display groups (TWS colour-linked windows) ----------------------------------------------


@register
@dataclass(slots=True)
class QueryDisplayGroups(ClientMessage):
    ID = Out.QUERY_DISPLAY_GROUPS
    LAYOUT = (F("_v", Version(1)), F("req_id", INT))

    req_id: int = 0


@register
@dataclass(slots=True)
class DisplayGroupList(ServerMessage):
    """DISPLAY_GROUP_LIST (67): ``groups`` is a ``|``-separated list of group ids (``1|2|3``)."""

    ID = In.DISPLAY_GROUP_LIST
    LAYOUT = (F("_v", Version(1)), F("req_id", INT), F("groups", STR))

    req_id: int = 0
    groups: str = ""


@register
@dataclass(slots=True)
class SubscribeToGroupEvents(ClientMessage):
    ID = Out.SUBSCRIBE_TO_GROUP_EVENTS
    LAYOUT = (F("_v", Version(1)), F("req_id", INT), F("group_id", INT))

    req_id: int = 0
    group_id: int = 0


@register
@dataclass(slots=True)
class DisplayGroupUpdated(ServerMessage):
    """DISPLAY_GROUP_UPDATED (68): ``contract_info`` is ``none``, ``combo`` or ``conId@exchange``."""

    ID = In.DISPLAY_GROUP_UPDATED
    LAYOUT = (F("_v", Version(1)), F("req_id", INT), F("contract_info", STR))

    req_id: int = 0
    contract_info: str = ""


@register
@dataclass(slots=True)
class UpdateDisplayGroup(ClientMessage):
    ID = Out.UPDATE_DISPLAY_GROUP
    LAYOUT = (F("_v", Version(1)), F("req_id", INT), F("contract_info", STR))

    req_id: int = 0
    contract_info: str = ""


@register
@dataclass(slots=True)
class UnsubscribeFromGroupEvents(ClientMessage):
    ID = Out.UNSUBSCRIBE_FROM_GROUP_EVENTS
    LAYOUT = (F("_v", Version(1)), F("req_id", INT))

    req_id: int = 0


# --- soft-dollar tiers, family codes ----------------------------------------------------------


@dataclass(slots=True)
class SoftDollarTier:
    name: str = ""
    val: str = ""
    display_name: str = ""


@register
@dataclass(slots=True)
class ReqSoftDollarTiers(ClientMessage):
    ID = Out.REQ_SOFT_DOLLAR_TIERS
    SINCE = SV.SOFT_DOLLAR_TIER
    LAYOUT = (F("req_id", INT),)

    req_id: int = 0


@register
@dataclass(slots=True)
class SoftDollarTiers(ServerMessage):
    ID = In.SOFT_DOLLAR_TIERS
    LAYOUT = (
        F("req_id", INT),
        F("tiers", ListOf(Group(SoftDollarTier, (F("name", STR), F("val", STR), F("display_name", STR))))),
    )

    req_id: int = 0
    tiers: list[SoftDollarTier] = field(default_factory=list)


@dataclass(slots=True)
class FamilyCode:
    account_id: str = ""
    family_code_str: str = ""


@register
@dataclass(slots=True)
class ReqFamilyCodes(ClientMessage):
    """REQ_FAMILY_CODES (80): the id alone, no fields."""

    ID = Out.REQ_FAMILY_CODES
    SINCE = SV.REQ_FAMILY_CODES


@register
@dataclass(slots=True)
class FamilyCodes(ServerMessage):
    """FAMILY_CODES (78): TWS answers ``*`` with an empty code when the user has no family."""

    ID = In.FAMILY_CODES
    LAYOUT = (F("family_codes", ListOf(Group(FamilyCode, (F("account_id", STR), F("family_code_str", STR))))),)

    family_codes: list[FamilyCode] = field(default_factory=list)


# --- market rules, user info ------------------------------------------------------------------


@dataclass(slots=True)
class PriceIncrement:
    low_edge: float = 0.0
    increment: float = 0.0


@register
@dataclass(slots=True)
class ReqMarketRule(ClientMessage):
    ID = Out.REQ_MARKET_RULE
    SINCE = SV.MARKET_RULES
    LAYOUT = (F("market_rule_id", INT),)

    market_rule_id: int = 0


@register
@dataclass(slots=True)
class MarketRule(ServerMessage):
    """MARKET_RULE (93): price increments by price band. TWS writes whole numbers bare
    (``93␀26␀1␀0␀0.01␀``, captured at sv 200)."""

    ID = In.MARKET_RULE
    LAYOUT = (
        F("market_rule_id", INT),
        F("price_increments", ListOf(Group(PriceIncrement, (F("low_edge", NUM_TWS), F("increment", NUM_TWS))))),
    )

    market_rule_id: int = 0
    price_increments: list[PriceIncrement] = field(default_factory=list)


@register
@dataclass(slots=True)
class ReqUserInfo(ClientMessage):
    ID = Out.REQ_USER_INFO
    SINCE = SV.USER_INFO
    LAYOUT = (F("req_id", INT),)

    req_id: int = 0


@register
@dataclass(slots=True)
class UserInfo(ServerMessage):
    ID = In.USER_INFO
    SINCE = SV.USER_INFO
    LAYOUT = (F("req_id", INT), F("white_branding_id", STR))

    req_id: int = 0
    white_branding_id: str = ""


# --- depth exchanges, SMART components, reroutes ----------------------------------------------


@dataclass(slots=True)
class DepthMktDataDescription:
    exchange: str = ""
    sec_type: str = ""
    listing_exch: str = ""
    service_data_type: str = ""
    agg_group: int = 0


@register
@dataclass(slots=True)
class ReqMktDepthExchanges(ClientMessage):
    ID = Out.REQ_MKT_DEPTH_EXCHANGES
    SINCE = SV.REQ_MKT_DEPTH_EXCHANGES


@register
@dataclass(slots=True)
class MktDepthExchanges(ServerMessage):
    """MKT_DEPTH_EXCHANGES (80); listingExch, serviceDataType and aggGroup replace the old
    isL2 flag since SV.SERVICE_DATA_TYPE (120)."""

    ID = In.MKT_DEPTH_EXCHANGES
    LAYOUT = (
        F(
            "descriptions",
            ListOf(
                Group(
                    DepthMktDataDescription,
                    (
                        F("exchange", STR),
                        F("sec_type", STR),
                        F("listing_exch", STR),
                        F("service_data_type", STR),
                        F("agg_group", INT),
                    ),
                )
            ),
        ),
    )

    descriptions: list[DepthMktDataDescription] = field(default_factory=list)


@dataclass(slots=True)
class SmartComponent:
    bit_number: int = 0
    exchange: str = ""
    exchange_letter: str = ""


@register
@dataclass(slots=True)
class ReqSmartComponents(ClientMessage):
    ID = Out.REQ_SMART_COMPONENTS
    SINCE = SV.REQ_SMART_COMPONENTS
    LAYOUT = (F("req_id", INT), F("bbo_exchange", STR))

    req_id: int = 0
    bbo_exchange: str = ""


@register
@dataclass(slots=True)
class SmartComponents(ServerMessage):
    ID = In.SMART_COMPONENTS
    LAYOUT = (
        F("req_id", INT),
        F(
            "components",
            ListOf(Group(SmartComponent, (F("bit_number", INT), F("exchange", STR), F("exchange_letter", STR)))),
        ),
    )

    req_id: int = 0
    components: list[SmartComponent] = field(default_factory=list)


@register
@dataclass(slots=True)
class RerouteMktDataReq(ServerMessage):
    """REROUTE_MKT_DATA_REQ (91): TWS asks to re-request market data of a CFD on the underlying
    (``con_id`` at ``exchange``)."""

    ID = In.REROUTE_MKT_DATA_REQ
    LAYOUT = (F("req_id", INT), F("con_id", INT), F("exchange", STR))

    req_id: int = 0
    con_id: int = 0
    exchange: str = ""


@register
@dataclass(slots=True)
class RerouteMktDepthReq(ServerMessage):
    """REROUTE_MKT_DEPTH_REQ (92): as REROUTE_MKT_DATA_REQ, for market depth."""

    ID = In.REROUTE_MKT_DEPTH_REQ
    LAYOUT = (F("req_id", INT), F("con_id", INT), F("exchange", STR))

    req_id: int = 0
    con_id: int = 0
    exchange: str = ""
