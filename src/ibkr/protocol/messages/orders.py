"""Placing and cancelling orders, order status: PLACE_ORDER, CANCEL_ORDER, REQ_GLOBAL_CANCEL, the
open / completed order requests, ORDER_STATUS (with its fast decoder), ORDER_BOUND and the
OPEN_ORDER_END / COMPLETED_ORDERS_END markers.

Layouts per tws-protocol.md 4.3, 4.4, 4.5 and 5.3, checked against the official client's
``client.py`` (``placeOrder``, ``cancelOrder``...) and ``decoder.py``. OPEN_ORDER and
COMPLETED_ORDER are in ``open_order.py``; executions and commissions in ``executions.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ibkr.protocol.fields import (
    BOOL,
    DEC,
    FLOAT_E,
    INT,
    INT_E,
    INT_R,
    NUM,
    NUM_E,
    NUM_R,
    STR,
    Const,
    F,
    Group,
    ListOf,
    Num,
    Reader,
    Version,
)
from ibkr.protocol.ids import SV, In, Out
from ibkr.protocol.message import ClientMessage, Message, ServerMessage, fast_decoder, register
from ibkr.protocol.messages.fast import fast_qty
from ibkr.protocol.messages.order_wire import (
    CONDITIONS,
    OPT_BOOL,
    Ctx,
    Present,
    Step,
    When,
    on,
    placeholder,
)
from ibkr.protocol.messages.step_compiler import StepCodec
from ibkr.protocol.models import TAG_VALUE_LIST, TAG_VALUE_TEXT, ComboLeg, Contract, DeltaNeutralContract
from ibkr.protocol.order_models import (
    COMPETE_AGAINST_BEST_OFFSET_UP_TO_MID,
    Order,
    OrderComboLeg,
    SoftDollarTier,
    is_peg_bench,
    is_peg_best,
    is_peg_mid,
)

__all__ = [
    "PlaceOrder",
    "CancelOrder",
    "ReqGlobalCancel",
    "ReqOpenOrders",
    "ReqAllOpenOrders",
    "ReqAutoOpenOrders",
    "ReqCompletedOrders",
    "OrderStatus",
    "OrderBound",
    "OpenOrderEnd",
    "CompletedOrdersEnd",
    "COMBO_LEG",
    "ORDER_COMBO_LEGS",
    "DELTA_NEUTRAL_CONTRACT",
]

Ord, Con, Msg = on("o"), on("c"), on("m")

#: one leg of a BAG contract (PLACE_ORDER, OPEN_ORDER and COMPLETED_ORDER alike)
COMBO_LEG = Group(
    ComboLeg,
    (
        F("con_id", INT),
        F("ratio", INT),
        F("action", STR),
        F("exchange", STR),
        F("open_close", INT),
        F("short_sale_slot", INT),
        F("designated_location", STR),
        F("exempt_code", INT),
    ),
)
ORDER_COMBO_LEGS = ListOf(Group(OrderComboLeg, (F("price", NUM_E),)))
#: flag, then conId, delta, price (written with Python's float text, as the official client does)
DELTA_NEUTRAL_CONTRACT = Present(DeltaNeutralContract, (F("con_id", INT), F("delta", NUM), F("price", NUM)))


def _mid_offsets_follow(ctx: Ctx) -> bool:
    """PEG BEST sends the mid offsets only when competing "up to mid"; PEG MID always does."""
    if is_peg_best(ctx.o.order_type):
        return bool(ctx.o.compete_against_best_offset == COMPETE_AGAINST_BEST_OFFSET_UP_TO_MID)
    return is_peg_mid(ctx.o.order_type)


#: randomize flags, PEG BENCH group, conditions: the same stretch in PLACE_ORDER and OPEN_ORDER
RANDOMIZE_TO_CONDITIONS: tuple[Step, ...] = (
    Ord("randomize_size", BOOL),
    Ord("randomize_price", BOOL),
    When(
        lambda x: is_peg_bench(x.o.order_type),
        (
            Ord("reference_contract_id", INT),
            Ord("is_pegged_change_amount_decrease", BOOL),
            Ord("pegged_change_amount", NUM),
            Ord("reference_change_amount", NUM),
            Ord("reference_exchange_id", STR),
        ),
    ),
    Ord("conditions", CONDITIONS),
    When(
        lambda x: bool(x.o.conditions),
        (Ord("conditions_ignore_rth", BOOL), Ord("conditions_cancel_order", BOOL)),
    ),
)

_PLACE_ORDER: tuple[Step, ...] = (
    Msg("order_id", INT),
    Con("con_id", INT),
    Con("symbol", STR),
    Con("sec_type", STR),
    Con("last_trade_date_or_contract_month", STR),
    Con("strike", FLOAT_E),
    Con("right", STR),
    Con("multiplier", STR),
    Con("exchange", STR),
    Con("primary_exchange", STR),
    Con("currency", STR),
    Con("local_symbol", STR),
    Con("trading_class", STR),
    Con("sec_id_type", STR),
    Con("sec_id", STR),
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
    Ord("transmit", BOOL),
    Ord("parent_id", INT),
    Ord("block_order", BOOL),
    Ord("sweep_to_fill", BOOL),
    Ord("display_size", INT_R),
    Ord("trigger_method", INT),
    Ord("outside_rth", BOOL),
    Ord("hidden", BOOL),
    When(
        lambda x: x.c.sec_type == "BAG",
        (
            Con("combo_legs", ListOf(COMBO_LEG)),
            Ord("order_combo_legs", ORDER_COMBO_LEGS),
            Ord("smart_combo_routing_params", TAG_VALUE_LIST),
        ),
    ),
    placeholder(""),  # sharesAllocation (deprecated)
    Ord("discretionary_amt", NUM),
    Ord("good_after_time", STR),
    Ord("good_till_date", STR),
    Ord("fa_group", STR),
    Ord("fa_method", STR),
    Ord("fa_percentage", STR),
    placeholder("", until=SV.FA_PROFILE_DESUPPORT),  # faProfile (deprecated)
    Ord("model_code", STR),
    Ord("short_sale_slot", INT),
    Ord("designated_location", STR),
    Ord("exempt_code", INT),
    Ord("oca_type", INT),
    Ord("rule80a", STR),
    Ord("settling_firm", STR),
    Ord("all_or_none", BOOL),
    Ord("min_qty", INT_E),
    Ord("percent_offset", NUM_E),
    placeholder("0"),  # eTradeOnly (deprecated)
    placeholder("0"),  # firmQuoteOnly (deprecated)
    placeholder(""),  # nbboPriceCap (deprecated)
    Ord("auction_strategy", INT),
    Ord("starting_price", NUM_E),
    Ord("stock_ref_price", NUM_E),
    Ord("delta", NUM_E),
    Ord("stock_range_lower", NUM_E),
    Ord("stock_range_upper", NUM_E),
    Ord("override_percentage_constraints", BOOL),
    Ord("volatility", NUM_E),
    Ord("volatility_type", INT_E),
    Ord("delta_neutral_order_type", STR),
    Ord("delta_neutral_aux_price", NUM_E),
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
    Ord("continuous_update", BOOL),
    Ord("reference_price_type", INT_E),
    Ord("trail_stop_price", NUM_E),
    Ord("trailing_percent", NUM_E),
    Ord("scale_init_level_size", INT_E),
    Ord("scale_subs_level_size", INT_E),
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
    Ord("scale_table", STR),
    Ord("active_start_time", STR),
    Ord("active_stop_time", STR),
    Ord("hedge_type", STR),
    When(lambda x: bool(x.o.hedge_type), (Ord("hedge_param", STR),)),
    Ord("opt_out_smart_routing", BOOL),
    Ord("clearing_account", STR),
    Ord("clearing_intent", STR),
    Ord("not_held", BOOL),
    Con("delta_neutral_contract", DELTA_NEUTRAL_CONTRACT),
    Ord("algo_strategy", STR),
    When(lambda x: bool(x.o.algo_strategy), (Ord("algo_params", TAG_VALUE_LIST),)),
    Ord("algo_id", STR),
    Ord("what_if", BOOL),
    Ord("order_misc_options", TAG_VALUE_TEXT),
    Ord("solicited", BOOL),
    *RANDOMIZE_TO_CONDITIONS,
    Ord("adjusted_order_type", STR),
    Ord("trigger_price", NUM_R),
    Ord("lmt_price_offset", NUM_R),
    Ord("adjusted_stop_price", NUM_R),
    Ord("adjusted_stop_limit_price", NUM_R),
    Ord("adjusted_trailing_amount", NUM_R),
    Ord("adjustable_trailing_unit", INT),
    Ord("ext_operator", STR),
    Ord("soft_dollar_tier", Group(SoftDollarTier, (F("name", STR), F("value", STR)))),
    Ord("cash_qty", NUM_R),
    Ord("mifid2_decision_maker", STR),
    Ord("mifid2_decision_algo", STR),
    Ord("mifid2_execution_trader", STR),
    Ord("mifid2_execution_algo", STR),
    Ord("dont_use_auto_price_for_hedge", BOOL),
    Ord("is_oms_container", BOOL),
    Ord("discretionary_up_to_limit_price", BOOL),
    Ord("use_price_mgmt_algo", OPT_BOOL),
    Ord("duration", INT_R),
    Ord("post_to_ats", INT_R),
    Ord("auto_cancel_parent", BOOL),
    Ord("advanced_error_override", STR),
    Ord("manual_order_time", STR),
    # PEG BEST / PEG MID / IBKRATS fields (SV.PEGBEST_PEGMID_OFFSETS = 170, below our range)
    When(lambda x: x.c.exchange == "IBKRATS", (Ord("min_trade_qty", INT_E),)),
    When(
        lambda x: is_peg_best(x.o.order_type),
        (Ord("min_compete_size", INT_E), Ord("compete_against_best_offset", NUM_E)),
    ),
    When(_mid_offsets_follow, (Ord("mid_offset_at_whole", NUM_E), Ord("mid_offset_at_half", NUM_E))),
    Ord("customer_account", STR, since=SV.CUSTOMER_ACCOUNT),
    Ord("professional_customer", BOOL, since=SV.PROFESSIONAL_CUSTOMER),
    # two RFQ placeholders that exist only from RFQ_FIELDS (187) until UNDO_RFQ_FIELDS (190)
    placeholder("", since=SV.RFQ_FIELDS, until=SV.UNDO_RFQ_FIELDS),
    placeholder("2147483647", since=SV.RFQ_FIELDS, until=SV.UNDO_RFQ_FIELDS),
    Ord("include_overnight", BOOL, since=SV.INCLUDE_OVERNIGHT),
    Ord("manual_order_indicator", INT_R, since=SV.CME_TAGGING_FIELDS),
    Ord("imbalance_only", BOOL, since=SV.IMBALANCE_ONLY),
)


@register
@dataclass(slots=True)
class PlaceOrder(ClientMessage):
    """PLACE_ORDER (3): place or modify (same order id again) an order. No version field (sv >= 145).

    Full field order in tws-protocol.md 4.4; conditional groups: BAG legs, delta-neutral order,
    scale, hedge, algo params, PEG BENCH, conditions, PEG BEST / PEG MID / IBKRATS.
    """

    ID = Out.PLACE_ORDER
    CODEC = StepCodec("PlaceOrder", _PLACE_ORDER)
    # what the official client refuses below these versions (client.placeOrder)
    REFUSED_BELOW = (
        ("order.customer_account", SV.CUSTOMER_ACCOUNT),
        ("order.professional_customer", SV.PROFESSIONAL_CUSTOMER),
        ("order.include_overnight", SV.INCLUDE_OVERNIGHT),
        ("order.manual_order_indicator", SV.CME_TAGGING_FIELDS),
        ("order.imbalance_only", SV.IMBALANCE_ONLY),
    )

    order_id: int = 0
    contract: Contract = field(default_factory=Contract)
    order: Order = field(default_factory=Order)

    def encode_fields(self, sv: int, out: list[str]) -> None:
        self.CODEC.encode(Ctx(m=self, o=self.order, c=self.contract), sv, out)

    @classmethod
    def decode_fields(cls, r: Reader, sv: int) -> PlaceOrder:
        return cls.CODEC.decode(cls._new, r, sv)

    @classmethod
    def _new(cls) -> tuple[PlaceOrder, Ctx]:
        msg = cls()
        return msg, Ctx(m=msg, o=msg.order, c=msg.contract)


@register
@dataclass(slots=True)
class CancelOrder(ClientMessage):
    """CANCEL_ORDER (4), three layouts: a version field before CME_TAGGING_FIELDS (192), three RFQ
    placeholders only for 187 <= sv < 190, extOperator and manualOrderIndicator from 192."""

    ID = Out.CANCEL_ORDER
    # client.cancelOrder / reqGlobalCancel refuse these below CME_TAGGING_FIELDS
    REFUSED_BELOW = (("ext_operator", SV.CME_TAGGING_FIELDS), ("manual_order_indicator", SV.CME_TAGGING_FIELDS))
    LAYOUT = (
        F("_v", Version(1), until=SV.CME_TAGGING_FIELDS),
        F("order_id", INT),
        F("manual_order_cancel_time", STR),
        F("_rfq1", Const(""), since=SV.RFQ_FIELDS, until=SV.UNDO_RFQ_FIELDS),
        F("_rfq2", Const(""), since=SV.RFQ_FIELDS, until=SV.UNDO_RFQ_FIELDS),
        F("_rfq3", Const("2147483647"), since=SV.RFQ_FIELDS, until=SV.UNDO_RFQ_FIELDS),
        F("ext_operator", STR, since=SV.CME_TAGGING_FIELDS),
        F("manual_order_indicator", INT_R, since=SV.CME_TAGGING_FIELDS),
    )

    order_id: int = 0
    manual_order_cancel_time: str = ""
    ext_operator: str = ""
    manual_order_indicator: int | None = None


@register
@dataclass(slots=True)
class ReqGlobalCancel(ClientMessage):
    """REQ_GLOBAL_CANCEL (58): a version field before 192, extOperator + manualOrderIndicator after."""

    ID = Out.REQ_GLOBAL_CANCEL
    # client.cancelOrder / reqGlobalCancel refuse these below CME_TAGGING_FIELDS
    REFUSED_BELOW = (("ext_operator", SV.CME_TAGGING_FIELDS), ("manual_order_indicator", SV.CME_TAGGING_FIELDS))
    LAYOUT = (
        F("_v", Version(1), until=SV.CME_TAGGING_FIELDS),
        F("ext_operator", STR, since=SV.CME_TAGGING_FIELDS),
        F("manual_order_indicator", INT_R, since=SV.CME_TAGGING_FIELDS),
    )

    ext_operator: str = ""
    manual_order_indicator: int | None = None


@register
@dataclass(slots=True)
class ReqOpenOrders(ClientMessage):
    """REQ_OPEN_ORDERS (5): this client's open orders (client 0 also binds TWS orders)."""

    ID = Out.REQ_OPEN_ORDERS
    LAYOUT = (F("_v", Version(1)),)


