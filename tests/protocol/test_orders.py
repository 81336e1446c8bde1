"""Byte tables, official-client cross-checks and bad input for the order requests and ORDER_STATUS,
ORDER_BOUND and the end markers (OPEN_ORDER / COMPLETED_ORDER / executions: test_open_order.py)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ibapi.order_cancel import OrderCancel as IOrderCancel

from ibkr.errors import DecodeError, VersionError
from ibkr.protocol.ids import In
from ibkr.protocol.message import (
    CLIENT_MESSAGES,
    FAST_DECODERS,
    SERVER_MESSAGES,
    ClientMessage,
    Message,
    decode_payload,
    encode_payload,
    refused_fields,
    split_payload,
)
from ibkr.protocol.messages.executions import ExecutionData, ReqExecutions
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
from ibkr.protocol.models import Contract
from ibkr.protocol.order_models import Execution, ExecutionFilter, PriceCondition
from tests.oracle import ibapi_decode, ibapi_refused, ibapi_sent
from tests.protocol.ibapi_orders import ibapi_contract, ibapi_exec_filter, ibapi_order
from tests.protocol.samples_orders import SAMPLES

VERSIONS = [176, 178, 187, 200]


def wire(text: str) -> bytes:
    return text.replace("␀", "\0").encode()


def registry(msg: Message) -> dict[int, type[Message]]:
    return CLIENT_MESSAGES if isinstance(msg, ClientMessage) else SERVER_MESSAGES  # type: ignore[return-value]


PLACE_ORDERS = {m.order_id: m for m in SAMPLES if isinstance(m, PlaceOrder)}

# PLACE_ORDER at each version, for: a plain LMT order (7), a MKT order with a fractional quantity
# (8), a bracket child with a parent id (42), conditions of all six types (9), a BAG combo with leg
# prices and smart-combo params (10), an Adaptive algo order (11) and a what-if order (12).
# Visible gates: faProfile "" only at 176; the RFQ pair "", 2147483647 only at 187;
# customerAccount / professionalCustomer from 183/184, includeOvernight 189, manualOrderIndicator
# 192 and imbalanceOnly 199 at 200.
PLACE_TABLE = [
    # LMT
    (
        176,
        7,
        "3␀7␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀",
    ),
    (
        178,
        7,
        "3␀7␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀",
    ),
    (
        187,
        7,
        "3␀7␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀␀0␀␀2147483647␀",
    ),
    (
        200,
        7,
        "3␀7␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀␀0␀0␀2147483647␀0␀",
    ),
    # MKT
    (
        176,
        8,
        "3␀8␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀SELL␀0.5␀MKT␀␀␀IOC␀␀DU1234567␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀␀"
        "0␀␀-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀",
    ),
    (
        178,
        8,
        "3␀8␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀SELL␀0.5␀MKT␀␀␀IOC␀␀DU1234567␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀"
        "0␀␀-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀",
    ),
    (
        187,
        8,
        "3␀8␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀SELL␀0.5␀MKT␀␀␀IOC␀␀DU1234567␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀"
        "0␀␀-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀␀0␀␀2147483647␀",
    ),
    (
        200,
        8,
        "3␀8␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀SELL␀0.5␀MKT␀␀␀IOC␀␀DU1234567␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀"
        "0␀␀-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀␀0␀0␀2147483647␀0␀",
    ),
    # bracket child
    (
        176,
        42,
        "3␀42␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀SELL␀100␀STP␀␀140.0␀␀␀␀␀0␀␀0␀41␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀",
    ),
    (
        178,
        42,
        "3␀42␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀SELL␀100␀STP␀␀140.0␀␀␀␀␀0␀␀0␀41␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀-1␀"
        "0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀",
    ),
    (
        187,
        42,
        "3␀42␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀SELL␀100␀STP␀␀140.0␀␀␀␀␀0␀␀0␀41␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀-1␀"
        "0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀␀0␀␀2147483647␀",
    ),
    (
        200,
        42,
        "3␀42␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀SELL␀100␀STP␀␀140.0␀␀␀␀␀0␀␀0␀41␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀-1␀"
        "0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀␀0␀0␀2147483647␀0␀",
    ),
    # conditions of every type
    (
        176,
        9,
        "3␀9␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀6␀1␀a␀1␀2918.1␀265598␀SMART␀4␀3␀o␀1␀"
        "20250102 10:00:00 US/Eastern␀4␀a␀0␀30␀5␀a␀STK␀ANY␀AAPL␀6␀a␀1␀100000␀265598␀SMART␀7␀a␀0␀2.5␀265598␀"
        "SMART␀1␀1␀␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀"
        "2147483647␀0␀␀␀",
    ),
    (
        178,
        9,
        "3␀9␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀6␀1␀a␀1␀2918.1␀265598␀SMART␀4␀3␀o␀1␀"
        "20250102 10:00:00 US/Eastern␀4␀a␀0␀30␀5␀a␀STK␀ANY␀AAPL␀6␀a␀1␀100000␀265598␀SMART␀7␀a␀0␀2.5␀265598␀"
        "SMART␀1␀1␀␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀"
        "2147483647␀0␀␀␀",
    ),
    (
        187,
        9,
        "3␀9␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀6␀1␀a␀1␀2918.1␀265598␀SMART␀4␀3␀o␀1␀"
        "20250102 10:00:00 US/Eastern␀4␀a␀0␀30␀5␀a␀STK␀ANY␀AAPL␀6␀a␀1␀100000␀265598␀SMART␀7␀a␀0␀2.5␀265598␀"
        "SMART␀1␀1␀␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀"
        "2147483647␀0␀␀␀␀0␀␀2147483647␀",
    ),
    (
        200,
        9,
        "3␀9␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀6␀1␀a␀1␀2918.1␀265598␀SMART␀4␀3␀o␀1␀"
        "20250102 10:00:00 US/Eastern␀4␀a␀0␀30␀5␀a␀STK␀ANY␀AAPL␀6␀a␀1␀100000␀265598␀SMART␀7␀a␀0␀2.5␀265598␀"
        "SMART␀1␀1␀␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀"
        "2147483647␀0␀␀␀␀0␀0␀2147483647␀0␀",
    ),
    # BAG combo
    (
        176,
        10,
        "3␀10␀0␀SPY␀BAG␀␀␀␀␀SMART␀␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀2␀756733␀1␀BUY␀"
        "SMART␀0␀0␀␀-1␀43645865␀2␀SELL␀SMART␀1␀0␀␀-1␀2␀1.5␀␀1␀NonGuaranteed␀1␀␀0␀␀␀␀␀␀␀␀0␀␀-1␀0␀␀␀0␀␀␀0␀0␀␀0␀"
        "␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀␀"
        "1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀",
    ),
    (
        178,
        10,
        "3␀10␀0␀SPY␀BAG␀␀␀␀␀SMART␀␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀2␀756733␀1␀BUY␀"
        "SMART␀0␀0␀␀-1␀43645865␀2␀SELL␀SMART␀1␀0␀␀-1␀2␀1.5␀␀1␀NonGuaranteed␀1␀␀0␀␀␀␀␀␀␀0␀␀-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀"
        "␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀␀"
        "1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀",
    ),
    (
        187,
        10,
        "3␀10␀0␀SPY␀BAG␀␀␀␀␀SMART␀␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀2␀756733␀1␀BUY␀"
        "SMART␀0␀0␀␀-1␀43645865␀2␀SELL␀SMART␀1␀0␀␀-1␀2␀1.5␀␀1␀NonGuaranteed␀1␀␀0␀␀␀␀␀␀␀0␀␀-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀"
        "␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀␀"
        "1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀␀0␀␀2147483647␀",
    ),
    (
        200,
        10,
        "3␀10␀0␀SPY␀BAG␀␀␀␀␀SMART␀␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀2␀756733␀1␀BUY␀"
        "SMART␀0␀0␀␀-1␀43645865␀2␀SELL␀SMART␀1␀0␀␀-1␀2␀1.5␀␀1␀NonGuaranteed␀1␀␀0␀␀␀␀␀␀␀0␀␀-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀"
        "␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀0␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀␀"
        "1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀␀0␀0␀2147483647␀0␀",
    ),
    # algo
    (
        176,
        11,
        "3␀11␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀Adaptive␀1␀adaptivePriority␀Normal␀a1␀0␀␀0␀0␀0␀0␀␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀0␀␀␀␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀",
    ),
    (
        178,
        11,
        "3␀11␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀Adaptive␀1␀adaptivePriority␀Normal␀a1␀0␀␀0␀0␀0␀0␀␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀0␀␀␀␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀",
    ),
    (
        187,
        11,
        "3␀11␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀Adaptive␀1␀adaptivePriority␀Normal␀a1␀0␀␀0␀0␀0␀0␀␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀0␀␀␀␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀␀0␀␀"
        "2147483647␀",
    ),
    (
        200,
        11,
        "3␀11␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀Adaptive␀1␀adaptivePriority␀Normal␀a1␀0␀␀0␀0␀0␀0␀␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀0␀␀␀␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀␀0␀0␀"
        "2147483647␀0␀",
    ),
    # what-if
    (
        176,
        12,
        "3␀12␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀1␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀",
    ),
    (
        178,
        12,
        "3␀12␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀1␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀",
    ),
    (
        187,
        12,
        "3␀12␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀1␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀␀0␀␀2147483647␀",
    ),
    (
        200,
        12,
        "3␀12␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀␀␀BUY␀100␀LMT␀150.25␀␀DAY␀␀␀␀0␀␀1␀0␀0␀0␀0␀0␀0␀0␀␀0␀␀␀␀␀␀␀0␀␀"
        "-1␀0␀␀␀0␀␀␀0␀0␀␀0␀␀␀␀␀␀0␀␀␀␀␀0␀␀␀␀␀␀␀␀␀␀␀0␀␀␀0␀0␀␀␀1␀␀0␀0␀0␀0␀␀1.7976931348623157e+308␀"
        "1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀1.7976931348623157e+308␀0␀␀␀"
        "␀1.7976931348623157e+308␀␀␀␀␀0␀0␀0␀␀2147483647␀2147483647␀0␀␀␀␀0␀0␀2147483647␀0␀",
    ),
]


@pytest.mark.parametrize(("sv", "order_id", "text"), PLACE_TABLE)
def test_place_order_byte_table(sv: int, order_id: int, text: str) -> None:
    msg = PLACE_ORDERS[order_id]
    assert encode_payload(msg, sv) == wire(text)
    assert decode_payload(wire(text), sv, CLIENT_MESSAGES) == msg


def test_place_order_field_counts_match_the_spec() -> None:
    # tws-protocol.md 4.4: the sv 187 LMT example has 118 fields including the id, sv 178 has 114
    # (ours has a primaryExchange, so one more non-empty field but the same count)
    assert len(split_payload(encode_payload(PLACE_ORDERS[7], 187))) == 118
    assert len(split_payload(encode_payload(PLACE_ORDERS[7], 178))) == 114


CLIENT_TABLE = (
    [(CancelOrder(42), v, "4␀1␀42␀␀") for v in (176, 178)]
    + [(CancelOrder(42), 187, "4␀1␀42␀␀␀␀2147483647␀"), (CancelOrder(42), 190, "4␀1␀42␀␀")]
    + [(CancelOrder(42, "20250102 10:00:00", "op", 1), 200, "4␀42␀20250102 10:00:00␀op␀1␀")]
    + [(CancelOrder(42), 192, "4␀42␀␀␀2147483647␀")]
    + [(ReqGlobalCancel(), v, "58␀1␀") for v in (176, 178, 187)]
    + [(ReqGlobalCancel(), 200, "58␀␀2147483647␀"), (ReqGlobalCancel("op", 0), 200, "58␀op␀0␀")]
    + [(ReqOpenOrders(), v, "5␀1␀") for v in VERSIONS]
    + [(ReqAllOpenOrders(), v, "16␀1␀") for v in VERSIONS]
    + [(ReqAutoOpenOrders(True), v, "15␀1␀1␀") for v in VERSIONS]
    + [(ReqCompletedOrders(False), v, "99␀0␀") for v in VERSIONS]
)

SERVER_TABLE = [
    (
        OrderStatus(5, "PreSubmitted", Decimal("0"), Decimal("100"), 0.0, 600745656, 0, 0.0, 100, "", 0.0),
        176,
        "3␀5␀PreSubmitted␀0␀100␀0␀600745656␀0␀0␀100␀␀0␀",
    ),
    (
        OrderStatus(216, "Filled", Decimal("3000"), Decimal("0"), 1.08725, 1351823369, 0, 1.08725, 2, "", 0.0),
        200,
        "3␀216␀Filled␀3000␀0␀1.08725␀1351823369␀0␀1.08725␀2␀␀0␀",
    ),
    (OrderBound(1351823369, 0, 5), 187, "100␀1351823369␀0␀5␀"),
    (OrderBound(9223372036854775000, 3, 7), 200, "100␀9223372036854775000␀3␀7␀"),
    (OpenOrderEnd(), 178, "53␀1␀"),
    (CompletedOrdersEnd(), 200, "102␀"),
]


@pytest.mark.parametrize(("msg", "sv", "text"), CLIENT_TABLE + SERVER_TABLE)
def test_byte_table(msg: Message, sv: int, text: str) -> None:
    assert encode_payload(msg, sv) == wire(text)
    assert decode_payload(wire(text), sv, registry(msg)) == msg


# --- the official client as oracle ---------------------------------------------------------------


@pytest.mark.parametrize("sv", VERSIONS)
@pytest.mark.parametrize("order_id", sorted(PLACE_ORDERS))
def test_place_order_matches_official_client(order_id: int, sv: int) -> None:
    msg = PLACE_ORDERS[order_id]
    place = lambda c: c.placeOrder(order_id, ibapi_contract(msg.contract), ibapi_order(msg.order))  # noqa: E731
    if refused_fields(msg, sv):  # the kitchen-sink order below 199: both refuse it, nothing is sent
        assert ibapi_refused(sv, place)
        with pytest.raises(VersionError):
            encode_payload(msg, sv)
        return
    assert ibapi_sent(sv, place) == [encode_payload(msg, sv)]


def _placed(**changes: Any) -> PlaceOrder:
    """A sample order (one the official client writes like us) with ``changes``."""
    base = PLACE_ORDERS[min(PLACE_ORDERS)]
    return PlaceOrder(base.order_id, base.contract, dataclasses.replace(base.order, **changes))


REFUSALS: list[tuple[str, int, ClientMessage, Any]] = [
    # (field path, version, our request, the same through the official client)
    ("order.customer_account", 182, _placed(customer_account="C1"), None),
    ("order.professional_customer", 183, _placed(professional_customer=True), None),
    ("order.include_overnight", 188, _placed(include_overnight=True), None),
    ("order.manual_order_indicator", 191, _placed(manual_order_indicator=0), None),
    ("order.imbalance_only", 198, _placed(imbalance_only=True), None),
    ("ext_operator", 191, CancelOrder(42, "", "op"), lambda c: c.cancelOrder(42, _cancel("", "op"))),
    ("manual_order_indicator", 190, CancelOrder(42, "", "", 0), lambda c: c.cancelOrder(42, _cancel("", "", 0))),
    ("ext_operator", 187, ReqGlobalCancel("op"), lambda c: c.reqGlobalCancel(_cancel("", "op"))),
    ("filter.last_n_days", 199, ReqExecutions(5, ExecutionFilter(last_n_days=3)), None),
    ("filter.specific_dates", 199, ReqExecutions(5, ExecutionFilter(specific_dates=[20250102])), None),
]


@pytest.mark.parametrize(("path", "sv", "msg", "call"), REFUSALS, ids=[f"{r[0]}@{r[1]}" for r in REFUSALS])
def test_values_the_version_cannot_carry_are_refused_like_the_official_client(
    path: str, sv: int, msg: ClientMessage, call: Any
) -> None:
    """A set value the version's layout has no place for: nothing is produced (the official client
    reports error 503 and sends nothing); from the version that carries it, the request is written."""
    since = dict(type(msg).REFUSED_BELOW)[path]
    assert sv < since
    with pytest.raises(VersionError) as err:
        encode_payload(msg, sv)
    assert (err.value.required, err.value.negotiated, err.value.msg_name) == (since, sv, type(msg).__name__)
    assert path in str(err.value)
    if call is None:
        if isinstance(msg, PlaceOrder):
            call = lambda c: c.placeOrder(7, ibapi_contract(msg.contract), ibapi_order(msg.order))  # noqa: E731
        else:
            call = lambda c: c.reqExecutions(5, ibapi_exec_filter(msg.filter))  # type: ignore[attr-defined]  # noqa: E731
    assert [e[2] for e in ibapi_refused(sv, call)] == [503]
    assert ibapi_sent(since, call) == [encode_payload(msg, since)]


def _cancel(time: str = "", op: str = "", indicator: int | None = None) -> IOrderCancel:
    oc = IOrderCancel()
    oc.manualOrderCancelTime = time
    oc.extOperator = op
    if indicator is not None:
        oc.manualOrderIndicator = indicator
    return oc


@pytest.mark.parametrize("sv", [*VERSIONS, 190, 192])
def test_requests_match_official_client(sv: int) -> None:
    assert ibapi_sent(sv, lambda c: c.cancelOrder(42, _cancel("20250102 10:00:00"))) == [
        encode_payload(CancelOrder(42, "20250102 10:00:00"), sv)
    ]
    assert ibapi_sent(sv, lambda c: c.reqGlobalCancel(_cancel())) == [encode_payload(ReqGlobalCancel(), sv)]
    if sv >= 192:
        assert ibapi_sent(sv, lambda c: c.cancelOrder(42, _cancel("", "op", 1))) == [
            encode_payload(CancelOrder(42, "", "op", 1), sv)
        ]
        assert ibapi_sent(sv, lambda c: c.reqGlobalCancel(_cancel("", "op", 0))) == [
            encode_payload(ReqGlobalCancel("op", 0), sv)
        ]
    assert ibapi_sent(sv, lambda c: c.reqOpenOrders()) == [encode_payload(ReqOpenOrders(), sv)]
    assert ibapi_sent(sv, lambda c: c.reqAllOpenOrders()) == [encode_payload(ReqAllOpenOrders(), sv)]
    assert ibapi_sent(sv, lambda c: c.reqAutoOpenOrders(True)) == [encode_payload(ReqAutoOpenOrders(True), sv)]
    assert ibapi_sent(sv, lambda c: c.reqCompletedOrders(True)) == [encode_payload(ReqCompletedOrders(True), sv)]


@pytest.mark.parametrize("sv", VERSIONS)
def test_server_messages_decode_in_official_client(sv: int) -> None:
    status = OrderStatus(216, "Filled", Decimal("3000"), Decimal("0"), 1.08725, 1351823369, 4, 1.0872, 2, "x", 1.5)
    d = ibapi_decode(sv, encode_payload(status, sv))
    assert d.leftover == 0
    assert d.calls == [
        ("orderStatus", (216, "Filled", Decimal("3000"), Decimal("0"), 1.08725, 1351823369, 4, 1.0872, 2, "x", 1.5))
    ]
    d = ibapi_decode(sv, encode_payload(OrderBound(1351823369, 3, 7), sv))
    assert (d.leftover, d.calls) == (0, [("orderBound", (1351823369, 3, 7))])
    assert ibapi_decode(sv, encode_payload(OpenOrderEnd(), sv)).calls == [("openOrderEnd", ())]
    assert ibapi_decode(sv, encode_payload(CompletedOrdersEnd(), sv)).calls == [("completedOrdersEnd", ())]


# --- ORDER_STATUS fast decoder -------------------------------------------------------------------

_prices = st.one_of(
    st.just(0.0),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.sampled_from([1.08725, 201.94, 1e-05, 1e16]),
)
_texts = st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=12)
_qty = st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-1e9, max_value=1e9))


@given(
    order_id=st.integers(-(2**31), 2**31 - 1),
    status=_texts,
    filled=_qty,
    remaining=_qty,
    avg=_prices,
    perm_id=st.integers(0, 2**63 - 1),
    last=_prices,
    why=_texts,
    cap=_prices,
)
def test_fast_and_generic_order_status_agree(
    order_id: int,
    status: str,
    filled: Decimal | None,
    remaining: Decimal | None,
    avg: float,
    perm_id: int,
    last: float,
    why: str,
    cap: float,
) -> None:
    msg = OrderStatus(order_id, status, filled, remaining, avg, perm_id, 3, last, 7, why, cap)
    payload = encode_payload(msg, 200)
    fast = decode_payload(payload, 200, SERVER_MESSAGES, FAST_DECODERS)
    generic = decode_payload(payload, 200, SERVER_MESSAGES)
    assert fast == generic == msg
    assert encode_payload(fast, 200) == encode_payload(generic, 200) == payload  # type: ignore[arg-type]


@given(raw=st.lists(st.binary(max_size=8).filter(lambda b: b"\0" not in b), min_size=10, max_size=13))
def test_fast_order_status_falls_back_to_the_generic_errors(raw: list[bytes]) -> None:
    payload = b"\0".join([b"3", *raw]) + b"\0"
    try:
        generic: object = decode_payload(payload, 200, SERVER_MESSAGES)
    except DecodeError as exc:
        generic = exc
    try:
        fast: object = decode_payload(payload, 200, SERVER_MESSAGES, FAST_DECODERS)
    except DecodeError as exc:
        fast = exc
    if isinstance(generic, DecodeError):
        assert isinstance(fast, DecodeError) and fast.field == generic.field
    else:
        assert fast == generic


def test_order_status_keeps_texts_tws_writes_differently() -> None:
    text = wire("3␀5␀Filled␀100␀0␀2.50␀1␀0␀1.0E-4␀1␀␀0␀")
    msg = decode_payload(text, 200, SERVER_MESSAGES)  # the generic decoder keeps the texts
    assert msg == decode_payload(text, 200, SERVER_MESSAGES, FAST_DECODERS)
    assert isinstance(msg, OrderStatus) and msg.avg_fill_price == 2.5 and msg.last_fill_price == 0.0001
    assert encode_payload(msg, 200) == text


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("3␀5␀Filled␀100␀0␀1.5␀1␀0␀1.5␀1␀", "why_held"),  # truncated
        ("3␀5␀Filled␀x␀0␀1.5␀1␀0␀1.5␀1␀␀0␀", "filled"),
        ("3␀5␀Filled␀100␀0␀abc␀1␀0␀1.5␀1␀␀0␀", "avg_fill_price"),
        ("3␀5␀Filled␀100␀0␀1.5␀1␀0␀1.5␀1␀␀0␀extra␀", "<end>"),
        ("100␀1␀two␀3␀", "client_id"),
        ("53␀", "_v"),
    ],
)
def test_bad_server_input_names_the_field(text: str, field: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode_payload(wire(text), 200, SERVER_MESSAGES, FAST_DECODERS)
    assert err.value.field == field


def test_bad_place_order_names_the_field() -> None:
    good = encode_payload(PLACE_ORDERS[9], 200)
    fields = split_payload(good)
    at = fields.index(b"2918.1")
    bad = b"\0".join([*fields[:at], b"high", *fields[at + 1 :]]) + b"\0"
    with pytest.raises(DecodeError) as err:
        decode_payload(bad, 200, CLIENT_MESSAGES)
    assert err.value.field == "conditions[0].price"
    # the first condition's type field sits three before its price (type, conjunction, isMore, price)
    unknown = b"\0".join([*fields[: at - 3], b"2", *fields[at - 2 :]]) + b"\0"
    with pytest.raises(DecodeError) as err:
        decode_payload(unknown, 200, CLIENT_MESSAGES)
    assert err.value.field == "conditions[0].type"
    with pytest.raises(DecodeError) as err:
        decode_payload(good[: good.rindex(b"\0", 0, len(good) - 1) + 1], 200, CLIENT_MESSAGES)
    assert err.value.field == "imbalance_only"


def test_encoding_a_bad_value_names_the_field() -> None:
    from ibkr.errors import EncodeError

    msg = PlaceOrder(1, Contract(symbol="A\0B"), PLACE_ORDERS[7].order)
    with pytest.raises(EncodeError) as err:
        encode_payload(msg, 200)
    assert err.value.field == "symbol"
    order = PLACE_ORDERS[9].order
    bad = PlaceOrder(1, Contract(), type(order)(conditions=[PriceCondition(price=float("nan"))]))
    with pytest.raises(EncodeError) as err:
        encode_payload(bad, 200)
    assert err.value.field.startswith("conditions")


# --- REQ_EXECUTIONS ------------------------------------------------------------------------------

_FILTER = ExecutionFilter(
    client_id=7, acct_code="DU1", symbol="AAPL", side="BUY", last_n_days=3, specific_dates=[20250101]
)

EXEC_TABLE = [
    (ReqExecutions(1004), 176, "7␀3␀1004␀0␀␀␀␀␀␀␀"),
    (ReqExecutions(1004), 178, "7␀3␀1004␀0␀␀␀␀␀␀␀"),
    (ReqExecutions(1004), 187, "7␀3␀1004␀0␀␀␀␀␀␀␀"),
    (ReqExecutions(1004), 200, "7␀3␀1004␀0␀␀␀␀␀␀␀2147483647␀0␀"),
    (ReqExecutions(1004, _FILTER), 200, "7␀3␀1004␀7␀DU1␀␀AAPL␀␀␀BUY␀3␀1␀20250101␀"),
]


@pytest.mark.parametrize(("msg", "sv", "text"), EXEC_TABLE)
def test_req_executions_byte_table(msg: ReqExecutions, sv: int, text: str) -> None:
    assert encode_payload(msg, sv) == wire(text)
    assert decode_payload(wire(text), sv, CLIENT_MESSAGES) == msg


@pytest.mark.parametrize("sv", VERSIONS)
def test_req_executions_matches_official_client(sv: int) -> None:
    plain = ExecutionFilter(client_id=7, acct_code="DU1", time="20250101 00:00:00", symbol="AAPL", side="BUY")
    assert ibapi_sent(sv, lambda c: c.reqExecutions(1004, ibapi_exec_filter(plain))) == [
        encode_payload(ReqExecutions(1004, plain), sv)
    ]
    if sv >= 200:
        assert ibapi_sent(sv, lambda c: c.reqExecutions(1004, ibapi_exec_filter(_FILTER))) == [
            encode_payload(ReqExecutions(1004, _FILTER), sv)
        ]


# --- EXECUTION_DATA fast decoder -----------------------------------------------------------------

_ids = st.integers(-(2**31), 2**31 - 1)
_opt_prices = st.one_of(st.none(), _prices.filter(lambda p: p != 0.0))


@given(
    sv=st.sampled_from([176, 177, 178, 187, 197, 198, 200]),
    req_id=_ids,
    con_id=_ids,
    texts=st.lists(_texts, min_size=15, max_size=15),
    strike=_opt_prices,
    shares=_qty,
    cum_qty=_qty,
    price=_prices,
    avg_price=_prices,
    perm_id=st.integers(0, 2**63 - 1),
    ints=st.lists(_ids, min_size=4, max_size=4),
    ev_multiplier=_opt_prices,
    pending=st.booleans(),
)
def test_fast_and_generic_execution_data_agree(
    sv: int,
    req_id: int,
    con_id: int,
    texts: list[str],
    strike: float | None,
    shares: Decimal | None,
    cum_qty: Decimal | None,
    price: float,
    avg_price: float,
    perm_id: int,
    ints: list[int],
    ev_multiplier: float | None,
    pending: bool,
) -> None:
    contract = Contract(con_id, *texts[:3], strike, *texts[3:6], "", *texts[6:9])
    execution = Execution(
        *texts[9:14],
        shares,
        price,
        perm_id,
        ints[0],
        ints[1],
        ints[2],
        cum_qty,
        avg_price,
        texts[14],
        texts[0],
        ev_multiplier,
        texts[1],
        ints[3],
        pending if sv >= 178 else False,
        texts[2] if sv >= 198 else "",
    )
    msg = ExecutionData(req_id, contract, execution)
    payload = encode_payload(msg, sv)
    fast = decode_payload(payload, sv, SERVER_MESSAGES, FAST_DECODERS)
    generic = decode_payload(payload, sv, SERVER_MESSAGES)
    assert fast == generic == msg
    assert encode_payload(fast, sv) == encode_payload(generic, sv) == payload  # type: ignore[arg-type]


@given(
    sv=st.sampled_from([176, 178, 200]),
    raw=st.lists(st.binary(max_size=6).filter(lambda b: b"\0" not in b), min_size=30, max_size=33),
)
def test_fast_execution_data_falls_back_to_the_generic_errors(sv: int, raw: list[bytes]) -> None:
    payload = b"\0".join([b"11", *raw]) + b"\0"
    try:
        generic: object = decode_payload(payload, sv, SERVER_MESSAGES)
    except DecodeError as exc:
        generic = exc
    try:
        fast: object = decode_payload(payload, sv, SERVER_MESSAGES, FAST_DECODERS)
    except DecodeError as exc:
        fast = exc
    if isinstance(generic, DecodeError):
        assert isinstance(fast, DecodeError) and fast.field == generic.field
    else:
        assert fast == generic


def test_fast_execution_data_matches_the_generic_on_tws_texts() -> None:
    # TWS writes a whole price as "100" and an unset strike as "0.0"; both decoders agree
    text = encode_payload(ExecutionData(-1, Contract(1, "A", "STK"), Execution(price=100.0, avg_price=100.0)), 200)
    tws = text.replace(b"\x00100.0\x00", b"\x00100\x00")
    generic = decode_payload(tws, 200, SERVER_MESSAGES)
    assert decode_payload(tws, 200, SERVER_MESSAGES, FAST_DECODERS) == generic
    assert FAST_DECODERS[In.EXECUTION_DATA](split_payload(tws), 200) == generic  # the fast path takes it
