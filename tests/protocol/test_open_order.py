"""OPEN_ORDER, COMPLETED_ORDER, EXECUTION_DATA, COMMISSION_REPORT, EXECUTION_DATA_END: byte tables
at 176/178/187/200, every field checked against the official decoder, the real TWS captures
(decoded field for field and re-encoded to the identical bytes), and bad input."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from ibapi.const import UNSET_DECIMAL, UNSET_DOUBLE, UNSET_INTEGER

from ibkr.errors import DecodeError
from ibkr.protocol.fields import WireFloat
from ibkr.protocol.message import SERVER_MESSAGES, Message, decode_payload, encode_payload, split_payload
from ibkr.protocol.messages.executions import CommissionReport, ExecutionData, ExecutionDataEnd
from ibkr.protocol.messages.open_order import CompletedOrder, OpenOrder
from ibkr.protocol.messages.orders import OrderStatus
from ibkr.protocol.models import Contract
from ibkr.protocol.order_models import (
    ExecutionCondition,
    Order,
    OrderState,
    PriceCondition,
    SoftDollarTier,
)
from tests.captures import all_captured
from tests.oracle import ibapi_decode
from tests.protocol.ibapi_orders import camel
from tests.protocol.samples_orders import completed_order, execution, open_order_full

VERSIONS = [176, 178, 187, 200]
_MARGINS = (
    "init_margin_before",
    "maint_margin_before",
    "equity_with_loan_before",
    "init_margin_change",
    "maint_margin_change",
    "equity_with_loan_change",
    "init_margin_after",
    "maint_margin_after",
    "equity_with_loan_after",
)


def wire(text: str) -> bytes:
    return text.replace("␀", "\0").encode()


def tws_mkt() -> OpenOrder:
    """A plain MKT order the way TWS reports it (cf. the sv 173 capture of rust-ibapi)."""
    return OpenOrder(
        contract=Contract(
            con_id=265598,
            symbol="AAPL",
            sec_type="STK",
            right="?",
            exchange="SMART",
            currency="USD",
            local_symbol="AAPL",
            trading_class="NMS",
        ),
        order=Order(
            order_id=5,
            client_id=100,
            perm_id=600745656,
            action="BUY",
            total_quantity=Decimal("100"),
            order_type="MKT",
            lmt_price=0.0,
            aux_price=0.0,
            tif="DAY",
            account="DU1234567",
            display_size=None,
            oca_type=3,
            volatility_type=0,
            delta_neutral_order_type="None",
            delta_neutral_open_close="?",
            reference_price_type=0,
            clearing_intent="IB",
            adjusted_order_type="None",
            dont_use_auto_price_for_hedge=True,
            use_price_mgmt_algo=False,
            min_compete_size=100,
            compete_against_best_offset=0.02,
        ),
        order_state=OrderState(status="PreSubmitted", **dict.fromkeys(_MARGINS, "1.7976931348623157E308")),
        shares_allocation="600745656.0/DU1234567/100",
    )


# Visible gates: faProfile only at 176 (``prof`` in FULL); customerAccount, professionalCustomer,
# bondAccruedInterest, includeOvernight, extOperator + manualOrderIndicator (193), the >= 195
# preview block (marginCurrency, nine outside-RTH margins, suggestedSize, rejectReason,
# allocations), submitter (198) and imbalanceOnly (199) at 200 only.
TWS_MKT_TABLE = [
    (
        176,
        "5␀5␀265598␀AAPL␀STK␀␀0␀?␀␀SMART␀USD␀AAPL␀NMS␀BUY␀100␀MKT␀0.0␀0.0␀DAY␀␀DU1234567␀␀0␀␀100␀600745656␀0␀"
        "0␀0␀␀600745656.0/DU1234567/100␀␀␀␀␀␀␀␀␀␀0␀␀-1␀0␀␀␀␀␀␀2147483647␀0␀0␀0␀␀3␀0␀0␀␀0␀0␀␀0␀None␀␀0␀␀␀␀?␀0␀"
        "0␀␀0␀0␀␀␀␀␀␀0␀0␀0␀2147483647␀2147483647␀␀␀0␀␀IB␀0␀0␀␀0␀0␀PreSubmitted␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀␀␀␀␀␀0␀"
        "0␀0␀None␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀0␀␀␀␀0␀1␀0␀0␀0␀␀␀0␀␀100␀0.02␀␀␀",
    ),
    (
        178,
        "5␀5␀265598␀AAPL␀STK␀␀0␀?␀␀SMART␀USD␀AAPL␀NMS␀BUY␀100␀MKT␀0.0␀0.0␀DAY␀␀DU1234567␀␀0␀␀100␀600745656␀0␀"
        "0␀0␀␀600745656.0/DU1234567/100␀␀␀␀␀␀␀␀␀0␀␀-1␀0␀␀␀␀␀␀2147483647␀0␀0␀0␀␀3␀0␀0␀␀0␀0␀␀0␀None␀␀0␀␀␀␀?␀0␀"
        "0␀␀0␀0␀␀␀␀␀␀0␀0␀0␀2147483647␀2147483647␀␀␀0␀␀IB␀0␀0␀␀0␀0␀PreSubmitted␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀␀␀␀␀␀0␀"
        "0␀0␀None␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀0␀␀␀␀0␀1␀0␀0␀0␀␀␀0␀␀100␀0.02␀␀␀",
    ),
    (
        187,
        "5␀5␀265598␀AAPL␀STK␀␀0␀?␀␀SMART␀USD␀AAPL␀NMS␀BUY␀100␀MKT␀0.0␀0.0␀DAY␀␀DU1234567␀␀0␀␀100␀600745656␀0␀"
        "0␀0␀␀600745656.0/DU1234567/100␀␀␀␀␀␀␀␀␀0␀␀-1␀0␀␀␀␀␀␀2147483647␀0␀0␀0␀␀3␀0␀0␀␀0␀0␀␀0␀None␀␀0␀␀␀␀?␀0␀"
        "0␀␀0␀0␀␀␀␀␀␀0␀0␀0␀2147483647␀2147483647␀␀␀0␀␀IB␀0␀0␀␀0␀0␀PreSubmitted␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀␀␀␀␀␀0␀"
        "0␀0␀None␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀0␀␀␀␀0␀1␀0␀0␀0␀␀␀0␀␀100␀0.02␀␀␀"
        "␀0␀␀",
    ),
    (
        200,
        "5␀5␀265598␀AAPL␀STK␀␀0␀?␀␀SMART␀USD␀AAPL␀NMS␀BUY␀100␀MKT␀0.0␀0.0␀DAY␀␀DU1234567␀␀0␀␀100␀600745656␀0␀"
        "0␀0␀␀600745656.0/DU1234567/100␀␀␀␀␀␀␀␀␀0␀␀-1␀0␀␀␀␀␀␀2147483647␀0␀0␀0␀␀3␀0␀0␀␀0␀0␀␀0␀None␀␀0␀␀␀␀?␀0␀"
        "0␀␀0␀0␀␀␀␀␀␀0␀0␀0␀2147483647␀2147483647␀␀␀0␀␀IB␀0␀0␀␀0␀0␀PreSubmitted␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀␀␀␀␀␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀-9223372036854775808␀␀0␀␀0␀0␀0␀None␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀0␀␀␀␀0␀1␀0␀0␀0␀␀␀0␀␀100␀0.02␀␀␀␀0␀␀0␀␀2147483647␀␀0␀",
    ),
]

FULL_TABLE = [
    (
        176,
        "5␀356␀28812380␀SPY␀BAG␀␀0␀?␀␀SMART␀USD␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀900356␀0␀0␀0␀␀"
        "900356.0/DU9000001/100␀␀␀␀prof␀␀␀␀␀␀0␀␀-1␀0␀␀␀␀␀␀0␀0␀0␀0␀␀3␀0␀0␀␀0␀0␀␀␀None␀␀0␀␀␀␀?␀0␀0␀␀0␀␀␀␀␀␀"
        "756733|1,43645865|2␀2␀756733␀1␀BUY␀SMART␀0␀0␀␀-1␀43645865␀2␀SELL␀SMART␀1␀0␀␀-1␀1␀1.5␀0␀2147483647␀"
        "2147483647␀␀␀0␀␀IB␀0␀1␀1␀0.5␀100.0␀Adaptive␀1␀adaptivePriority␀Urgent␀0␀1␀PreSubmitted␀1000.0␀900.0␀"
        "5000.0␀1.7976931348623157E308␀␀␀␀␀␀1.0␀1.0␀2.5␀USD␀careful␀0␀0␀6␀1␀a␀1␀2918.1␀265598␀SMART␀4␀3␀o␀1␀"
        "20250102 10:00:00 US/Eastern␀4␀a␀0␀30␀5␀a␀STK␀ANY␀AAPL␀6␀a␀1␀100000␀265598␀SMART␀7␀a␀0␀2.5␀265598␀"
        "SMART␀1␀1␀None␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀0␀n␀v␀Display␀0␀1␀0␀0␀0␀␀␀0␀␀␀␀"
        "␀␀",
    ),
    (
        178,
        "5␀356␀28812380␀SPY␀BAG␀␀0␀?␀␀SMART␀USD␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀900356␀0␀0␀0␀␀"
        "900356.0/DU9000001/100␀␀␀␀␀␀␀␀␀0␀␀-1␀0␀␀␀␀␀␀0␀0␀0␀0␀␀3␀0␀0␀␀0␀0␀␀␀None␀␀0␀␀␀␀?␀0␀0␀␀0␀␀␀␀␀␀"
        "756733|1,43645865|2␀2␀756733␀1␀BUY␀SMART␀0␀0␀␀-1␀43645865␀2␀SELL␀SMART␀1␀0␀␀-1␀1␀1.5␀0␀2147483647␀"
        "2147483647␀␀␀0␀␀IB␀0␀1␀1␀0.5␀100.0␀Adaptive␀1␀adaptivePriority␀Urgent␀0␀1␀PreSubmitted␀1000.0␀900.0␀"
        "5000.0␀1.7976931348623157E308␀␀␀␀␀␀1.0␀1.0␀2.5␀USD␀careful␀0␀0␀6␀1␀a␀1␀2918.1␀265598␀SMART␀4␀3␀o␀1␀"
        "20250102 10:00:00 US/Eastern␀4␀a␀0␀30␀5␀a␀STK␀ANY␀AAPL␀6␀a␀1␀100000␀265598␀SMART␀7␀a␀0␀2.5␀265598␀"
        "SMART␀1␀1␀None␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀0␀n␀v␀Display␀0␀1␀0␀0␀0␀␀␀0␀␀␀␀"
        "␀␀",
    ),
    (
        187,
        "5␀356␀28812380␀SPY␀BAG␀␀0␀?␀␀SMART␀USD␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀900356␀0␀0␀0␀␀"
        "900356.0/DU9000001/100␀␀␀␀␀␀␀␀␀0␀␀-1␀0␀␀␀␀␀␀0␀0␀0␀0␀␀3␀0␀0␀␀0␀0␀␀␀None␀␀0␀␀␀␀?␀0␀0␀␀0␀␀␀␀␀␀"
        "756733|1,43645865|2␀2␀756733␀1␀BUY␀SMART␀0␀0␀␀-1␀43645865␀2␀SELL␀SMART␀1␀0␀␀-1␀1␀1.5␀0␀2147483647␀"
        "2147483647␀␀␀0␀␀IB␀0␀1␀1␀0.5␀100.0␀Adaptive␀1␀adaptivePriority␀Urgent␀0␀1␀PreSubmitted␀1000.0␀900.0␀"
        "5000.0␀1.7976931348623157E308␀␀␀␀␀␀1.0␀1.0␀2.5␀USD␀careful␀0␀0␀6␀1␀a␀1␀2918.1␀265598␀SMART␀4␀3␀o␀1␀"
        "20250102 10:00:00 US/Eastern␀4␀a␀0␀30␀5␀a␀STK␀ANY␀AAPL␀6␀a␀1␀100000␀265598␀SMART␀7␀a␀0␀2.5␀265598␀"
        "SMART␀1␀1␀None␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀0␀n␀v␀Display␀0␀1␀0␀0␀0␀␀␀0␀␀␀␀"
        "␀␀␀0␀1.5␀",
    ),
    (
        200,
        "5␀356␀28812380␀SPY␀BAG␀␀0␀?␀␀SMART␀USD␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀900356␀0␀0␀0␀␀"
        "900356.0/DU9000001/100␀␀␀␀␀␀␀␀␀0␀␀-1␀0␀␀␀␀␀␀0␀0␀0␀0␀␀3␀0␀0␀␀0␀0␀␀␀None␀␀0␀␀␀␀?␀0␀0␀␀0␀␀␀␀␀␀"
        "756733|1,43645865|2␀2␀756733␀1␀BUY␀SMART␀0␀0␀␀-1␀43645865␀2␀SELL␀SMART␀1␀0␀␀-1␀1␀1.5␀0␀2147483647␀"
        "2147483647␀␀␀0␀␀IB␀0␀1␀1␀0.5␀100.0␀Adaptive␀1␀adaptivePriority␀Urgent␀0␀1␀PreSubmitted␀1000.0␀900.0␀"
        "5000.0␀1.7976931348623157E308␀␀␀␀␀␀1.0␀1.0␀2.5␀USD␀USD␀1100.0␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀50␀none␀2␀DU1␀10␀20␀30␀40␀50␀1␀"
        "DU2␀␀␀␀␀␀0␀careful␀0␀0␀6␀1␀a␀1␀2918.1␀265598␀SMART␀4␀3␀o␀1␀20250102 10:00:00 US/Eastern␀4␀a␀0␀30␀5␀"
        "a␀STK␀ANY␀AAPL␀6␀a␀1␀100000␀265598␀SMART␀7␀a␀0␀2.5␀265598␀SMART␀1␀1␀None␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀1.7976931348623157E308␀"
        "1.7976931348623157E308␀0␀n␀v␀Display␀0␀1␀0␀0␀0␀␀␀0␀␀␀␀␀␀␀0␀1.5␀0␀op␀0␀papertrader␀0␀",
    ),
]

COMPLETED_TABLE = [
    (
        176,
        "101␀0␀AAPL␀STK␀␀0␀␀␀SMART␀USD␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀777␀0␀0␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀-1␀␀␀␀␀␀0␀0␀0␀␀"
        "0␀0␀␀␀LMT␀␀5␀1␀0␀␀0␀␀␀␀␀0␀0␀0␀2147483647␀2147483647␀␀␀␀␀0␀0␀Adaptive␀1␀adaptivePriority␀Normal␀0␀"
        "Filled␀0␀0␀0␀149.0␀1.7976931348623157E308␀0␀0␀0␀20250101␀100␀9␀0␀sh␀0␀1␀776␀20250102 10:00:00␀"
        "Filled␀␀␀␀␀␀",
    ),
    (
        178,
        "101␀0␀AAPL␀STK␀␀0␀␀␀SMART␀USD␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀777␀0␀0␀0␀␀␀␀␀␀␀␀␀␀0␀␀-1␀␀␀␀␀␀0␀0␀0␀␀"
        "0␀0␀␀␀LMT␀␀5␀1␀0␀␀0␀␀␀␀␀0␀0␀0␀2147483647␀2147483647␀␀␀␀␀0␀0␀Adaptive␀1␀adaptivePriority␀Normal␀0␀"
        "Filled␀0␀0␀0␀149.0␀1.7976931348623157E308␀0␀0␀0␀20250101␀100␀9␀0␀sh␀0␀1␀776␀20250102 10:00:00␀"
        "Filled␀␀␀␀␀␀",
    ),
    (
        187,
        "101␀0␀AAPL␀STK␀␀0␀␀␀SMART␀USD␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀777␀0␀0␀0␀␀␀␀␀␀␀␀␀␀0␀␀-1␀␀␀␀␀␀0␀0␀0␀␀"
        "0␀0␀␀␀LMT␀␀5␀1␀0␀␀0␀␀␀␀␀0␀0␀0␀2147483647␀2147483647␀␀␀␀␀0␀0␀Adaptive␀1␀adaptivePriority␀Normal␀0␀"
        "Filled␀0␀0␀0␀149.0␀1.7976931348623157E308␀0␀0␀0␀20250101␀100␀9␀0␀sh␀0␀1␀776␀20250102 10:00:00␀"
        "Filled␀␀␀␀␀␀C1␀0␀",
    ),
    (
        200,
        "101␀0␀AAPL␀STK␀␀0␀␀␀SMART␀USD␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀777␀0␀0␀0␀␀␀␀␀␀␀␀␀␀0␀␀-1␀␀␀␀␀␀0␀0␀0␀␀"
        "0␀0␀␀␀LMT␀␀5␀1␀0␀␀0␀␀␀␀␀0␀0␀0␀2147483647␀2147483647␀␀␀␀␀0␀0␀Adaptive␀1␀adaptivePriority␀Normal␀0␀"
        "Filled␀0␀0␀0␀149.0␀1.7976931348623157E308␀0␀0␀0␀20250101␀100␀9␀0␀sh␀0␀1␀776␀20250102 10:00:00␀"
        "Filled␀␀␀␀␀␀C1␀0␀me␀",
    ),
]

EXECUTION_TABLE = [
    (
        176,
        "11␀-1␀5␀265598␀AAPL␀STK␀␀0.0␀␀␀IEX␀USD␀AAPL␀NMS␀0000e0d5.67fe667b.01.01␀20250415  19:38:31␀"
        "DU1234567␀IEX␀BOT␀100␀201.94␀600745656␀100␀0␀100␀201.94␀ref␀aapl␀1.5␀m␀2␀",
    ),
    (
        178,
        "11␀-1␀5␀265598␀AAPL␀STK␀␀0.0␀␀␀IEX␀USD␀AAPL␀NMS␀0000e0d5.67fe667b.01.01␀20250415  19:38:31␀"
        "DU1234567␀IEX␀BOT␀100␀201.94␀600745656␀100␀0␀100␀201.94␀ref␀aapl␀1.5␀m␀2␀1␀",
    ),
    (
        187,
        "11␀-1␀5␀265598␀AAPL␀STK␀␀0.0␀␀␀IEX␀USD␀AAPL␀NMS␀0000e0d5.67fe667b.01.01␀20250415  19:38:31␀"
        "DU1234567␀IEX␀BOT␀100␀201.94␀600745656␀100␀0␀100␀201.94␀ref␀aapl␀1.5␀m␀2␀1␀",
    ),
    (
        200,
        "11␀-1␀5␀265598␀AAPL␀STK␀␀0.0␀␀␀IEX␀USD␀AAPL␀NMS␀0000e0d5.67fe667b.01.01␀20250415  19:38:31␀"
        "DU1234567␀IEX␀BOT␀100␀201.94␀600745656␀100␀0␀100␀201.94␀ref␀aapl␀1.5␀m␀2␀1␀trader␀",
    ),
]

OTHER_TABLE: list[tuple[Message, int, str]] = [
    (
        CommissionReport("0000e215.656d0002.01.01", 2.5, "USD", None, None, None),
        176,
        "59␀1␀0000e215.656d0002.01.01␀2.5␀USD␀1.7976931348623157E308␀1.7976931348623157E308␀␀",
    ),
    (
        CommissionReport("x.01.01", 1.0003, "USD", -68.051912, 0.05, 20300101),
        200,
        "59␀1␀x.01.01␀1.0003␀USD␀-68.051912␀0.05␀20300101␀",
    ),
    (ExecutionDataEnd(1004), 187, "55␀1␀1004␀"),
    (ExecutionDataEnd(3), 200, "55␀1␀3␀"),
]


@pytest.mark.parametrize(
    ("make", "sv", "text"),
    [(tws_mkt, sv, t) for sv, t in TWS_MKT_TABLE]
    + [(open_order_full, sv, t) for sv, t in FULL_TABLE]
    + [(completed_order, sv, t) for sv, t in COMPLETED_TABLE]
    + [(execution, sv, t) for sv, t in EXECUTION_TABLE],
)
def test_server_byte_tables(make: Any, sv: int, text: str) -> None:
    msg = make()
    assert encode_payload(msg, sv) == wire(text)
    decoded = decode_payload(wire(text), sv, SERVER_MESSAGES)
    expected = decode_payload(encode_payload(msg, sv), sv, SERVER_MESSAGES)
    assert decoded == expected
    if sv >= 200 and make in (tws_mkt, open_order_full):  # built from carried fields only (faProfile aside)
        assert dataclasses.replace(decoded, fa_profile=msg.fa_profile) == msg  # type: ignore[type-var]


@pytest.mark.parametrize(("msg", "sv", "text"), OTHER_TABLE)
def test_other_byte_tables(msg: Message, sv: int, text: str) -> None:
    assert encode_payload(msg, sv) == wire(text)
    assert decode_payload(wire(text), sv, SERVER_MESSAGES) == msg


# --- every field against the official decoder ----------------------------------------------------

_UNSET = (UNSET_DOUBLE, UNSET_INTEGER, UNSET_DECIMAL)
#: fields where TWS's "unset" text is a number the official client keeps as such ("0" strike /
#: cashQty) or an int it reads without show-unset ("" -> 0)
_LOOSE = {"strike", "cash_qty", "volatility_type", "reference_price_type", "ev_multiplier", "yield_redemption_date"}
_RENAMES = {"value": "val"}


def _their_name(name: str, theirs: Any) -> str:
    if name.endswith("_outside_rth"):
        return camel(name[: -len("_outside_rth")]) + "OutsideRTH"
    if isinstance(theirs, type(None)):
        return camel(name)
    if name in _RENAMES and not hasattr(theirs, "value"):
        return _RENAMES[name]
    return camel(name)


def assert_agrees(ours: Any, theirs: Any, path: str = "") -> None:
    """Every attribute of our decoded object equals the official decoder's (modulo unset forms)."""
    for f in dataclasses.fields(ours):
        name = f.name
        mine = getattr(ours, name)
        other = getattr(theirs, _their_name(name, theirs))
        where = f"{path}{name}"
        if mine is None:
            ok = other is None or other in _UNSET or (name in _LOOSE and other == 0)
            if not ok and isinstance(other, float) and other > 1e307:
                ok = True
            assert ok, (where, mine, other)
        elif isinstance(mine, list):
            assert len(mine) == len(other or []), (where, mine, other)
            for i, (a, b) in enumerate(zip(mine, other or [], strict=True)):
                if dataclasses.is_dataclass(a):
                    assert_agrees(a, b, f"{where}[{i}].")
                else:
                    assert a == b, (where, a, b)
        elif dataclasses.is_dataclass(mine):
            assert_agrees(mine, other, f"{where}.")
        else:
            assert mine == other, (where, mine, other)