@register
@dataclass(slots=True)
class ReqAllOpenOrders(ClientMessage):
    ID = Out.REQ_ALL_OPEN_ORDERS
    LAYOUT = (F("_v", Version(1)),)


@register
@dataclass(slots=True)
class ReqAutoOpenOrders(ClientMessage):
    """REQ_AUTO_OPEN_ORDERS (15): client 0 only; bind future TWS-entered orders."""

    ID = Out.REQ_AUTO_OPEN_ORDERS
    LAYOUT = (F("_v", Version(1)), F("auto_bind", BOOL))

    auto_bind: bool = False


@register
@dataclass(slots=True)
class ReqCompletedOrders(ClientMessage):
    """REQ_COMPLETED_ORDERS (99): no version field."""

    ID = Out.REQ_COMPLETED_ORDERS
    LAYOUT = (F("api_only", BOOL),)

    api_only: bool = False


#: TWS writes a zero price in ORDER_STATUS as ``0`` (observed), other prices as Java doubles
_STATUS_PRICE = Num(None, zero_text="0")


@register
@dataclass(slots=True)
class OrderStatus(ServerMessage):
    """ORDER_STATUS (3): no version field (sv >= 131); filled / remaining are quantities."""

    ID = In.ORDER_STATUS
    LAYOUT = (
        F("order_id", INT),
        F("status", STR),
        F("filled", DEC),
        F("remaining", DEC),
        F("avg_fill_price", _STATUS_PRICE),
        F("perm_id", INT),
        F("parent_id", INT),
        F("last_fill_price", _STATUS_PRICE),
        F("client_id", INT),
        F("why_held", STR),
        F("mkt_cap_price", _STATUS_PRICE),
    )

    order_id: int = 0
    status: str = ""
    filled: Decimal | None = None
    remaining: Decimal | None = None
    avg_fill_price: float = 0.0
    perm_id: int = 0
    parent_id: int = 0
    last_fill_price: float = 0.0
    client_id: int = 0
    why_held: str = ""
    mkt_cap_price: float = 0.0


