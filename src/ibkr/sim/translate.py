"""Engine objects and events -> protocol messages, shaped the way TWS writes them.

Pure functions: an ``Instrument`` becomes the ``Contract`` of each message family (requests are
matched with ``query_of``), an engine ``Order`` becomes OPEN_ORDER / ORDER_STATUS /
COMPLETED_ORDER, an engine ``Execution`` / ``Commission`` becomes EXECUTION_DATA /
COMMISSION_REPORT, and a ``PlaceOrder`` becomes the engine's ``OrderSpec``. The defaults of the
order fields TWS fills in itself (``volatilityType 0``, ``deltaNeutralOrderType None``,
``clearingIntent IB`` ...) are copied from captured OPEN_ORDER frames (tws-captures, sv 176).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from operator import attrgetter

from ibkr.protocol.messages.account import PortfolioValue, PositionData, PositionMulti
from ibkr.protocol.messages.contracts import ContractDescription, ContractDetails
from ibkr.protocol.messages.executions import CommissionReport, ExecutionData
from ibkr.protocol.messages.open_order import CompletedOrder, OpenOrder
from ibkr.protocol.messages.orders import OrderStatus, PlaceOrder
from ibkr.protocol.models import Contract, TagValue
from ibkr.protocol.order_models import Execution as WireExecution
from ibkr.protocol.order_models import Order as WireOrder
from ibkr.protocol.order_models import OrderState
from ibkr.sim.account import PortfolioRow
from ibkr.sim.events import Commission, Execution, PositionUpdate, WhatIf
from ibkr.sim.instruments import ContractQuery, Instrument, zone
from ibkr.sim.orders import Order, OrderSpec

__all__ = [
    "query_of",
    "contract_of",
    "details_of",
    "description_of",
    "spec_of",
    "open_order",
    "order_status",
    "completed_order",
    "what_if_order",
    "execution_data",
    "commission_report",
    "position_data",
    "position_multi",
    "portfolio_value",
    "UNSET_MARGIN",
]

#: what TWS writes in the margin fields of a normal (not what-if) order state
UNSET_MARGIN = "1.7976931348623157E308"

#: the derivative sec types SYMBOL_SAMPLES lists for a stock
_STK_DERIVATIVES = ["CFD", "OPT", "IOPT", "WAR", "BAG"]


def query_of(c: Contract) -> ContractQuery:
    """The engine lookup for a request's contract block."""
    return ContractQuery(
        con_id=c.con_id, symbol=c.symbol, sec_type=c.sec_type, exchange=c.exchange,
        primary_exchange=c.primary_exchange, currency=c.currency, local_symbol=c.local_symbol,
        last_trade_date_or_contract_month=c.last_trade_date_or_contract_month, trading_class=c.trading_class,
        multiplier=c.multiplier,
    )  # fmt: skip


def contract_of(inst: Instrument, exchange: str | None = None) -> Contract:
    """The contract TWS echoes in OPEN_ORDER, EXECUTION_DATA, POSITION_DATA ... (each message
    writes the subset its layout has)."""
    ex = exchange if exchange is not None else inst.exchange
    return Contract(
        con_id=inst.con_id, symbol=inst.symbol, sec_type=inst.sec_type,
        last_trade_date_or_contract_month=inst.last_trade_date_or_contract_month, multiplier=inst.multiplier,
        exchange=ex, primary_exchange=inst.primary_exchange,
        currency=inst.currency, local_symbol=inst.local_symbol, trading_class=inst.trading_class,
    )  # fmt: skip


def details_of(inst: Instrument, hours: tuple[str, str], exchange: str = "") -> ContractDetails:
    """CONTRACT_DATA for an instrument; ``exchange`` is the requested routing exchange (TWS echoes
    the one asked for when it is valid, else the instrument's default)."""
    ex = exchange.upper() if exchange and exchange.upper() in inst.valid_exchanges.split(",") else inst.exchange
    contract = contract_of(inst, ex)
    contract.strike = 0.0
    expiry = inst.last_trade_date_or_contract_month
    if expiry:
        contract.last_trade_date = expiry
    fut = inst.sec_type == "FUT"
    return ContractDetails(
        contract=contract, market_name=inst.trading_class, min_tick=inst.min_tick, order_types=inst.order_types,
        valid_exchanges=inst.valid_exchanges, price_magnifier=1, long_name=inst.long_name,
        contract_month=expiry[:6], industry=inst.industry, category=inst.category, subcategory=inst.subcategory,
        time_zone_id=inst.time_zone_id, trading_hours=hours[0], liquid_hours=hours[1],
        sec_id_list=[TagValue(inst.sec_id_type, inst.sec_id)] if inst.sec_id else [], agg_group=1,
        under_symbol=inst.symbol if fut else "", under_sec_type="IND" if fut else "",
        market_rule_ids=inst.market_rule_ids, real_expiration_date=expiry, stock_type=inst.stock_type,
        min_size=inst.min_size, size_increment=inst.size_increment,
        suggested_size_increment=inst.suggested_size_increment,
    )  # fmt: skip