@pytest.mark.parametrize("sv", [*VERSIONS, 193, 195, 198, 199])
@pytest.mark.parametrize("make", [tws_mkt, open_order_full])
def test_open_order_agrees_with_official_decoder(make: Any, sv: int) -> None:
    payload = encode_payload(make(), sv)
    ours = decode_payload(payload, sv, SERVER_MESSAGES)
    assert isinstance(ours, OpenOrder)
    d = ibapi_decode(sv, payload)
    assert d.leftover == 0
    (order_id, contract, order, state) = d.recorder.only("openOrder")
    assert order_id == ours.order_id
    assert_agrees(ours.order, order)
    assert_agrees(ours.contract, contract)
    assert_agrees(ours.order_state, state)


def test_open_order_key_fields_in_official_decoder() -> None:
    d = ibapi_decode(200, encode_payload(open_order_full(), 200))
    (order_id, contract, order, state) = d.recorder.only("openOrder")
    assert (order_id, contract.secType, order.action, order.totalQuantity) == (356, "BAG", "BUY", Decimal("100"))
    assert (order.orderType, order.lmtPrice, state.status) == ("LMT", 150.25, "PreSubmitted")
    assert [type(c).__name__ for c in order.conditions] == [
        "PriceCondition",
        "TimeCondition",
        "MarginCondition",
        "ExecutionCondition",
        "VolumeCondition",
        "PercentChangeCondition",
    ]
    assert order.conditions[0].price == 2918.1 and not order.conditions[1].isConjunctionConnection
    assert (order.conditionsIgnoreRth, order.conditionsCancelOrder) == (True, True)
    assert [(p.tag, p.value) for p in order.algoParams] == [("adaptivePriority", "Urgent")]
    assert [leg.conId for leg in contract.comboLegs] == [756733, 43645865]
    assert contract.deltaNeutralContract.delta == 0.5
    assert state.orderAllocations[0].isMonetary and state.suggestedSize == Decimal("50")
    assert (order.submitter, order.extOperator, order.softDollarTier.displayName) == ("papertrader", "op", "Display")


