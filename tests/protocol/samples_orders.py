"""Sample instances of the order messages (used by the generic round-trip tests and test_orders)."""

from __future__ import annotations

import math
from decimal import Decimal

from ibkr.protocol.message import Message
from ibkr.protocol.messages.executions import CommissionReport, ExecutionData, ExecutionDataEnd, ReqExecutions
from ibkr.protocol.messages.open_order import CompletedOrder, OpenOrder
from ibkr.protocol.messages.orders import (
    CancelOrder,
    CompletedOrdersEnd,
    OpenOrderEnd,
    OrderBound,
    OrderStatus,
    PlaceOrder,
    ReqAllOpenOrders,
    ReqAutoOpenOrders,
    ReqCompletedOrders,
    ReqGlobalCancel,
    ReqOpenOrders,
)
from ibkr.protocol.models import ComboLeg, Contract, DeltaNeutralContract, TagValue
from ibkr.protocol.order_models import (
    Execution,
    ExecutionCondition,
    ExecutionFilter,
    MarginCondition,
    Order,
    OrderAllocation,
    OrderComboLeg,
    OrderState,
    PercentChangeCondition,
    PriceCondition,
    SoftDollarTier,
    TimeCondition,
    VolumeCondition,
)


def aapl() -> Contract:
    return Contract(symbol="AAPL", sec_type="STK", exchange="SMART", primary_exchange="NASDAQ", currency="USD")


def lmt() -> Order:
    return Order(action="BUY", total_quantity=Decimal("100"), order_type="LMT", lmt_price=150.25, tif="DAY")


def mkt() -> Order:
    return Order(action="SELL", total_quantity=Decimal("0.5"), order_type="MKT", tif="IOC", account="DU1234567")


def bracket_child() -> Order:
    return Order(
        action="SELL", total_quantity=Decimal("100"), order_type="STP", aux_price=140.0, parent_id=41, transmit=False
    )


def all_conditions() -> list[
    PriceCondition | TimeCondition | MarginCondition | ExecutionCondition | VolumeCondition | PercentChangeCondition
]:
    return [
        PriceCondition(is_more=True, price=2918.1, con_id=265598, exchange="SMART", trigger_method=4),
        TimeCondition(is_conjunction_connection=False, is_more=True, time="20250102 10:00:00 US/Eastern"),
        MarginCondition(is_more=False, percent=30),
        ExecutionCondition(sec_type="STK", exchange="ANY", symbol="AAPL"),
        VolumeCondition(is_more=True, volume=100000, con_id=265598, exchange="SMART"),
        PercentChangeCondition(is_more=False, change_percent=2.5, con_id=265598, exchange="SMART"),
    ]


def conditional() -> Order:
    o = lmt()
    o.conditions = list(all_conditions())
    o.conditions_ignore_rth = True
    o.conditions_cancel_order = True
    return o


def bag() -> Contract:
    return Contract(
        symbol="SPY",
        sec_type="BAG",
        exchange="SMART",
        currency="USD",
        combo_legs=[
            ComboLeg(con_id=756733, ratio=1, action="BUY", exchange="SMART"),
            ComboLeg(con_id=43645865, ratio=2, action="SELL", exchange="SMART", open_close=1, exempt_code=-1),
        ],
    )


def bag_order() -> Order:
    o = lmt()
    o.order_combo_legs = [OrderComboLeg(price=1.5), OrderComboLeg()]
    o.smart_combo_routing_params = [TagValue("NonGuaranteed", "1")]
    return o


def algo() -> Order:
    o = lmt()
    o.algo_strategy = "Adaptive"
    o.algo_params = [TagValue("adaptivePriority", "Normal")]
    o.algo_id = "a1"
    return o


def what_if() -> Order:
    o = lmt()
    o.what_if = True
    return o


