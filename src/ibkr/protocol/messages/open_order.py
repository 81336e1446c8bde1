"""OPEN_ORDER (5) and COMPLETED_ORDER (101): an order, its contract and its state as TWS reports them.

Field order per the official client's ``decoder.py`` (``processOpenOrder``,
``processCompletedOrderMsg``) and ``orderdecoder.py``; tws-protocol.md 5.4. Neither message has a
version field in our range (OPEN_ORDER lost it at ORDER_CONTAINER = 145).

Both the client role (decoding real TWS frames) and the server role (the simulator writing them as
TWS does) use these layouts, so every field is kept, including the ones the official client reads
and throws away (sharesAllocation, eTradeOnly, firmQuoteOnly, nbboPriceCap, faProfile before 177,
and the first of the two trailStopPrice fields): a decoded TWS frame re-encodes to the same bytes.
Each kind writes "unset" the way TWS does in the captured frames (tws-protocol.md 10): ``""`` for
most optional numbers, ``2147483647`` for displaySize / scale sizes / manualOrderIndicator,
``1.7976931348623157E308`` for the adjusted-order prices and outside-RTH margins,
``-9223372036854775808`` for suggestedSize, ``0`` for cashQty and the contract strike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ibkr.protocol.fields import (
    BOOL,
    DEC,
    DEC_LONG_MIN,
    INT,
    INT_E,
    INT_R,
    NUM_E,
    NUM_SHOW,
    STR,
    F,
    Group,
    ListOf,
    Num,
    Reader,
)
from ibkr.protocol.ids import SV, In
from ibkr.protocol.message import ServerMessage, register
from ibkr.protocol.messages.order_wire import (
    OPT_BOOL,
    Ctx,
    Step,
    When,
    on,
)
from ibkr.protocol.messages.orders import COMBO_LEG, DELTA_NEUTRAL_CONTRACT, ORDER_COMBO_LEGS, RANDOMIZE_TO_CONDITIONS
from ibkr.protocol.messages.step_compiler import StepCodec
from ibkr.protocol.models import TAG_VALUE_LIST, Contract
from ibkr.protocol.order_models import (
    Order,
    OrderAllocation,
    OrderState,
    SoftDollarTier,
)

__all__ = ["OpenOrder", "CompletedOrder"]

Ord, Con, Msg, Sta = on("o"), on("c"), on("m"), on("s")

#: TWS writes an unset strike and an unset cashQty as ``0``
_ZERO_UNSET = Num("0")

_CONTRACT: tuple[Step, ...] = (
    Con("con_id", INT),
    Con("symbol", STR),
    Con("sec_type", STR),
    Con("last_trade_date_or_contract_month", STR),
    Con("strike", _ZERO_UNSET),
    Con("right", STR),
    Con("multiplier", STR),
    Con("exchange", STR),
    Con("currency", STR),
    Con("local_symbol", STR),
    Con("trading_class", STR),
)

_HEAD: tuple[Step, ...] = (
    Ord("action", STR),
    Ord("total_quantity", DEC),
    Ord("order_type", STR),
    Ord("lmt_price", NUM_E),
    Ord("aux_price", NUM_E),
    Ord("tif", STR),
    Ord("oca_group", STR),
    Ord("account", STR),
    Ord("open_close", STR),
    Ord("origin", INT),
    Ord("order_ref", STR),
)

_FLAGS: tuple[Step, ...] = (
    Ord("outside_rth", BOOL),
    Ord("hidden", BOOL),
    Ord("discretionary_amt", NUM_E),
    Ord("good_after_time", STR),
)

_FA_TO_EXEMPT: tuple[Step, ...] = (
    Ord("fa_group", STR),
    Ord("fa_method", STR),
    Ord("fa_percentage", STR),
    Msg("fa_profile", STR, until=SV.FA_PROFILE_DESUPPORT),
    Ord("model_code", STR),
    Ord("good_till_date", STR),
    Ord("rule80a", STR),
    Ord("percent_offset", NUM_E),
    Ord("settling_firm", STR),
    Ord("short_sale_slot", INT),
    Ord("designated_location", STR),
    Ord("exempt_code", INT),
)

_BOX_PEG_DISPLAY: tuple[Step, ...] = (
    Ord("starting_price", NUM_E),
    Ord("stock_ref_price", NUM_E),
    Ord("delta", NUM_E),
    Ord("stock_range_lower", NUM_E),
    Ord("stock_range_upper", NUM_E),
    Ord("display_size", INT_R),
)

_VOL_HEAD: tuple[Step, ...] = (
    Ord("volatility", NUM_E),
    Ord("volatility_type", INT_E),
    Ord("delta_neutral_order_type", STR),
    Ord("delta_neutral_aux_price", NUM_E),
)

_VOL_TAIL_AND_TRAIL: tuple[Step, ...] = (
    Ord("continuous_update", BOOL),
    Ord("reference_price_type", INT_E),
    Msg("first_trail_stop_price", NUM_E),
    Ord("trailing_percent", NUM_E),
)

_COMBO_LEGS: tuple[Step, ...] = (
    Con("combo_legs_descrip", STR),
    Con("combo_legs", ListOf(COMBO_LEG)),
    Ord("order_combo_legs", ORDER_COMBO_LEGS),
    Ord("smart_combo_routing_params", TAG_VALUE_LIST),
    Ord("scale_init_level_size", INT_R),
    Ord("scale_subs_level_size", INT_R),
    Ord("scale_price_increment", NUM_E),
    When(
        lambda x: x.o.scale_price_increment is not None and x.o.scale_price_increment > 0,
        (
            Ord("scale_price_adjust_value", NUM_E),
            Ord("scale_price_adjust_interval", INT_E),
            Ord("scale_profit_offset", NUM_E),
            Ord("scale_auto_reset", BOOL),
            Ord("scale_init_position", INT_E),
            Ord("scale_init_fill_qty", INT_E),
            Ord("scale_random_percent", BOOL),
        ),
    ),
    Ord("hedge_type", STR),
    When(lambda x: bool(x.o.hedge_type), (Ord("hedge_param", STR),)),
)

_CLEARING_TO_SOLICITED: tuple[Step, ...] = (
    Ord("clearing_account", STR),
    Ord("clearing_intent", STR),
    Ord("not_held", BOOL),
    Con("delta_neutral_contract", DELTA_NEUTRAL_CONTRACT),
    Ord("algo_strategy", STR),
    When(lambda x: bool(x.o.algo_strategy), (Ord("algo_params", TAG_VALUE_LIST),)),
    Ord("solicited", BOOL),
)


_PEG_BEST_MID: tuple[Step, ...] = (
    Ord("min_trade_qty", INT_E),
    Ord("min_compete_size", INT_E),
    Ord("compete_against_best_offset", NUM_E),
    Ord("mid_offset_at_whole", NUM_E),
    Ord("mid_offset_at_half", NUM_E),
)

_ALLOCATION = Group(
    OrderAllocation,
    (
        F("account", STR),
        F("position", DEC),
        F("position_desired", DEC),
        F("position_after", DEC),
        F("desired_alloc_qty", DEC),
        F("allowed_alloc_qty", DEC),
        F("is_monetary", BOOL),
    ),
)

_FULL_PREVIEW = SV.FULL_ORDER_PREVIEW_FIELDS

#: whatIf, status and the what-if preview (margins as text, commissions, and from 195 the
#: outside-RTH margins, suggested size, reject reason and per-account allocations)
_WHAT_IF: tuple[Step, ...] = (
    Ord("what_if", BOOL),
    Sta("status", STR),
    Sta("init_margin_before", STR),
    Sta("maint_margin_before", STR),
    Sta("equity_with_loan_before", STR),
    Sta("init_margin_change", STR),
    Sta("maint_margin_change", STR),
    Sta("equity_with_loan_change", STR),
    Sta("init_margin_after", STR),
    Sta("maint_margin_after", STR),
    Sta("equity_with_loan_after", STR),
    Sta("commission_and_fees", NUM_E),
    Sta("min_commission_and_fees", NUM_E),
    Sta("max_commission_and_fees", NUM_E),
    Sta("commission_and_fees_currency", STR),
    Sta("margin_currency", STR, since=_FULL_PREVIEW),
    Sta("init_margin_before_outside_rth", NUM_SHOW, since=_FULL_PREVIEW),
    Sta("maint_margin_before_outside_rth", NUM_SHOW, since=_FULL_PREVIEW),
    Sta("equity_with_loan_before_outside_rth", NUM_SHOW, since=_FULL_PREVIEW),
    Sta("init_margin_change_outside_rth", NUM_SHOW, since=_FULL_PREVIEW),
    Sta("maint_margin_change_outside_rth", NUM_SHOW, since=_FULL_PREVIEW),
    Sta("equity_with_loan_change_outside_rth", NUM_SHOW, since=_FULL_PREVIEW),
    Sta("init_margin_after_outside_rth", NUM_SHOW, since=_FULL_PREVIEW),
    Sta("maint_margin_after_outside_rth", NUM_SHOW, since=_FULL_PREVIEW),
    Sta("equity_with_loan_after_outside_rth", NUM_SHOW, since=_FULL_PREVIEW),
    Sta("suggested_size", DEC_LONG_MIN, since=_FULL_PREVIEW),
    Sta("reject_reason", STR, since=_FULL_PREVIEW),
    Sta("order_allocations", ListOf(_ALLOCATION), since=_FULL_PREVIEW),
    Sta("warning_text", STR),
)

_OPEN_ORDER: tuple[Step, ...] = (
    Ord("order_id", INT),
    *_CONTRACT,
    *_HEAD,
    Ord("client_id", INT),
    Ord("perm_id", INT),
    *_FLAGS,
    Msg("shares_allocation", STR),
    *_FA_TO_EXEMPT,
    Ord("auction_strategy", INT),
    *_BOX_PEG_DISPLAY,
    Ord("block_order", BOOL),
    Ord("sweep_to_fill", BOOL),
    Ord("all_or_none", BOOL),
    Ord("min_qty", INT_E),
    Ord("oca_type", INT),
    Msg("e_trade_only", BOOL),
    Msg("firm_quote_only", BOOL),
    Msg("nbbo_price_cap", NUM_E),
    Ord("parent_id", INT),
    Ord("trigger_method", INT),
    *_VOL_HEAD,
    When(
        lambda x: bool(x.o.delta_neutral_order_type),
        (
            Ord("delta_neutral_con_id", INT),
            Ord("delta_neutral_settling_firm", STR),
            Ord("delta_neutral_clearing_account", STR),
            Ord("delta_neutral_clearing_intent", STR),
            Ord("delta_neutral_open_close", STR),
            Ord("delta_neutral_short_sale", BOOL),
            Ord("delta_neutral_short_sale_slot", INT),
            Ord("delta_neutral_designated_location", STR),
        ),
    ),
    *_VOL_TAIL_AND_TRAIL,
    Ord("basis_points", NUM_E),
    Ord("basis_points_type", INT_E),
    *_COMBO_LEGS,
    Ord("opt_out_smart_routing", BOOL),
    *_CLEARING_TO_SOLICITED,
    *_WHAT_IF,
    *RANDOMIZE_TO_CONDITIONS,
    Ord("adjusted_order_type", STR),
    Ord("trigger_price", NUM_SHOW),
    Ord("trail_stop_price", NUM_SHOW),
    Ord("lmt_price_offset", NUM_SHOW),
    Ord("adjusted_stop_price", NUM_SHOW),
    Ord("adjusted_stop_limit_price", NUM_SHOW),
    Ord("adjusted_trailing_amount", NUM_SHOW),
    Ord("adjustable_trailing_unit", INT),
    Ord("soft_dollar_tier", Group(SoftDollarTier, (F("name", STR), F("value", STR), F("display_name", STR)))),
    Ord("cash_qty", _ZERO_UNSET),
    Ord("dont_use_auto_price_for_hedge", BOOL),
    Ord("is_oms_container", BOOL),
    Ord("discretionary_up_to_limit_price", BOOL),
    Ord("use_price_mgmt_algo", OPT_BOOL),
    Ord("duration", INT_E),
    Ord("post_to_ats", INT_E),
    Ord("auto_cancel_parent", BOOL),
    *_PEG_BEST_MID,
    Ord("customer_account", STR, since=SV.CUSTOMER_ACCOUNT),
    Ord("professional_customer", BOOL, since=SV.PROFESSIONAL_CUSTOMER),
    Ord("bond_accrued_interest", STR, since=SV.BOND_ACCRUED_INTEREST),
    Ord("include_overnight", BOOL, since=SV.INCLUDE_OVERNIGHT),
    # CME tagging reaches OPEN_ORDER one version after PLACE_ORDER (193 vs 192)
    Ord("ext_operator", STR, since=SV.CME_TAGGING_FIELDS_IN_OPEN_ORDER),
    Ord("manual_order_indicator", INT_R, since=SV.CME_TAGGING_FIELDS_IN_OPEN_ORDER),
    Ord("submitter", STR, since=SV.SUBMITTER),
    Ord("imbalance_only", BOOL, since=SV.IMBALANCE_ONLY),
)


@register
@dataclass(slots=True)
class OpenOrder(ServerMessage):
    """OPEN_ORDER (5): one open order (``order.order_id`` is the API order id).

    Besides the order, contract and state it carries the fields TWS still writes but the official
    client discards (see the module docstring); the defaults are what TWS writes for them.
    """

    ID = In.OPEN_ORDER
    CODEC = StepCodec("OpenOrder", _OPEN_ORDER)

    contract: Contract = field(default_factory=Contract)
    order: Order = field(default_factory=Order)
    order_state: OrderState = field(default_factory=OrderState)
    #: TWS's allocation echo, e.g. ``600745656.0/DU1234567/100``
    shares_allocation: str = ""
    #: deprecated; only sv < FA_PROFILE_DESUPPORT (177)
    fa_profile: str = ""
    e_trade_only: bool = False
    firm_quote_only: bool = False
    nbbo_price_cap: float | None = None
    #: the first of the two trailStopPrice fields (the official client keeps the second,
    #: ``order.trail_stop_price``); TWS leaves it empty
    first_trail_stop_price: float | None = None

    @property
    def order_id(self) -> int:
        return self.order.order_id

    def encode_fields(self, sv: int, out: list[str]) -> None:
        self.CODEC.encode(Ctx(m=self, o=self.order, c=self.contract, s=self.order_state), sv, out)

    @classmethod
    def decode_fields(cls, r: Reader, sv: int) -> OpenOrder:
        return cls.CODEC.decode(cls._new, r, sv)

    @classmethod
    def _new(cls) -> tuple[OpenOrder, Ctx]:
        msg = cls()
        return msg, Ctx(m=msg, o=msg.order, c=msg.contract, s=msg.order_state)


_COMPLETED_ORDER: tuple[Step, ...] = (
    *_CONTRACT,
    *_HEAD,
    Ord("perm_id", INT),
    *_FLAGS,
    *_FA_TO_EXEMPT,
    *_BOX_PEG_DISPLAY,
    Ord("sweep_to_fill", BOOL),
    Ord("all_or_none", BOOL),
    Ord("min_qty", INT_E),
    Ord("oca_type", INT),
    Ord("trigger_method", INT),
    *_VOL_HEAD,
    # the completed-order delta-neutral group lacks the clearing fields and openClose
    When(
        lambda x: bool(x.o.delta_neutral_order_type),
        (
            Ord("delta_neutral_con_id", INT),
            Ord("delta_neutral_short_sale", BOOL),
            Ord("delta_neutral_short_sale_slot", INT),
            Ord("delta_neutral_designated_location", STR),
        ),
    ),
    *_VOL_TAIL_AND_TRAIL,
    *_COMBO_LEGS,
    *_CLEARING_TO_SOLICITED,
    Sta("status", STR),
    *RANDOMIZE_TO_CONDITIONS,
    Ord("trail_stop_price", NUM_SHOW),
    Ord("lmt_price_offset", NUM_SHOW),
    Ord("cash_qty", _ZERO_UNSET),
    Ord("dont_use_auto_price_for_hedge", BOOL),
    Ord("is_oms_container", BOOL),
    Ord("auto_cancel_date", STR),
    Ord("filled_quantity", DEC),
    Ord("ref_futures_con_id", INT),
    Ord("auto_cancel_parent", BOOL),
    Ord("shareholder", STR),
    Ord("imbalance_only", BOOL),
    Ord("route_marketable_to_bbo", OPT_BOOL),
    Ord("parent_perm_id", INT),
    Sta("completed_time", STR),
    Sta("completed_status", STR),
    *_PEG_BEST_MID,
    Ord("customer_account", STR, since=SV.CUSTOMER_ACCOUNT),
    Ord("professional_customer", BOOL, since=SV.PROFESSIONAL_CUSTOMER),
    Ord("submitter", STR, since=SV.SUBMITTER),
)


@register
@dataclass(slots=True)
class CompletedOrder(ServerMessage):
    """COMPLETED_ORDER (101): a filled or cancelled order; no order id, no client id."""

    ID = In.COMPLETED_ORDER
    CODEC = StepCodec("CompletedOrder", _COMPLETED_ORDER)

    contract: Contract = field(default_factory=Contract)
    order: Order = field(default_factory=Order)
    order_state: OrderState = field(default_factory=OrderState)
    fa_profile: str = ""
    first_trail_stop_price: float | None = None

    def encode_fields(self, sv: int, out: list[str]) -> None:
        self.CODEC.encode(Ctx(m=self, o=self.order, c=self.contract, s=self.order_state), sv, out)

    @classmethod
    def decode_fields(cls, r: Reader, sv: int) -> CompletedOrder:
        return cls.CODEC.decode(cls._new, r, sv)

    @classmethod
    def _new(cls) -> tuple[CompletedOrder, Ctx]:
        msg = cls()
        return msg, Ctx(m=msg, o=msg.order, c=msg.contract, s=msg.order_state)