@pytest.mark.parametrize("sv", [*VERSIONS, 198])
def test_completed_order_agrees_with_official_decoder(sv: int) -> None:
    payload = encode_payload(completed_order(), sv)
    ours = decode_payload(payload, sv, SERVER_MESSAGES)
    assert isinstance(ours, CompletedOrder)
    d = ibapi_decode(sv, payload)
    assert d.leftover == 0
    (contract, order, state) = d.recorder.only("completedOrder")
    assert_agrees(ours.order, order)
    assert_agrees(ours.contract, contract)
    assert_agrees(ours.order_state, state)
    assert (order.permId, order.filledQuantity, state.completedStatus) == (777, Decimal("100"), "Filled")


@pytest.mark.parametrize("sv", VERSIONS)
def test_executions_and_commissions_agree_with_official_decoder(sv: int) -> None:
    payload = encode_payload(execution(), sv)
    ours = decode_payload(payload, sv, SERVER_MESSAGES)
    assert isinstance(ours, ExecutionData)
    d = ibapi_decode(sv, payload)
    assert d.leftover == 0
    (req_id, contract, exe) = d.recorder.only("execDetails")
    assert req_id == -1
    assert_agrees(ours.contract, contract)
    assert_agrees(ours.execution, exe)
    report = CommissionReport("x.01.01", 1.0003, "USD", -68.051912, None, 20300101)
    d = ibapi_decode(sv, encode_payload(report, sv))
    assert d.leftover == 0
    (got,) = d.recorder.only("commissionAndFeesReport")
    assert (got.execId, got.commissionAndFees, got.currency, got.realizedPNL) == ("x.01.01", 1.0003, "USD", -68.051912)
    assert (got.yield_, got.yieldRedemptionDate) == (UNSET_DOUBLE, 20300101)
    d = ibapi_decode(sv, encode_payload(ExecutionDataEnd(1004), sv))
    assert d.calls == [("execDetailsEnd", (1004,))]


