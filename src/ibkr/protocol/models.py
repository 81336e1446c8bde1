"""Wire-level value objects shared by many messages: contracts, combo legs, tag/value pairs.

These are the protocol's own data (what TWS calls Contract, ComboLeg, TagValue); the client layer
re-exports them. Unset numbers are ``None``. Field names are the official client's names in
snake_case (``conId`` -> ``con_id``).

The contract travels in several shapes (tws-protocol.md 4.2, 5.x); ``CONTRACT_REQ`` is the 12-field
block of requests; server messages declare their own subsets next to their layouts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ibkr.protocol.fields import BOOL, FLOAT_E, INT, STR, F, Group, Kind, ListOf, Reader, decode_text

__all__ = [
    "Contract",
    "ComboLeg",
    "DeltaNeutralContract",
    "TagValue",
    "CONTRACT_REQ",
    "CONTRACT_REQ_LAYOUT",
    "CONTRACT_REQ_EXPIRED",
    "INCLUDE_EXPIRED",
    "TAG_VALUE",
    "TAG_VALUE_LIST",
    "TAG_VALUE_TEXT",
    "tag_value_text",
]


@dataclass(slots=True)
class TagValue:
    tag: str = ""
    value: str = ""


@dataclass(slots=True)
class ComboLeg:
    con_id: int = 0
    ratio: int = 0
    action: str = ""
    exchange: str = ""
    open_close: int = 0
    short_sale_slot: int = 0
    designated_location: str = ""
    exempt_code: int = -1


@dataclass(slots=True)
class DeltaNeutralContract:
    con_id: int = 0
    delta: float = 0.0
    price: float = 0.0


@dataclass(slots=True)
class Contract:
    con_id: int = 0
    symbol: str = ""
    sec_type: str = ""
    last_trade_date_or_contract_month: str = ""
    strike: float | None = None
    right: str = ""
    multiplier: str = ""
    exchange: str = ""
    primary_exchange: str = ""
    currency: str = ""
    local_symbol: str = ""
    trading_class: str = ""
    include_expired: bool = False
    sec_id_type: str = ""
    sec_id: str = ""
    description: str = ""
    issuer_id: str = ""
    combo_legs_descrip: str = ""
    combo_legs: list[ComboLeg] = field(default_factory=list)
    delta_neutral_contract: DeltaNeutralContract | None = None
    last_trade_date: str = ""


#: the 12-field contract block of requests (tws-protocol.md 4.2); strike is handle-empty as the
#: official client writes it, and "", "0.0" or the sentinel are all read back.
CONTRACT_REQ_LAYOUT = (
    F("con_id", INT),
    F("symbol", STR),
    F("sec_type", STR),
    F("last_trade_date_or_contract_month", STR),
    F("strike", FLOAT_E),
    F("right", STR),
    F("multiplier", STR),
    F("exchange", STR),
    F("primary_exchange", STR),
    F("currency", STR),
    F("local_symbol", STR),
    F("trading_class", STR),
)
CONTRACT_REQ = Group(Contract, CONTRACT_REQ_LAYOUT)

TAG_VALUE = Group(TagValue, (F("tag", STR), F("value", STR)))
#: a counted list of tag/value pairs (algoParams, smartComboRoutingParams, secIdList)
TAG_VALUE_LIST = ListOf(TAG_VALUE)

# Re-exported for layouts that gate include_expired next to the block.
INCLUDE_EXPIRED = F("include_expired", BOOL)
#: the 12-field request contract block followed by includeExpired (head timestamp, histogram,
#: historical ticks)
CONTRACT_REQ_EXPIRED = Group(Contract, (*CONTRACT_REQ_LAYOUT, INCLUDE_EXPIRED))


def tag_value_text(items: list[TagValue] | None) -> str:
    """The one-string form of option lists (mktDataOptions, chartOptions...): ``a=1;b=2;``."""
    return "".join(f"{tv.tag}={tv.value};" for tv in items or ())


class _TagValueText(Kind):
    """A tag/value list sent as one string field ``tag=value;tag=value;`` (tws-protocol.md 1.5):
    mktDataOptions, mktDepthOptions, chartOptions, realTimeBarsOptions, newsArticleOptions,
    historicalNewsOptions, miscOptions, orderMiscOptions, scanner options. A pair that this form
    cannot carry (``=`` or ``;`` in a tag, ``;`` in a value, NUL anywhere) is refused on writing;
    an item without ``=`` is refused on reading."""

    __slots__ = ()

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        for tv in value or ():
            if "=" in tv.tag or ";" in tv.tag or ";" in tv.value:
                raise ValueError(f"option {tv.tag!r}={tv.value!r} cannot be written as tag=value;")
        STR.encode(tag_value_text(value), sv, out)

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        raw = r.next(name)
        items = []
        for item in decode_text(raw).split(";"):
            if not item:
                continue
            tag, eq, value = item.partition("=")
            if not eq:
                raise r.error(f"field {name!r} has an item {item!r} that is not tag=value", name, raw)
            items.append(TagValue(tag, value))
        return items


#: a tag/value list as one ``tag=value;`` string field
TAG_VALUE_TEXT = _TagValueText()
