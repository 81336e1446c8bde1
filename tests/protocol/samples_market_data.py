"""Sample instances of the market-data and bar messages (used by the generic round-trip tests)."""

from __future__ import annotations

import math

from ibkr.protocol.message import Message
from ibkr.protocol.messages.depth import (
    CancelMktDepth,
    MarketDepth,
    MarketDepthL2,
    ReqMktDepth,
)
from ibkr.protocol.messages.historical import (
    Bar,
    CancelHistoricalData,
    CancelRealTimeBars,
    HistoricalData,
    HistoricalDataEnd,
    HistoricalDataUpdate,
    RealTimeBars,
    ReqHistoricalData,
    ReqRealTimeBars,
)
from ibkr.protocol.messages.market_data import (
    CancelMktData,
    MarketDataType,
    ReqMarketDataType,
    ReqMktData,
    TickGeneric,
    TickPrice,
    TickReqParams,
    TickSize,
    TickSnapshotEnd,
    TickString,
)
from ibkr.protocol.messages.tick_by_tick import (
    CancelTickByTickData,
    ReqTickByTickData,
    TickByTickBidAsk,
    TickByTickLast,
    TickByTickMidPoint,
    TickByTickNone,
)
from ibkr.protocol.models import ComboLeg, Contract, DeltaNeutralContract, TagValue


def aapl() -> Contract:
    return Contract(
        con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART", primary_exchange="NASDAQ", currency="USD"
    )


def option() -> Contract:
    return Contract(
        con_id=887307502,
        symbol="AAPL",
        sec_type="OPT",
        last_trade_date_or_contract_month="20260710",
        strike=315.0,
        right="C",
        multiplier="100",
        exchange="SMART",
        currency="USD",
        trading_class="AAPL",
        delta_neutral_contract=DeltaNeutralContract(con_id=265598, delta=0.5, price=314.5),
    )


def bag() -> Contract:
    return Contract(
        symbol="AAPL",
        sec_type="BAG",
        exchange="SMART",
        currency="USD",
        combo_legs=[
            ComboLeg(con_id=887307502, ratio=1, action="BUY", exchange="SMART"),
            ComboLeg(con_id=887307536, ratio=2, action="SELL", exchange="SMART"),
        ],
    )


BARS = [
    Bar("20230413", 182.94, 186.5, 180.94, 185.9, 948837.22, 184.869, 324891),
    Bar("20250102 09:30:00 US/Eastern", 150.0, 151.0, 149.5, 150.5, 1000.0, None, 25),
]

SAMPLES: list[Message] = [
    ReqMktData(req_id=1001, contract=aapl(), generic_tick_list="233,236", snapshot=False),
    ReqMktData(req_id=1002, contract=option(), snapshot=True, regulatory_snapshot=True),
    ReqMktData(req_id=1003, contract=bag(), mkt_data_options=[TagValue("a", "1"), TagValue("b", "x y")]),
    CancelMktData(req_id=1001),
    ReqMarketDataType(market_data_type=3),
    ReqTickByTickData(req_id=1004, contract=aapl(), tick_type="BidAsk", number_of_ticks=10, ignore_size=True),
    CancelTickByTickData(req_id=1004),
    ReqMktDepth(req_id=1005, contract=aapl(), num_rows=5, is_smart_depth=True),
    CancelMktDepth(req_id=1005, is_smart_depth=True),
    TickPrice(req_id=1001, tick_type=1, price=150.25, size=100.0, attr_mask=7),
    TickPrice(req_id=1001, tick_type=9, price=-1.0, size=None, attr_mask=0),
    TickPrice(req_id=1001, tick_type=68, price=0.015, size=0.5, attr_mask=2),
    TickSize(req_id=1001, tick_type=8, size=12345678.0),
    TickSize(req_id=1001, tick_type=5, size=None),
    TickString(req_id=1001, tick_type=48, value="150.25;100;1700000000123;1000;150.1;true"),
    TickGeneric(req_id=1001, tick_type=49, value=1.0),
    TickGeneric(req_id=1001, tick_type=46, value=math.inf),
    TickReqParams(req_id=1001, min_tick=0.01, bbo_exchange="9c0001", snapshot_permissions=3),
    TickSnapshotEnd(req_id=1002),
    MarketDataType(req_id=1001, market_data_type=3),
    TickByTickLast(req_id=1004, tick_type=1, time=1700000000, price=150.25, size=100.0, attr_mask=2, exchange="NASDAQ"),
    TickByTickLast(
        req_id=1004, tick_type=2, time=1700000001, price=150.5, size=0.25, exchange="IEX", special_conditions="T I"
    ),
    TickByTickBidAsk(
        req_id=1004,
        time=1701652523,
        bid_price=1.08733,
        ask_price=1.08735,
        bid_size=250000.0,
        ask_size=1.5e6,
        attr_mask=3,
    ),
    TickByTickMidPoint(req_id=1004, time=1700000002, mid_point=150.255),
    TickByTickNone(req_id=1004, time=1700000003),
    MarketDepth(req_id=1005, position=2, operation=1, side=0, price=150.3, size=300.0),
    MarketDepth(req_id=1005, position=0, operation=2, side=1, price=0.0, size=None),
    MarketDepthL2(
        req_id=1005, position=1, market_maker="NSDQ", operation=0, side=1, price=150.2, size=0.5, is_smart_depth=True
    ),
    ReqHistoricalData(
        req_id=1007,
        contract=Contract(
            symbol="ES",
            sec_type="FUT",
            last_trade_date_or_contract_month="202503",
            exchange="CME",
            currency="USD",
            include_expired=True,
        ),
        end_date_time="20250101 16:00:00 US/Eastern",
        duration_str="1 D",
        bar_size_setting="5 mins",
        what_to_show="TRADES",
        use_rth=True,
        format_date=2,
        keep_up_to_date=False,
        chart_options=[TagValue("x", "1")],
    ),
    ReqHistoricalData(
        req_id=1008,
        contract=bag(),
        duration_str="3600 S",
        bar_size_setting="1 min",
        what_to_show="MIDPOINT",
        keep_up_to_date=True,
    ),
    CancelHistoricalData(req_id=1007),
    HistoricalData(req_id=1007, start_date_str="20230413  16:31:22", end_date_str="20230415  16:31:22", bars=BARS),
    HistoricalData(req_id=1008, bars=[]),
    HistoricalDataEnd(req_id=1007, start_date_str="20250101 16:00:00", end_date_str="20250102 16:00:00"),
    HistoricalDataUpdate(req_id=1008, bar=Bar("1700000000", 151.0, 151.5, 150.8, 151.2, 900.0, 151.1, 30)),
    ReqRealTimeBars(
        req_id=1009, contract=aapl(), what_to_show="BID", use_rth=True, real_time_bars_options=[TagValue("k", "v")]
    ),
    CancelRealTimeBars(req_id=1009),
    RealTimeBars(
        req_id=1009, time=1700000000, open=150.0, high=150.5, low=149.9, close=150.2, volume=300.0, wap=150.1, count=12
    ),
]