# --- real TWS traffic ----------------------------------------------------------------------------

_ORDER_IDS = {b"3", b"5", b"11", b"53", b"55", b"59", b"100", b"101", b"102"}
CAPTURED = [
    c for c in all_captured() if c.tag == "S" and c.server_version >= 176 and c.payload.split(b"\0", 1)[0] in _ORDER_IDS
]


def test_the_captures_hold_the_expected_messages() -> None:
    kinds = {(c.server_version, c.payload.split(b"\0", 1)[0]) for c in CAPTURED}
    assert {(176, b"5"), (176, b"3"), (176, b"11"), (176, b"59"), (200, b"5"), (200, b"59"), (200, b"55")} <= kinds


@pytest.mark.parametrize("cap", CAPTURED, ids=lambda c: f"{c.file}:{c.line}")
def test_captured_frames_decode_and_reencode_identically(cap: Any) -> None:
    msg = decode_payload(cap.payload, cap.server_version, SERVER_MESSAGES)  # Reader.finish: all consumed
    assert msg is not None
    assert encode_payload(msg, cap.server_version) == cap.payload
    d = ibapi_decode(cap.server_version, cap.payload)
    assert d.leftover == 0
    if isinstance(msg, OpenOrder):
        (order_id, contract, order, state) = d.recorder.only("openOrder")
        assert order_id == msg.order_id
        assert_agrees(msg.order, order)
        assert_agrees(msg.contract, contract)
        assert_agrees(msg.order_state, state)
    elif isinstance(msg, ExecutionData):
        (_, contract, exe) = d.recorder.only("execDetails")
        assert_agrees(msg.execution, exe)
        assert_agrees(msg.contract, contract)


