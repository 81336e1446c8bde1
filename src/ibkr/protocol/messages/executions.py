"""Executions and commissions: REQ_EXECUTIONS, EXECUTION_DATA, EXECUTION_DATA_END, COMMISSION_REPORT.

Layouts per tws-protocol.md 4.3, 5.3 and 5.6, checked against the official client's
``reqExecutions`` and ``processExecutionDataMsg`` / ``processCommissionAndFeesReportMsg``.
EXECUTION_DATA has no version field in our range (it lost it at LAST_LIQUIDITY = 136).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ibkr.protocol.fields import (
    BOOL,
    DEC,
    INT,
    INT_E,
    INT_R,
    NUM,
    NUM_E,
    NUM_SHOW,
    STR,
    F,
    Group,
    ListOf,
    Num,
    Reader,
    Version,
)
from ibkr.protocol.ids import SV, In, Out
from ibkr.protocol.message import ClientMessage, ServerMessage, register
from ibkr.protocol.messages.order_wire import Ctx, Step, decode_steps, encode_steps, on
from ibkr.protocol.models import Contract
from ibkr.protocol.order_models import Execution, ExecutionFilter

__all__ = ["ReqExecutions", "ExecutionData", "ExecutionDataEnd", "CommissionReport"]

EXECUTION_FILTER = Group(
    ExecutionFilter,
    (
        F("client_id", INT),
        F("acct_code", STR),
        F("time", STR),
        F("symbol", STR),
        F("sec_type", STR),
        F("exchange", STR),
        F("side", STR),
        # PARAMETRIZED_DAYS_OF_EXECUTIONS (200): last N days (unset written raw) and dates
        F("last_n_days", INT_R, since=SV.PARAMETRIZED_DAYS_OF_EXECUTIONS),
        F("specific_dates", ListOf(INT), since=SV.PARAMETRIZED_DAYS_OF_EXECUTIONS),
    ),
)


@register
@dataclass(slots=True)
class ReqExecutions(ClientMessage):
    """REQ_EXECUTIONS (7): answered by EXECUTION_DATA + COMMISSION_REPORT pairs, then the end."""

    ID = Out.REQ_EXECUTIONS
    LAYOUT = (F("_v", Version(3)), F("req_id", INT), F("filter", EXECUTION_FILTER))

    req_id: int = 0
    filter: ExecutionFilter = field(default_factory=ExecutionFilter)


Con, Exe = on("c"), on("x")

_EXECUTION_DATA: tuple[Step, ...] = (
    on("m")("req_id", INT),
    Exe("order_id", INT),
    Con("con_id", INT),
    Con("symbol", STR),
    Con("sec_type", STR),
    Con("last_trade_date_or_contract_month", STR),
    # TWS writes an unset strike here as 0.0 (observed), unlike OPEN_ORDER's 0
    Con("strike", Num("0.0")),
    Con("right", STR),
    Con("multiplier", STR),
    Con("exchange", STR),
    Con("currency", STR),
    Con("local_symbol", STR),
    Con("trading_class", STR),
    Exe("exec_id", STR),
    Exe("time", STR),
    Exe("acct_number", STR),
    Exe("exchange", STR),
    Exe("side", STR),
    Exe("shares", DEC),
    Exe("price", NUM),
    Exe("perm_id", INT),
    Exe("client_id", INT),
    Exe("liquidation", INT),
    Exe("cum_qty", DEC),
    Exe("avg_price", NUM),
    Exe("order_ref", STR),
    Exe("ev_rule", STR),
    Exe("ev_multiplier", NUM_E),
    Exe("model_code", STR),
    Exe("last_liquidity", INT),
    Exe("pending_price_revision", BOOL, since=SV.PENDING_PRICE_REVISION),
    Exe("submitter", STR, since=SV.SUBMITTER),
)


@register
@dataclass(slots=True)
class ExecutionData(ServerMessage):
    """EXECUTION_DATA (11): one fill; ``req_id`` is -1 for fills pushed without a request and
    ``execution.order_id`` is the API order id."""

    ID = In.EXECUTION_DATA

    req_id: int = -1
    contract: Contract = field(default_factory=Contract)
    execution: Execution = field(default_factory=Execution)

    def encode_fields(self, sv: int, out: list[str]) -> None:
        encode_steps(_EXECUTION_DATA, Ctx(m=self, c=self.contract, x=self.execution), sv, out)

    @classmethod
    def decode_fields(cls, r: Reader, sv: int) -> ExecutionData:
        msg = cls()
        decode_steps(_EXECUTION_DATA, Ctx(m=msg, c=msg.contract, x=msg.execution), r, sv)
        return msg


@register
@dataclass(slots=True)
class ExecutionDataEnd(ServerMessage):
    ID = In.EXECUTION_DATA_END
    LAYOUT = (F("_v", Version(1)), F("req_id", INT))

    req_id: int = 0


@register
@dataclass(slots=True)
class CommissionReport(ServerMessage):
    """COMMISSION_REPORT (59, COMMISSION_AND_FEES_REPORT in the official client): the message is the
    report. TWS writes unset realized PnL / yield as ``1.7976931348623157E308`` and an empty
    redemption date."""

    ID = In.COMMISSION_AND_FEES_REPORT
    LAYOUT = (
        F("_v", Version(1)),
        F("exec_id", STR),
        F("commission", NUM),
        F("currency", STR),
        F("realized_pnl", NUM_SHOW),
        F("yield_", NUM_SHOW),
        F("yield_redemption_date", INT_E),
    )

    exec_id: str = ""
    commission: float = 0.0
    currency: str = ""
    realized_pnl: float | None = None
    yield_: float | None = None
    #: YYYYMMDD as an int, None when TWS leaves it empty
    yield_redemption_date: int | None = None
