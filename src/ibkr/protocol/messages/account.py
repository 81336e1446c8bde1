"""Account messages: positions, account values and summary, portfolio, PnL, and their *_MULTI
(per account / model) variants.

Layouts per tws-protocol.md 4.3 and 5.3, checked against the official client's ``client.py`` /
``decoder.py``. Positions are ``Decimal``. The strings of the messages the official client decodes
by signature (ACCT_VALUE, ACCT_UPDATE_TIME, ACCT_DOWNLOAD_END, ACCOUNT_SUMMARY,
ACCOUNT_UPDATE_MULTI) are ``STR_ESC``: it reads them with ``unicode-escape`` (sv >= 153).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ibkr.protocol.fields import BOOL, DEC, FLOAT, FLOAT_E, FLOAT_SHOW, INT, NUM_TWS_E, STR, STR_ESC, F, Group, Version
from ibkr.protocol.ids import In, Out
from ibkr.protocol.message import ClientMessage, ServerMessage, register
from ibkr.protocol.models import Contract

__all__ = [
    "ReqPositions",
    "CancelPositions",
    "PositionData",
    "PositionEnd",
    "ReqAccountSummary",
    "CancelAccountSummary",
    "AccountSummary",
    "AccountSummaryEnd",
    "ReqAcctData",
    "AcctValue",
    "PortfolioValue",
    "AcctUpdateTime",
    "AcctDownloadEnd",
    "ReqPnl",
    "CancelPnl",
    "Pnl",
    "ReqPnlSingle",
    "CancelPnlSingle",
    "PnlSingle",
    "ReqPositionsMulti",
    "CancelPositionsMulti",
    "PositionMulti",
    "PositionMultiEnd",
    "ReqAccountUpdatesMulti",
    "CancelAccountUpdatesMulti",
    "AccountUpdateMulti",
    "AccountUpdateMultiEnd",
]

_V1 = F("_v", Version(1))
_REQ_ID = F("req_id", INT)

#: the contract of POSITION_DATA (version 3) and POSITION_MULTI: exchange, no primaryExchange
_POSITION_CONTRACT = Group(
    Contract,
    (
        F("con_id", INT),
        F("symbol", STR),
        F("sec_type", STR),
        F("last_trade_date_or_contract_month", STR),
        F("strike", FLOAT_E),
        F("right", STR),
        F("multiplier", STR),
        F("exchange", STR),
        F("currency", STR),
        F("local_symbol", STR),
        F("trading_class", STR),
    ),
)

#: the contract of PORTFOLIO_VALUE (version 8): the exchange slot carries primaryExchange, and
#: TWS writes the strike as ``0`` (NUM_TWS_E), not ``0.0``
_PORTFOLIO_CONTRACT = Group(
    Contract,
    (
        F("con_id", INT),
        F("symbol", STR),
        F("sec_type", STR),
        F("last_trade_date_or_contract_month", STR),
        F("strike", NUM_TWS_E),
        F("right", STR),
        F("multiplier", STR),
        F("primary_exchange", STR),
        F("currency", STR),
        F("local_symbol", STR),
        F("trading_class", STR),
    ),
)


# --- positions ---------------------------------------------------------------------------------


@register
@dataclass(slots=True)
class ReqPositions(ClientMessage):
    """REQ_POSITIONS (61): POSITION_DATA per position of every account, POSITION_END, then
    updates until CANCEL_POSITIONS."""

    ID = Out.REQ_POSITIONS
    LAYOUT = (_V1,)


@register
@dataclass(slots=True)
class CancelPositions(ClientMessage):
    ID = Out.CANCEL_POSITIONS
    LAYOUT = (_V1,)


@register
@dataclass(slots=True)
class PositionData(ServerMessage):
    """POSITION_DATA (61). TWS sends version 3 (tradingClass >= 2, avgCost >= 3), which this
    layout requires; the official decoder gates on the version field."""

    ID = In.POSITION_DATA
    LAYOUT = (
        F("_v", Version(3)),
        F("account", STR),
        F("contract", _POSITION_CONTRACT),
        F("position", DEC),
        F("avg_cost", FLOAT),
    )

    account: str = ""
    contract: Contract = field(default_factory=Contract)
    position: Decimal | None = None
    avg_cost: float = 0.0


@register
@dataclass(slots=True)
class PositionEnd(ServerMessage):
    ID = In.POSITION_END
    LAYOUT = (_V1,)


# --- account summary ---------------------------------------------------------------------------


@register
@dataclass(slots=True)
class ReqAccountSummary(ClientMessage):
    """REQ_ACCOUNT_SUMMARY (62): ``group_name`` is ``All`` or an FA group, ``tags`` a comma list
    (``NetLiquidation,TotalCashValue``, ``$LEDGER``, ``$LEDGER:ALL``...)."""

    ID = Out.REQ_ACCOUNT_SUMMARY
    LAYOUT = (_V1, _REQ_ID, F("group_name", STR), F("tags", STR))

    req_id: int = 0
    group_name: str = "All"
    tags: str = ""


@register
@dataclass(slots=True)
class CancelAccountSummary(ClientMessage):
    ID = Out.CANCEL_ACCOUNT_SUMMARY
    LAYOUT = (_V1, _REQ_ID)

    req_id: int = 0


@register
@dataclass(slots=True)
class AccountSummary(ServerMessage):
    """ACCOUNT_SUMMARY (63): one (account, tag) value; ``value`` is text (``1057315.32``,
    ``JOINT``, ``-1``), ``currency`` may be empty."""

    ID = In.ACCOUNT_SUMMARY
    LAYOUT = (
        _V1,
        _REQ_ID,
        F("account", STR_ESC),
        F("tag", STR_ESC),
        F("value", STR_ESC),
        F("currency", STR_ESC),
    )

    req_id: int = 0
    account: str = ""
    tag: str = ""
    value: str = ""
    currency: str = ""


@register
@dataclass(slots=True)
class AccountSummaryEnd(ServerMessage):
    ID = In.ACCOUNT_SUMMARY_END
    LAYOUT = (_V1, _REQ_ID)

    req_id: int = 0


# --- account updates (reqAccountUpdates) --------------------------------------------------------


@register
@dataclass(slots=True)
class ReqAcctData(ClientMessage):
    """REQ_ACCT_DATA (6), ``reqAccountUpdates``: subscribe=True streams ACCT_VALUE,
    PORTFOLIO_VALUE, ACCT_UPDATE_TIME and ACCT_DOWNLOAD_END for ``acct_code``; False stops."""

    ID = Out.REQ_ACCT_DATA
    LAYOUT = (F("_v", Version(2)), F("subscribe", BOOL), F("acct_code", STR))

    subscribe: bool = True
    acct_code: str = ""


@register
@dataclass(slots=True)
class AcctValue(ServerMessage):
    """ACCT_VALUE (6): one account key (``NetLiquidation``, ``AccountCode``...) as text."""

    ID = In.ACCT_VALUE
    LAYOUT = (
        F("_v", Version(2)),
        F("key", STR_ESC),
        F("value", STR_ESC),
        F("currency", STR_ESC),
        F("account_name", STR_ESC),
    )

    key: str = ""
    value: str = ""
    currency: str = ""
    account_name: str = ""


@register
@dataclass(slots=True)
class PortfolioValue(ServerMessage):
    """PORTFOLIO_VALUE (7): one position of the subscribed account. TWS sends version 8, which
    this layout requires (multiplier/primaryExchange >= 7, tradingClass >= 8)."""

    ID = In.PORTFOLIO_VALUE
    LAYOUT = (
        F("_v", Version(8)),
        F("contract", _PORTFOLIO_CONTRACT),
        F("position", DEC),
        F("market_price", FLOAT),
        F("market_value", FLOAT),
        F("average_cost", FLOAT),
        F("unrealized_pnl", FLOAT),
        F("realized_pnl", FLOAT),
        F("account_name", STR),
    )

    contract: Contract = field(default_factory=Contract)
    position: Decimal | None = None
    market_price: float = 0.0
    market_value: float = 0.0
    average_cost: float = 0.0
    unrealized_pnl: float = 0.0
    realized_pnl: float = 0.0
    account_name: str = ""


@register
@dataclass(slots=True)
class AcctUpdateTime(ServerMessage):
    """ACCT_UPDATE_TIME (8): ``HH:MM`` of the last account update."""

    ID = In.ACCT_UPDATE_TIME
    LAYOUT = (_V1, F("time_stamp", STR_ESC))

    time_stamp: str = ""


@register
@dataclass(slots=True)
class AcctDownloadEnd(ServerMessage):
    ID = In.ACCT_DOWNLOAD_END
    LAYOUT = (_V1, F("account_name", STR_ESC))

    account_name: str = ""


# --- PnL ---------------------------------------------------------------------------------------


@register
@dataclass(slots=True)
class ReqPnl(ClientMessage):
    """REQ_PNL (92, no version field): PNL about once a second until CANCEL_PNL."""

    ID = Out.REQ_PNL
    LAYOUT = (_REQ_ID, F("account", STR), F("model_code", STR))

    req_id: int = 0
    account: str = ""
    model_code: str = ""


@register
@dataclass(slots=True)
class CancelPnl(ClientMessage):
    ID = Out.CANCEL_PNL
    LAYOUT = (_REQ_ID,)

    req_id: int = 0


#: PnL values: TWS writes an unavailable one as the Java-form sentinel, read and written as None
_PNL_VALUES = (
    F("daily_pnl", FLOAT_SHOW),
    # SV.UNREALIZED_PNL (129) and SV.REALIZED_PNL (135) are below 176: always present here
    F("unrealized_pnl", FLOAT_SHOW),
    F("realized_pnl", FLOAT_SHOW),
)


@register
@dataclass(slots=True)
class Pnl(ServerMessage):
    """PNL (94, no version field): daily, unrealized and realized PnL of an account/model."""

    ID = In.PNL
    LAYOUT = (_REQ_ID, *_PNL_VALUES)

    req_id: int = 0
    daily_pnl: float | None = None
    unrealized_pnl: float | None = None
    realized_pnl: float | None = None


@register
@dataclass(slots=True)
class ReqPnlSingle(ClientMessage):
    """REQ_PNL_SINGLE (94, no version field): PNL_SINGLE for one position until cancelled."""

    ID = Out.REQ_PNL_SINGLE
    LAYOUT = (_REQ_ID, F("account", STR), F("model_code", STR), F("con_id", INT))

    req_id: int = 0
    account: str = ""
    model_code: str = ""
    con_id: int = 0


@register
@dataclass(slots=True)
class CancelPnlSingle(ClientMessage):
    ID = Out.CANCEL_PNL_SINGLE
    LAYOUT = (_REQ_ID,)

    req_id: int = 0


@register
@dataclass(slots=True)
class PnlSingle(ServerMessage):
    """PNL_SINGLE (95, no version field): PnL and value of one position."""

    ID = In.PNL_SINGLE
    LAYOUT = (_REQ_ID, F("position", DEC), *_PNL_VALUES, F("value", FLOAT_SHOW))

    req_id: int = 0
    position: Decimal | None = None
    daily_pnl: float | None = None
    unrealized_pnl: float | None = None
    realized_pnl: float | None = None
    value: float | None = None


# --- per account / model (*_MULTI) --------------------------------------------------------------


@register
@dataclass(slots=True)
class ReqPositionsMulti(ClientMessage):
    """REQ_POSITIONS_MULTI (74): POSITION_MULTI rows, POSITION_MULTI_END, then updates."""

    ID = Out.REQ_POSITIONS_MULTI
    LAYOUT = (_V1, _REQ_ID, F("account", STR), F("model_code", STR))

    req_id: int = 0
    account: str = ""
    model_code: str = ""


@register
@dataclass(slots=True)
class CancelPositionsMulti(ClientMessage):
    ID = Out.CANCEL_POSITIONS_MULTI
    LAYOUT = (_V1, _REQ_ID)

    req_id: int = 0


@register
@dataclass(slots=True)
class PositionMulti(ServerMessage):
    ID = In.POSITION_MULTI
    LAYOUT = (
        _V1,
        _REQ_ID,
        F("account", STR),
        F("contract", _POSITION_CONTRACT),
        F("position", DEC),
        F("avg_cost", FLOAT),
        F("model_code", STR),
    )

    req_id: int = 0
    account: str = ""
    contract: Contract = field(default_factory=Contract)
    position: Decimal | None = None
    avg_cost: float = 0.0
    model_code: str = ""


@register
@dataclass(slots=True)
class PositionMultiEnd(ServerMessage):
    ID = In.POSITION_MULTI_END
    LAYOUT = (_V1, _REQ_ID)

    req_id: int = 0


@register
@dataclass(slots=True)
class ReqAccountUpdatesMulti(ClientMessage):
    """REQ_ACCOUNT_UPDATES_MULTI (76): ACCOUNT_UPDATE_MULTI rows, then ACCOUNT_UPDATE_MULTI_END.
    ``ledger_and_nlv`` limits the rows to the ledger and net liquidation values."""

    ID = Out.REQ_ACCOUNT_UPDATES_MULTI
    LAYOUT = (_V1, _REQ_ID, F("account", STR), F("model_code", STR), F("ledger_and_nlv", BOOL))

    req_id: int = 0
    account: str = ""
    model_code: str = ""
    ledger_and_nlv: bool = False


@register
@dataclass(slots=True)
class CancelAccountUpdatesMulti(ClientMessage):
    ID = Out.CANCEL_ACCOUNT_UPDATES_MULTI
    LAYOUT = (_V1, _REQ_ID)

    req_id: int = 0


@register
@dataclass(slots=True)
class AccountUpdateMulti(ServerMessage):
    ID = In.ACCOUNT_UPDATE_MULTI
    LAYOUT = (
        _V1,
        _REQ_ID,
        F("account", STR_ESC),
        F("model_code", STR_ESC),
        F("key", STR_ESC),
        F("value", STR_ESC),
        F("currency", STR_ESC),
    )

    req_id: int = 0
    account: str = ""
    model_code: str = ""
    key: str = ""
    value: str = ""
    currency: str = ""


@register
@dataclass(slots=True)
class AccountUpdateMultiEnd(ServerMessage):
    ID = In.ACCOUNT_UPDATE_MULTI_END
    LAYOUT = (_V1, _REQ_ID)

    req_id: int = 0