def _captured(prefix: str) -> OpenOrder:
    for c in CAPTURED:
        if c.payload.startswith(wire(prefix)):
            msg = decode_payload(c.payload, c.server_version, SERVER_MESSAGES)
            assert isinstance(msg, OpenOrder)
            return msg
    raise AssertionError(prefix)


def test_captured_open_orders_field_for_field() -> None:
    spy = _captured("5␀190␀")  # sv 176, nautilus_trader
    assert (spy.contract.con_id, spy.contract.symbol, spy.contract.right, spy.contract.strike) == (
        756733,
        "SPY",
        "?",
        None,
    )
    o = spy.order
    assert (o.action, o.total_quantity, o.order_type, o.tif, o.client_id, o.perm_id) == (
        "BUY",
        Decimal("1000"),
        "MKT",
        "IOC",
        2,
        1351823328,
    )
    assert (o.order_ref, o.delta_neutral_order_type, o.delta_neutral_open_close) == (
        "O-20231203-1921-001-000-2:190",
        "None",
        "?",
    )
    assert (o.oca_type, o.clearing_intent, o.adjusted_order_type, o.display_size) == (3, "IB", "None", None)
    assert spy.order_state.status == "PendingCancel" and spy.fa_profile == ""
    assert spy.shares_allocation == "1351823328.0/DU1234567/100"

    cond = _captured("5␀356␀")  # sv 200, price condition
    assert cond.order.conditions == [PriceCondition(True, True, 2918.1, 265598, "SMART", 4)]
    price = cond.order.conditions[0]
    assert isinstance(price, PriceCondition) and isinstance(price.price, WireFloat) and price.price.text == "2918.10"
    assert (cond.order.conditions_ignore_rth, cond.order.conditions_cancel_order) == (True, False)
    assert (cond.order.lmt_price, cond.order.trail_stop_price, cond.first_trail_stop_price) == (14.59, 15.59, None)
    assert cond.order_state.suggested_size is None and cond.order_state.order_allocations == []

    exe = _captured("5␀359␀")
    assert exe.order.conditions == [ExecutionCondition(True, "STK", "ANY", "AAPL")]

    bracket = _captured("5␀211␀")
    assert (bracket.order.parent_id, bracket.order.oca_group, bracket.order.submitter) == (
        210,
        "1571710075",
        "papertrader",
    )
    assert bracket.order.soft_dollar_tier == SoftDollarTier()


