"""Option reference data: option chains (REQ_SEC_DEF_OPT_PARAMS and its answers), model and
market option computations (TICK_OPTION_COMPUTATION) and EFP ticks (TICK_EFP).

Layouts follow the official client's ``client.py`` / ``decoder.py``; none changes between server
versions 176 and 200 (TICK_OPTION_COMPUTATION lost its version field at
SV.PRICE_BASED_VOLATILITY, 156).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ibkr.protocol.fields import FLOAT, FLOAT_E, INT, STR, F, Kind, ListOf, Reader, Version, format_float
from ibkr.protocol.ids import SV, In, Out
from ibkr.protocol.message import ClientMessage, ServerMessage, register

__all__ = [
    "TickOptionComputation",
    "TickEfp",
    "ReqSecDefOptParams",
    "SecurityDefinitionOptionParameter",
    "SecurityDefinitionOptionParameterEnd",
]


class _NotComputed(Kind):
    """An option-computation value with TWS's "not computed" marker (tws-protocol.md 5.3):
    ``None`` is written as the marker (``-1`` or ``-2``); the marker (any negative value for
    ``implied_vol``, as the official decoder does) and the unset forms read as ``None``."""

    __slots__ = ("marker", "negative")

    def __init__(self, marker: int, negative: bool = False) -> None:
        self.marker = marker
        self.negative = negative

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        out.append(str(self.marker) if value is None else format_float(float(value)))

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        value = FLOAT_E.decode(r, name, sv)
        if value is None or value == self.marker or (self.negative and value < 0):
            return None
        return value


# --- option computation and EFP ticks ---------------------------------------------------------


@register
@dataclass(slots=True)
class TickOptionComputation(ServerMessage):
    """TICK_OPTION_COMPUTATION (21): greeks for tick types 10-13, 53 and 80-83.

    No version field and a ``tick_attrib`` (0 return-based, 1 price-based) since
    SV.PRICE_BASED_VOLATILITY (156); below that the version decided whether the greeks were sent,
    so at 176..200 every field is always present. ``None`` means "not computed" (``-1`` / ``-2``
    on the wire).
    """

    ID = In.TICK_OPTION_COMPUTATION
    LAYOUT = (
        F("req_id", INT),
        F("tick_type", INT),
        F("tick_attrib", INT),
        F("implied_vol", _NotComputed(-1, negative=True)),
        F("delta", _NotComputed(-2)),
        F("opt_price", _NotComputed(-1)),
        F("pv_dividend", _NotComputed(-1)),
        F("gamma", _NotComputed(-2)),
        F("vega", _NotComputed(-2)),
        F("theta", _NotComputed(-2)),
        F("und_price", _NotComputed(-1)),
    )

    req_id: int = 0
    tick_type: int = 0
    tick_attrib: int = 0
    implied_vol: float | None = None
    delta: float | None = None
    opt_price: float | None = None
    pv_dividend: float | None = None
    gamma: float | None = None
    vega: float | None = None
    theta: float | None = None
    und_price: float | None = None


@register
@dataclass(slots=True)
class TickEfp(ServerMessage):
    """TICK_EFP (47): exchange-for-physical quote details (tick types 38-45)."""

    ID = In.TICK_EFP
    LAYOUT = (
        F("_v", Version(1)),
        F("req_id", INT),
        F("tick_type", INT),
        F("basis_points", FLOAT),
        F("formatted_basis_points", STR),
        F("total_dividends", FLOAT),
        F("hold_days", INT),
        F("future_last_trade_date", STR),
        F("dividend_impact", FLOAT),
        F("dividends_to_last_trade_date", FLOAT),
    )

    req_id: int = 0
    tick_type: int = 0
    basis_points: float = 0.0
    formatted_basis_points: str = ""
    total_dividends: float = 0.0
    hold_days: int = 0
    future_last_trade_date: str = ""
    dividend_impact: float = 0.0
    dividends_to_last_trade_date: float = 0.0


# --- option chains ---------------------------------------------------------------------------


@register
@dataclass(slots=True)
class ReqSecDefOptParams(ClientMessage):
    """REQ_SEC_DEF_OPT_PARAMS (78); ``fut_fop_exchange`` ``""`` asks for every exchange."""

    ID = Out.REQ_SEC_DEF_OPT_PARAMS
    SINCE = SV.SEC_DEF_OPT_PARAMS_REQ
    LAYOUT = (
        F("req_id", INT),
        F("underlying_symbol", STR),
        F("fut_fop_exchange", STR),
        F("underlying_sec_type", STR),
        F("underlying_con_id", INT),
    )

    req_id: int = 0
    underlying_symbol: str = ""
    fut_fop_exchange: str = ""
    underlying_sec_type: str = ""
    underlying_con_id: int = 0


@register
@dataclass(slots=True)
class SecurityDefinitionOptionParameter(ServerMessage):
    """SECURITY_DEFINITION_OPTION_PARAMETER (75): one per exchange and trading class. The official
    client hands the expirations and strikes over as sets; we keep TWS's order (TWS writes strikes
    as ``5.0``)."""

    ID = In.SECURITY_DEFINITION_OPTION_PARAMETER
    LAYOUT = (
        F("req_id", INT),
        F("exchange", STR),
        F("underlying_con_id", INT),
        F("trading_class", STR),
        F("multiplier", STR),
        F("expirations", ListOf(STR)),
        F("strikes", ListOf(FLOAT)),
    )

    req_id: int = 0
    exchange: str = ""
    underlying_con_id: int = 0
    trading_class: str = ""
    multiplier: str = ""
    expirations: list[str] = field(default_factory=list)
    strikes: list[float] = field(default_factory=list)


@register
@dataclass(slots=True)
class SecurityDefinitionOptionParameterEnd(ServerMessage):
    ID = In.SECURITY_DEFINITION_OPTION_PARAMETER_END
    LAYOUT = (F("req_id", INT),)

    req_id: int = 0