def kitchen_sink() -> Order:
    """Every optional group of PLACE_ORDER at once (delta-neutral, scale, hedge, PEG BENCH...)."""
    return Order(
        action="BUY",
        total_quantity=Decimal("10"),
        order_type="PEG BENCH",
        lmt_price=1.0,
        aux_price=2.0,
        delta_neutral_order_type="LMT",
        delta_neutral_aux_price=0.5,
        delta_neutral_con_id=1,
        delta_neutral_settling_firm="F",
        delta_neutral_clearing_account="CA",
        delta_neutral_clearing_intent="IB",
        delta_neutral_open_close="O",
        delta_neutral_short_sale=True,
        delta_neutral_short_sale_slot=1,
        delta_neutral_designated_location="L",
        scale_init_level_size=100,
        scale_subs_level_size=50,
        scale_price_increment=0.05,
        scale_price_adjust_value=0.01,
        scale_price_adjust_interval=60,
        scale_profit_offset=0.1,
        scale_auto_reset=True,
        scale_init_position=10,
        scale_init_fill_qty=5,
        scale_random_percent=True,
        hedge_type="B",
        hedge_param="beta=1.2",
        order_misc_options=[TagValue("a", "1"), TagValue("b", "2")],
        reference_contract_id=265598,
        is_pegged_change_amount_decrease=True,
        pegged_change_amount=0.5,
        reference_change_amount=1.0,
        reference_exchange_id="NYSE",
        soft_dollar_tier=SoftDollarTier("tier", "1"),
        cash_qty=1000.0,
        use_price_mgmt_algo=True,
        duration=30,
        post_to_ats=1,
        manual_order_indicator=1,
        customer_account="C1",
        professional_customer=True,
        include_overnight=True,
        imbalance_only=True,
        trigger_price=1.5,
        discretionary_amt=0.25,
        min_qty=10,
        percent_offset=0.01,
        volatility=0.3,
        volatility_type=2,
        reference_price_type=1,
    )


def peg_best() -> Order:
    return Order(
        action="BUY",
        total_quantity=Decimal("1"),
        order_type="PEG BEST",
        min_trade_qty=5,
        min_compete_size=100,
        compete_against_best_offset=math.inf,
        mid_offset_at_whole=0.01,
        mid_offset_at_half=0.005,
    )


def open_order_full() -> OpenOrder:
    o = conditional()
    o.order_id = 356
    o.client_id = 1
    o.perm_id = 900356
    o.algo_strategy = "Adaptive"
    o.algo_params = [TagValue("adaptivePriority", "Urgent")]
    o.delta_neutral_order_type = "None"
    o.delta_neutral_open_close = "?"
    o.adjusted_order_type = "None"
    o.clearing_intent = "IB"
    o.oca_type = 3
    o.dont_use_auto_price_for_hedge = True
    o.use_price_mgmt_algo = False
    o.ext_operator = "op"
    o.manual_order_indicator = 0
    o.submitter = "papertrader"
    o.bond_accrued_interest = "1.5"
    o.soft_dollar_tier = SoftDollarTier("n", "v", "Display")
    o.what_if = True
    c = bag()
    c.combo_legs_descrip = "756733|1,43645865|2"
    c.con_id = 28812380
    c.right = "?"
    c.delta_neutral_contract = DeltaNeutralContract(con_id=1, delta=0.5, price=100.0)
    o.order_combo_legs = [OrderComboLeg(price=1.5)]
    state = OrderState(
        status="PreSubmitted",
        init_margin_before="1000.0",
        maint_margin_before="900.0",
        equity_with_loan_before="5000.0",
        init_margin_change="1.7976931348623157E308",
        commission_and_fees=1.0,
        min_commission_and_fees=1.0,
        max_commission_and_fees=2.5,
        commission_and_fees_currency="USD",
        margin_currency="USD",
        init_margin_before_outside_rth=1100.0,
        suggested_size=Decimal("50"),
        reject_reason="none",
        order_allocations=[
            OrderAllocation("DU1", Decimal("10"), Decimal("20"), Decimal("30"), Decimal("40"), Decimal("50"), True),
            OrderAllocation("DU2"),
        ],
        warning_text="careful",
    )
    return OpenOrder(
        contract=c,
        order=o,
        order_state=state,
        shares_allocation="900356.0/DU9000001/100",
        fa_profile="prof",
        e_trade_only=False,
        firm_quote_only=False,
        first_trail_stop_price=None,
    )