def test_captured_status_execution_and_commission() -> None:
    by_id = {(c.server_version, c.payload.split(b"\0", 1)[0]): c for c in CAPTURED}
    status = decode_payload(by_id[(176, b"3")].payload, 176, SERVER_MESSAGES)
    assert status == OrderStatus(
        216, "Filled", Decimal("3000"), Decimal("0"), 1.08725, 1351823369, 0, 1.08725, 2, "", 0.0
    )
    exe = decode_payload(by_id[(176, b"11")].payload, 176, SERVER_MESSAGES)
    assert isinstance(exe, ExecutionData)
    assert (exe.req_id, exe.execution.order_id, exe.contract.sec_type, exe.execution.shares) == (
        -1,
        215,
        "CASH",
        Decimal("1000"),
    )
    assert (exe.execution.time, exe.execution.last_liquidity) == ("20231203 20:15:20 US/Eastern", 2)
    report = decode_payload(by_id[(200, b"59")].payload, 200, SERVER_MESSAGES)
    assert report == CommissionReport("sanitized-commission-exec-001", 1.0003, "USD", -68.051912, None, None)


# --- bad input -----------------------------------------------------------------------------------


def _fields(msg: Message, sv: int) -> list[bytes]:
    return split_payload(encode_payload(msg, sv))