def description_of(inst: Instrument) -> ContractDescription:
    """One SYMBOL_SAMPLES entry."""
    contract = Contract(
        con_id=inst.con_id, symbol=inst.symbol, sec_type=inst.sec_type, primary_exchange=inst.primary_exchange,
        currency=inst.currency, description=inst.long_name,
    )  # fmt: skip
    return ContractDescription(contract, list(_STK_DERIVATIVES) if inst.sec_type == "STK" else [])


def spec_of(msg: PlaceOrder) -> OrderSpec:
    """The engine's view of a PLACE_ORDER. Missing values stay missing (quantity 0, empty type)
    so that the engine rejects them with the error TWS gives."""
    o = msg.order
    return OrderSpec(
        action=o.action.upper(), total_quantity=o.total_quantity if o.total_quantity is not None else Decimal(0),
        order_type=o.order_type.upper(), lmt_price=o.lmt_price, aux_price=o.aux_price, tif=(o.tif or "DAY").upper(),
        account=o.account, oca_group=o.oca_group, oca_type=o.oca_type, parent_id=o.parent_id, transmit=o.transmit,
        outside_rth=o.outside_rth, order_ref=o.order_ref, what_if=o.what_if,
    )  # fmt: skip


def _wire_order(o: Order) -> WireOrder:
    return WireOrder(
        order_id=o.order_id, client_id=o.client_id, perm_id=o.perm_id, action=o.action,
        total_quantity=o.total_quantity, order_type=o.order_type,
        lmt_price=o.lmt_price if o.lmt_price is not None else 0.0,
        aux_price=o.aux_price if o.aux_price is not None else 0.0, tif=o.tif, oca_group=o.oca_group,
        oca_type=o.oca_type or 3, order_ref=o.order_ref, transmit=o.transmit, parent_id=o.parent_id,
        display_size=None, outside_rth=o.outside_rth, account=o.account, volatility_type=0,
        delta_neutral_order_type="None", delta_neutral_open_close="?", reference_price_type=0,
        clearing_intent="IB", adjusted_order_type="None", dont_use_auto_price_for_hedge=True,
        use_price_mgmt_algo=False, filled_quantity=o.filled,
    )  # fmt: skip


#: the engine fields ``_wire_order`` reads (everything but the status, which is the order state's)
_WIRE_FIELDS = attrgetter(
    "order_id", "client_id", "perm_id", "action", "total_quantity", "order_type", "lmt_price", "aux_price", "tif",
    "oca_group", "oca_type", "order_ref", "transmit", "parent_id", "outside_rth", "account", "filled",
)  # fmt: skip
_last_wire: tuple[tuple[object, ...], WireOrder] | None = None


def _state(status: str) -> OrderState:
    m = UNSET_MARGIN
    return OrderState(
        status=status, init_margin_before=m, maint_margin_before=m, equity_with_loan_before=m,
        init_margin_change=m, maint_margin_change=m, equity_with_loan_change=m, init_margin_after=m,
        maint_margin_after=m, equity_with_loan_after=m,
    )  # fmt: skip


def _order_contract(o: Order) -> Contract:
    c = contract_of(o.instrument)
    c.right = "?"
    c.primary_exchange = ""
    return c


#: OPEN_ORDER's contract per instrument and order state per status, built once: every order of an
#: instrument echoes the same contract and every unset margin block is the same (2 x 2 us per
#: order on the acknowledgement path). Shared: nothing may change them after they are built.
#: Keyed by con_id, holding the instrument it was built from (another universe may reuse a con_id).
_OPEN_CONTRACTS: dict[int, tuple[Instrument, Contract]] = {}
_OPEN_STATES: dict[str, OrderState] = {}


