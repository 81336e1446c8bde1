"""Order-side value objects of the wire protocol: Order, OrderState, order conditions, executions.

They mirror the official client's ``ibapi.order.Order``, ``OrderState``, ``OrderCondition`` family,
``Execution`` and ``ExecutionFilter`` attribute for attribute, in snake_case. Unset numbers are
``None`` (the official client's UNSET_INTEGER / UNSET_DOUBLE / UNSET_DECIMAL); quantities are
``Decimal``; prices are ``float``.

Prices read from TWS may be ``fields.WireFloat`` (a float that keeps the text TWS wrote).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from ibkr.protocol.models import TagValue

__all__ = [
    "COMPETE_AGAINST_BEST_OFFSET_UP_TO_MID",
    "SoftDollarTier",
    "OrderComboLeg",
    "OrderCondition",
    "PriceCondition",
    "TimeCondition",
    "MarginCondition",
    "ExecutionCondition",
    "VolumeCondition",
    "PercentChangeCondition",
    "CONDITION_TYPES",
    "Order",
    "OrderAllocation",
    "OrderState",
    "Execution",
    "ExecutionFilter",
    "is_peg_bench",
    "is_peg_best",
    "is_peg_mid",
]

#: ``competeAgainstBestOffset`` value meaning "compete up to the mid" (written ``Infinity``)
COMPETE_AGAINST_BEST_OFFSET_UP_TO_MID = math.inf


def is_peg_bench(order_type: str) -> bool:
    return order_type in ("PEG BENCH", "PEGBENCH")


def is_peg_best(order_type: str) -> bool:
    return order_type in ("PEG BEST", "PEGBEST")


def is_peg_mid(order_type: str) -> bool:
    return order_type in ("PEG MID", "PEGMID")


@dataclass(slots=True)
class SoftDollarTier:
    name: str = ""
    value: str = ""
    display_name: str = ""


@dataclass(slots=True)
class OrderComboLeg:
    """Per-leg limit price of a BAG order (``Order.order_combo_legs``)."""

    price: float | None = None


# --- order conditions (tws-protocol.md 4.5) ------------------------------------------------------


@dataclass(slots=True)
class OrderCondition:
    """Base of the six condition types. On the wire: type, ``a``/``o`` conjunction, then fields."""

    TYPE: ClassVar[int] = 0
    #: True = AND with the next condition (``a``), False = OR (``o``)
    is_conjunction_connection: bool = True


@dataclass(slots=True)
class PriceCondition(OrderCondition):
    TYPE: ClassVar[int] = 1
    is_more: bool = False
    price: float = 0.0
    con_id: int = 0
    exchange: str = ""
    #: 0 default, 1 double bid/ask, 2 last, 3 double last, 4 bid/ask, 7 last or bid/ask, 8 mid-point
    trigger_method: int = 0


@dataclass(slots=True)
class TimeCondition(OrderCondition):
    TYPE: ClassVar[int] = 3
    is_more: bool = False
    time: str = ""


@dataclass(slots=True)
class MarginCondition(OrderCondition):
    TYPE: ClassVar[int] = 4
    is_more: bool = False
    percent: float = 0


@dataclass(slots=True)
class ExecutionCondition(OrderCondition):
    TYPE: ClassVar[int] = 5
    sec_type: str = ""
    exchange: str = ""
    symbol: str = ""


@dataclass(slots=True)
class VolumeCondition(OrderCondition):
    TYPE: ClassVar[int] = 6
    is_more: bool = False
    volume: int = 0
    con_id: int = 0
    exchange: str = ""


@dataclass(slots=True)
class PercentChangeCondition(OrderCondition):
    TYPE: ClassVar[int] = 7
    is_more: bool = False
    change_percent: float | None = None
    con_id: int = 0
    exchange: str = ""


#: wire type -> condition class
CONDITION_TYPES: dict[int, type[OrderCondition]] = {
    cls.TYPE: cls
    for cls in (
        PriceCondition,
        TimeCondition,
        MarginCondition,
        ExecutionCondition,
        VolumeCondition,
        PercentChangeCondition,
    )
}


# --- the order -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Order:
    """An order as ``ibapi.order.Order`` describes it (defaults are the official client's)."""

    # identifiers
    order_id: int = 0
    client_id: int = 0
    perm_id: int = 0
    # main fields
    action: str = ""
    total_quantity: Decimal | None = None
    order_type: str = ""
    lmt_price: float | None = None
    aux_price: float | None = None
    # extended fields
    tif: str = ""
    active_start_time: str = ""
    active_stop_time: str = ""
    oca_group: str = ""
    #: 1 cancel with block, 2 reduce with block, 3 reduce non-block
    oca_type: int = 0
    order_ref: str = ""
    transmit: bool = True
    parent_id: int = 0
    block_order: bool = False
    sweep_to_fill: bool = False
    display_size: int | None = 0
    trigger_method: int = 0
    outside_rth: bool = False
    hidden: bool = False
    good_after_time: str = ""
    good_till_date: str = ""
    rule80a: str = ""
    all_or_none: bool = False
    min_qty: int | None = None
    percent_offset: float | None = None
    override_percentage_constraints: bool = False
    trail_stop_price: float | None = None
    trailing_percent: float | None = None
    # financial advisors
    fa_group: str = ""
    fa_method: str = ""
    fa_percentage: str = ""
    # institutional
    designated_location: str = ""
    open_close: str = ""
    #: 0 customer, 1 firm
    origin: int = 0
    short_sale_slot: int = 0
    exempt_code: int = -1
    # SMART routing
    discretionary_amt: float = 0
    opt_out_smart_routing: bool = False
    # BOX exchange
    auction_strategy: int = 0
    starting_price: float | None = None
    stock_ref_price: float | None = None
    delta: float | None = None
    # pegged to stock and VOL orders
    stock_range_lower: float | None = None
    stock_range_upper: float | None = None
    randomize_price: bool = False
    randomize_size: bool = False
    # volatility orders
    volatility: float | None = None
    volatility_type: int | None = None
    delta_neutral_order_type: str = ""
    delta_neutral_aux_price: float | None = None
    delta_neutral_con_id: int = 0
    delta_neutral_settling_firm: str = ""
    delta_neutral_clearing_account: str = ""
    delta_neutral_clearing_intent: str = ""
    delta_neutral_open_close: str = ""
    delta_neutral_short_sale: bool = False
    delta_neutral_short_sale_slot: int = 0
    delta_neutral_designated_location: str = ""
    continuous_update: bool = False
    reference_price_type: int | None = None
    # combo orders
    basis_points: float | None = None
    basis_points_type: int | None = None
    # scale orders
    scale_init_level_size: int | None = None
    scale_subs_level_size: int | None = None
    scale_price_increment: float | None = None
    scale_price_adjust_value: float | None = None
    scale_price_adjust_interval: int | None = None
    scale_profit_offset: float | None = None
    scale_auto_reset: bool = False
    scale_init_position: int | None = None
    scale_init_fill_qty: int | None = None
    scale_random_percent: bool = False
    scale_table: str = ""
    # hedge orders
    hedge_type: str = ""
    hedge_param: str = ""
    hedge_max_size: int | None = None
    # clearing
    account: str = ""
    settling_firm: str = ""
    clearing_account: str = ""
    clearing_intent: str = ""
    # algo orders
    algo_strategy: str = ""
    algo_params: list[TagValue] = field(default_factory=list)
    smart_combo_routing_params: list[TagValue] = field(default_factory=list)
    algo_id: str = ""
    what_if: bool = False
    not_held: bool = False
    solicited: bool = False
    model_code: str = ""
    order_combo_legs: list[OrderComboLeg] = field(default_factory=list)
    order_misc_options: list[TagValue] = field(default_factory=list)
    # pegged to benchmark
    reference_contract_id: int = 0
    pegged_change_amount: float = 0.0
    is_pegged_change_amount_decrease: bool = False
    reference_change_amount: float = 0.0
    reference_exchange_id: str = ""
    adjusted_order_type: str = ""
    trigger_price: float | None = None
    adjusted_stop_price: float | None = None
    adjusted_stop_limit_price: float | None = None
    adjusted_trailing_amount: float | None = None
    adjustable_trailing_unit: int = 0
    lmt_price_offset: float | None = None
    conditions: list[OrderCondition] = field(default_factory=list)
    conditions_cancel_order: bool = False
    conditions_ignore_rth: bool = False
    conditions_include_overnight: bool = False
    ext_operator: str = ""
    soft_dollar_tier: SoftDollarTier = field(default_factory=SoftDollarTier)
    cash_qty: float | None = None
    mifid2_decision_maker: str = ""
    mifid2_decision_algo: str = ""
    mifid2_execution_trader: str = ""
    mifid2_execution_algo: str = ""
    dont_use_auto_price_for_hedge: bool = False
    is_oms_container: bool = False
    discretionary_up_to_limit_price: bool = False
    auto_cancel_date: str = ""
    filled_quantity: Decimal | None = None
    ref_futures_con_id: int = 0
    auto_cancel_parent: bool = False
    shareholder: str = ""
    imbalance_only: bool = False
    route_marketable_to_bbo: bool | None = None
    parent_perm_id: int = 0
    use_price_mgmt_algo: bool | None = None
    duration: int | None = None
    post_to_ats: int | None = None
    advanced_error_override: str = ""
    manual_order_time: str = ""
    min_trade_qty: int | None = None
    min_compete_size: int | None = None
    compete_against_best_offset: float | None = None
    mid_offset_at_whole: float | None = None
    mid_offset_at_half: float | None = None
    customer_account: str = ""
    professional_customer: bool = False
    bond_accrued_interest: str = ""
    include_overnight: bool = False
    manual_order_indicator: int | None = None
    submitter: str = ""
    # protobuf-era attributes (sv >= 201); never on the text wire
    post_only: bool = False
    allow_pre_open: bool = False
    ignore_open_auction: bool = False
    deactivate: bool = False
    seek_price_improvement: bool | None = None
    what_if_type: int | None = None
    sl_order_id: int | None = None
    sl_order_type: str = ""
    pt_order_id: int | None = None
    pt_order_type: str = ""


@dataclass(slots=True)
class OrderAllocation:
    """One account's share of a what-if preview (sv >= 195)."""

    account: str = ""
    position: Decimal | None = None
    position_desired: Decimal | None = None
    position_after: Decimal | None = None
    desired_alloc_qty: Decimal | None = None
    allowed_alloc_qty: Decimal | None = None
    is_monetary: bool = False


@dataclass(slots=True)
class OrderState:
    """Status and what-if preview TWS attaches to OPEN_ORDER / COMPLETED_ORDER.

    The nine margin values are text as TWS sends them (``1.7976931348623157E308`` when unset).
    """

    status: str = ""
    init_margin_before: str = ""
    maint_margin_before: str = ""
    equity_with_loan_before: str = ""
    init_margin_change: str = ""
    maint_margin_change: str = ""
    equity_with_loan_change: str = ""
    init_margin_after: str = ""
    maint_margin_after: str = ""
    equity_with_loan_after: str = ""
    commission_and_fees: float | None = None
    min_commission_and_fees: float | None = None
    max_commission_and_fees: float | None = None
    commission_and_fees_currency: str = ""
    margin_currency: str = ""
    init_margin_before_outside_rth: float | None = None
    maint_margin_before_outside_rth: float | None = None
    equity_with_loan_before_outside_rth: float | None = None
    init_margin_change_outside_rth: float | None = None
    maint_margin_change_outside_rth: float | None = None
    equity_with_loan_change_outside_rth: float | None = None
    init_margin_after_outside_rth: float | None = None
    maint_margin_after_outside_rth: float | None = None
    equity_with_loan_after_outside_rth: float | None = None
    suggested_size: Decimal | None = None
    reject_reason: str = ""
    order_allocations: list[OrderAllocation] = field(default_factory=list)
    warning_text: str = ""
    completed_time: str = ""
    completed_status: str = ""


# --- executions ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Execution:
    exec_id: str = ""
    time: str = ""
    acct_number: str = ""
    exchange: str = ""
    #: BOT or SLD
    side: str = ""
    shares: Decimal | None = None
    price: float = 0.0
    perm_id: int = 0
    client_id: int = 0
    order_id: int = 0
    liquidation: int = 0
    cum_qty: Decimal | None = None
    avg_price: float = 0.0
    order_ref: str = ""
    ev_rule: str = ""
    ev_multiplier: float | None = None
    model_code: str = ""
    #: 0 none, 1 added liquidity, 2 removed liquidity, 3 liquidity routed out
    last_liquidity: int = 0
    pending_price_revision: bool = False
    submitter: str = ""


@dataclass(slots=True)
class ExecutionFilter:
    """Filter of REQ_EXECUTIONS; ``last_n_days`` / ``specific_dates`` need sv >= 200."""

    client_id: int = 0
    acct_code: str = ""
    time: str = ""
    symbol: str = ""
    sec_type: str = ""
    exchange: str = ""
    side: str = ""
    last_n_days: int | None = None
    specific_dates: list[int] = field(default_factory=list)