def _join(fields: list[bytes]) -> bytes:
    return b"\0".join(fields) + b"\0"


def test_truncated_open_order_names_the_missing_field() -> None:
    fields = _fields(tws_mkt(), 200)
    with pytest.raises(DecodeError) as err:
        decode_payload(_join(fields[:-1]), 200, SERVER_MESSAGES)
    assert err.value.field == "imbalance_only"
    with pytest.raises(DecodeError) as err:
        decode_payload(_join(fields[:20]), 200, SERVER_MESSAGES)
    assert err.value.field == "account"


def test_surplus_and_bad_values_in_open_order() -> None:
    fields = _fields(tws_mkt(), 187)
    with pytest.raises(DecodeError) as err:
        decode_payload(_join([*fields, b"x"]), 187, SERVER_MESSAGES)
    assert err.value.field == "<end>"
    bad = list(fields)
    bad[14] = b"lots"  # totalQuantity
    with pytest.raises(DecodeError) as err:
        decode_payload(_join(bad), 187, SERVER_MESSAGES)
    assert err.value.field == "total_quantity"


def test_bad_condition_in_open_order() -> None:
    fields = _fields(open_order_full(), 200)
    at = fields.index(b"2918.1") - 2  # conjunction of the first condition
    bad = list(fields)
    bad[at] = b"x"
    with pytest.raises(DecodeError) as err:
        decode_payload(_join(bad), 200, SERVER_MESSAGES)
    assert err.value.field == "conditions[0].conjunction"
    bad = list(fields)
    bad[at - 2] = b"99"  # the condition count
    with pytest.raises(DecodeError) as err:
        decode_payload(_join(bad), 200, SERVER_MESSAGES)
    assert err.value.field == "conditions"