def open_order(o: Order) -> OpenOrder:
    inst = o.instrument
    hit = _OPEN_CONTRACTS.get(inst.con_id)
    if hit is not None and hit[0] is inst:
        contract = hit[1]
    else:
        contract = _order_contract(o)
        _OPEN_CONTRACTS[inst.con_id] = (inst, contract)
    state = _OPEN_STATES.get(o.status)
    if state is None:
        state = _OPEN_STATES[o.status] = _state(o.status)
    # An order's acknowledgement is two OPEN_ORDERs (PreSubmitted, then Submitted) with the same
    # order block: build it once (7 us) and share it while the fields it is made of are unchanged.
    global _last_wire
    key, last = _WIRE_FIELDS(o), _last_wire
    if last is not None and last[0] == key:
        wire = last[1]
    else:
        wire = _wire_order(o)
        _last_wire = (key, wire)
    shares = f"{o.perm_id}.0/{o.account}/{o.total_quantity}"
    return OpenOrder(contract=contract, order=wire, order_state=state, shares_allocation=shares)


def order_status(o: Order) -> OrderStatus:
    return OrderStatus(
        order_id=o.order_id, status=o.status, filled=o.filled, remaining=o.remaining,
        avg_fill_price=o.avg_fill_price, perm_id=o.perm_id, parent_id=o.parent_id,
        last_fill_price=o.last_fill_price, client_id=o.client_id, why_held=o.why_held, mkt_cap_price=0.0,
    )  # fmt: skip


def _stamp(epoch: float, time_zone: str) -> str:
    return dt.datetime.fromtimestamp(epoch, zone(time_zone)).strftime("%Y%m%d %H:%M:%S") + f" {time_zone}"


def completed_order(o: Order, time_zone: str = "US/Eastern") -> CompletedOrder:
    state = _state(o.status)
    state.completed_time = _stamp(o.completed_at or o.placed_at, time_zone)
    state.completed_status = o.status
    order = _wire_order(o)
    return CompletedOrder(contract=_order_contract(o), order=order, order_state=state)


def what_if_order(w: WhatIf) -> OpenOrder:
    """The preview OPEN_ORDER of a what-if order: the margins as text, commission set."""
    msg = open_order(w.order)
    msg.order.what_if = True
    s = msg.order_state
    s.status = "PreSubmitted"
    s.init_margin_before, s.maint_margin_before = f"{w.init_margin_before:.2f}", f"{w.maint_margin_before:.2f}"
    s.equity_with_loan_before = f"{w.equity_with_loan_before:.2f}"
    s.init_margin_change, s.maint_margin_change = f"{w.init_margin_change:.2f}", f"{w.maint_margin_change:.2f}"
    s.equity_with_loan_change = f"{w.equity_with_loan_change:.2f}"
    s.init_margin_after, s.maint_margin_after = f"{w.init_margin_after:.2f}", f"{w.maint_margin_after:.2f}"
    s.equity_with_loan_after = f"{w.equity_with_loan_after:.2f}"
    s.commission_and_fees, s.min_commission_and_fees = w.commission, w.min_commission
    s.max_commission_and_fees, s.commission_and_fees_currency = w.max_commission, w.commission_currency
    s.warning_text = w.warning_text
    return msg


def execution_data(e: Execution, req_id: int = -1) -> ExecutionData:
    """EXECUTION_DATA; ``req_id`` -1 for a pushed fill, the request's id for REQ_EXECUTIONS."""
    inst = e.instrument
    contract = contract_of(inst, e.exchange)
    contract.primary_exchange = ""
    execution = WireExecution(
        exec_id=e.exec_id, time=e.time_str, acct_number=e.account, exchange=e.exchange, side=e.side,
        shares=e.shares, price=e.price, perm_id=e.perm_id, client_id=e.client_id, order_id=e.order_id,
        cum_qty=e.cum_qty, avg_price=e.avg_price, order_ref=e.order_ref, last_liquidity=e.last_liquidity,
    )  # fmt: skip
    return ExecutionData(req_id=req_id, contract=contract, execution=execution)


def commission_report(c: Commission) -> CommissionReport:
    return CommissionReport(c.exec_id, c.commission, c.currency, c.realized_pnl, None, None)


def _position_contract(inst: Instrument) -> Contract:
    return contract_of(inst, inst.primary_exchange or inst.exchange)


def position_data(p: PositionUpdate) -> PositionData:
    return PositionData(p.account, _position_contract(p.instrument), p.position, p.avg_cost)


def position_multi(req_id: int, p: PositionUpdate) -> PositionMulti:
    return PositionMulti(req_id, p.account, _position_contract(p.instrument), p.position, p.avg_cost, "")


def portfolio_value(row: PortfolioRow) -> PortfolioValue:
    return PortfolioValue(
        contract=contract_of(row.instrument), position=row.position, market_price=row.market_price,
        market_value=row.market_value, average_cost=row.average_cost, unrealized_pnl=row.unrealized_pnl,
        realized_pnl=row.realized_pnl, account_name=row.account,
    )  # fmt: skip
