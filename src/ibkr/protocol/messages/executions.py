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
    UNSET_NUMERIC,
    F,
    Group,
    ListOf,
    Num,
    Reader,
    Version,
)
from ibkr.protocol.ids import SV, In, Out
from ibkr.protocol.message import ClientMessage, Message, ServerMessage, fast_decoder, register
from ibkr.protocol.messages.fast import Slow, fast_qty
from ibkr.protocol.messages.order_wire import Ctx, Step, on
from ibkr.protocol.messages.step_compiler import StepCodec
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
    # client.reqExecutions refuses a filter by days below PARAMETRIZED_DAYS_OF_EXECUTIONS
    REFUSED_BELOW = (
        ("filter.last_n_days", SV.PARAMETRIZED_DAYS_OF_EXECUTIONS),
        ("filter.specific_dates", SV.PARAMETRIZED_DAYS_OF_EXECUTIONS),
    )

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
    CODEC = StepCodec("ExecutionData", _EXECUTION_DATA)

    req_id: int = -1
    contract: Contract = field(default_factory=Contract)
    execution: Execution = field(default_factory=Execution)

    def encode_fields(self, sv: int, out: list[str]) -> None:
        self.CODEC.encode(Ctx(m=self, c=self.contract, x=self.execution), sv, out)

    @classmethod
    def decode_fields(cls, r: Reader, sv: int) -> ExecutionData:
        return cls.CODEC.decode(cls._new, r, sv)

    @classmethod
    def _new(cls) -> tuple[ExecutionData, Ctx]:
        msg = cls()
        return msg, Ctx(m=msg, c=msg.contract, x=msg.execution)


#: EXECUTION_DATA's field count (id included) before SV.PENDING_PRICE_REVISION, which adds one
#: field, as does SV.SUBMITTER
_EXEC_FIELDS = 31
_UNSET_STRIKE = {*UNSET_NUMERIC, b"0.0"}


def _price(raw: bytes) -> float:
    value = float(raw)
    if value != value:
        raise ValueError("NaN")
    return value


@fast_decoder(In.EXECUTION_DATA)
def _execution_data_fast(f: list[bytes], sv: int) -> Message:
    """EXECUTION_DATA without the step machinery: the exact field count for ``sv``, positional
    construction. Prices come back as plain floats, equal to what the generic decoder returns (it
    keeps unusual texts such as ``100`` in a ``WireFloat``); anything odd (an empty int, bad UTF-8,
    a NaN) raises and the generic decoder names the field."""
    if len(f) != _EXEC_FIELDS + (sv >= SV.PENDING_PRICE_REVISION) + (sv >= SV.SUBMITTER):
        raise Slow
    pending = f[31] if sv >= SV.PENDING_PRICE_REVISION else b"0"
    if pending != b"0" and pending != b"1":
        raise Slow
    strike = f[7]
    ev_multiplier = f[28]
    contract = Contract(
        int(f[3]),
        f[4].decode(),
        f[5].decode(),
        f[6].decode(),
        None if strike in _UNSET_STRIKE else _price(strike),
        f[8].decode(),
        f[9].decode(),
        f[10].decode(),
        "",
        f[11].decode(),
        f[12].decode(),
        f[13].decode(),
    )
    execution = Execution(
        f[14].decode(),
        f[15].decode(),
        f[16].decode(),
        f[17].decode(),
        f[18].decode(),
        fast_qty(f[19]),
        _price(f[20]),
        int(f[21]),
        int(f[22]),
        int(f[2]),
        int(f[23]),
        fast_qty(f[24]),
        _price(f[25]),
        f[26].decode(),
        f[27].decode(),
        None if ev_multiplier in UNSET_NUMERIC else _price(ev_multiplier),
        f[29].decode(),
        int(f[30]),
        pending == b"1",
        f[32].decode() if sv >= SV.SUBMITTER else "",
    )
    return ExecutionData(int(f[1]), contract, execution)


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