def test_bad_execution_and_commission() -> None:
    fields = _fields(execution(), 200)
    bad = list(fields)
    bad[19] = b"1,5"  # shares
    with pytest.raises(DecodeError) as err:
        decode_payload(_join(bad), 200, SERVER_MESSAGES)
    assert err.value.field == "shares"
    with pytest.raises(DecodeError) as err:
        decode_payload(wire("59␀1␀e␀abc␀USD␀␀␀␀"), 200, SERVER_MESSAGES)
    assert err.value.field == "commission"


# --- ib_async (negotiates at most sv 178) decodes what the server role writes ---------------------


class _AsyncWrapper:
    """Records the wrapper methods ib_async's decoder calls (it logs and swallows its own errors)."""

    class ib:
        TimezoneTWS = None

    defaultTimezone = dt.UTC

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self.calls.append(name)


@pytest.mark.parametrize("sv", [176, 178])
def test_ib_async_decodes_the_order_messages(sv: int) -> None:
    from ib_async.decoder import Decoder

    from tests.protocol.samples_orders import SAMPLES

    expected = {
        OpenOrder: "openOrder",
        CompletedOrder: "completedOrder",
        ExecutionData: "execDetails",
        CommissionReport: "commissionReport",
        OrderStatus: "orderStatus",
    }
    server = [m for m in SAMPLES if type(m) in expected] + [tws_mkt()]
    for msg in server:
        wrapper = _AsyncWrapper()
        Decoder(wrapper, sv).interpret(encode_payload(msg, sv).decode().split("\0")[:-1])
        assert wrapper.calls == [expected[type(msg)]], type(msg).__name__