def completed_order() -> CompletedOrder:
    o = algo()
    o.perm_id = 777
    o.delta_neutral_order_type = "LMT"
    o.delta_neutral_con_id = 5
    o.delta_neutral_short_sale = True
    o.auto_cancel_date = "20250101"
    o.filled_quantity = Decimal("100")
    o.ref_futures_con_id = 9
    o.shareholder = "sh"
    o.route_marketable_to_bbo = True
    o.parent_perm_id = 776
    o.customer_account = "C1"
    o.submitter = "me"
    o.trail_stop_price = 149.0
    state = OrderState(status="Filled", completed_time="20250102 10:00:00", completed_status="Filled")
    return CompletedOrder(contract=aapl(), order=o, order_state=state)


def execution() -> ExecutionData:
    return ExecutionData(
        req_id=-1,
        contract=Contract(
            con_id=265598,
            symbol="AAPL",
            sec_type="STK",
            exchange="IEX",
            currency="USD",
            local_symbol="AAPL",
            trading_class="NMS",
        ),
        execution=Execution(
            exec_id="0000e0d5.67fe667b.01.01",
            time="20250415  19:38:31",
            acct_number="DU1234567",
            exchange="IEX",
            side="BOT",
            shares=Decimal("100"),
            price=201.94,
            perm_id=600745656,
            client_id=100,
            order_id=5,
            cum_qty=Decimal("100"),
            avg_price=201.94,
            order_ref="ref",
            ev_rule="aapl",
            ev_multiplier=1.5,
            model_code="m",
            last_liquidity=2,
            pending_price_revision=True,
            submitter="trader",
        ),
    )


SAMPLES: list[Message] = [
    PlaceOrder(7, aapl(), lmt()),
    PlaceOrder(8, aapl(), mkt()),
    PlaceOrder(42, aapl(), bracket_child()),
    PlaceOrder(9, aapl(), conditional()),
    PlaceOrder(10, bag(), bag_order()),
    PlaceOrder(11, aapl(), algo()),
    PlaceOrder(12, aapl(), what_if()),
    PlaceOrder(
        13,
        Contract(symbol="X", sec_type="STK", delta_neutral_contract=DeltaNeutralContract(1, 0.5, 10.0)),
        kitchen_sink(),
    ),
    PlaceOrder(14, Contract(symbol="AAPL", sec_type="STK", exchange="IBKRATS"), peg_best()),
    CancelOrder(42, "20250102 10:00:00", "op", 1),
    CancelOrder(43),
    ReqGlobalCancel("op", 0),
    ReqGlobalCancel(),
    ReqOpenOrders(),
    ReqAllOpenOrders(),
    ReqAutoOpenOrders(True),
    ReqCompletedOrders(True),
    ReqExecutions(
        1004,
        ExecutionFilter(
            client_id=7, acct_code="DU1", symbol="AAPL", side="BUY", last_n_days=3, specific_dates=[20250101, 20250102]
        ),
    ),
    ReqExecutions(1005),
    OrderStatus(5, "PreSubmitted", Decimal("0"), Decimal("100"), 0.0, 600745656, 0, 0.0, 100, "", 0.0),
    OrderStatus(216, "Filled", Decimal("3000"), Decimal("0"), 1.08725, 1351823369, 0, 1.08725, 2, "locate", 0.0),
    OrderBound(1351823369, 0, 5),
    OpenOrderEnd(),
    CompletedOrdersEnd(),
    open_order_full(),
    OpenOrder(
        contract=aapl(),
        order=Order(order_id=5, action="BUY", total_quantity=Decimal("100"), order_type="MKT"),
        order_state=OrderState(status="Submitted"),
    ),
    completed_order(),
    execution(),
    ExecutionDataEnd(1004),
    CommissionReport("0000e0d5.67fe667b.01.01", 1.0, "USD", None, None, None),
    CommissionReport("x.01.01", 1.0003, "USD", -68.051912, 0.05, 20300101),
]