@fast_decoder(In.ORDER_STATUS)
def _order_status_fast(fields: list[bytes], sv: int) -> Message:
    """ORDER_STATUS without the layout machinery (5% of the decoding mix).

    Prices come back as plain floats: equal to what the generic decoder returns, which in addition
    keeps unusual texts (``2.50``, ``1.0E-4``) in a ``WireFloat`` for byte-exact re-encoding.
    """
    if len(fields) != 12:
        raise ValueError("field count")
    avg = float(fields[5])
    last = float(fields[8])
    cap = float(fields[11])
    if avg != avg or last != last or cap != cap:
        raise ValueError("NaN price")
    return OrderStatus(
        int(fields[1]),
        fields[2].decode(),
        fast_qty(fields[3]),
        fast_qty(fields[4]),
        avg,
        int(fields[6]),
        int(fields[7]),
        last,
        int(fields[9]),
        fields[10].decode(),
        cap,
    )


@register
@dataclass(slots=True)
class OrderBound(ServerMessage):
    """ORDER_BOUND (100): a TWS order bound to an API order id (permId is a long from 191)."""

    ID = In.ORDER_BOUND
    LAYOUT = (F("perm_id", INT), F("client_id", INT), F("order_id", INT))

    perm_id: int = 0
    client_id: int = 0
    order_id: int = 0


@register
@dataclass(slots=True)
class OpenOrderEnd(ServerMessage):
    ID = In.OPEN_ORDER_END
    LAYOUT = (F("_v", Version(1)),)


@register
@dataclass(slots=True)
class CompletedOrdersEnd(ServerMessage):
    """COMPLETED_ORDERS_END (102): no fields at all."""

    ID = In.COMPLETED_ORDERS_END
