"""Byte tables, oracle checks and bad input for the reference-data messages (modules reference, options,
news, scanner, historical_ticks).

None of these layouts changes between server versions 176 and 200, so every row of the byte table
is checked at each of 176, 178, 187 and 200 with the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from ibapi.contract import Contract as IbContract
from ibapi.scanner import ScannerSubscription as IbScannerSubscription
from ibapi.tag_value import TagValue as IbTagValue

from ibkr.errors import DecodeError, EncodeError
from ibkr.protocol.message import (
    CLIENT_MESSAGES,
    SERVER_MESSAGES,
    ClientMessage,
    Message,
    decode_payload,
    encode_payload,
)
from ibkr.protocol.messages.historical_ticks import (
    CancelHeadTimestamp,
    CancelHistogramData,
    HeadTimestamp,
    HistogramData,
    HistogramEntry,
    HistoricalSchedule,
    HistoricalSession,
    HistoricalTick,
    HistoricalTickBidAsk,
    HistoricalTickLast,
    HistoricalTicks,
    HistoricalTicksBidAsk,
    HistoricalTicksLast,
    ReqHeadTimestamp,
    ReqHistogramData,
    ReqHistoricalTicks,
)
from ibkr.protocol.messages.news import (
    CancelNewsBulletins,
    HistoricalNews,
    HistoricalNewsEnd,
    NewsArticle,
    NewsBulletins,
    NewsProvider,
    NewsProviders,
    ReqHistoricalNews,
    ReqNewsArticle,
    ReqNewsBulletins,
    ReqNewsProviders,
    TickNews,
)
from ibkr.protocol.messages.options import (
    ReqSecDefOptParams,
    SecurityDefinitionOptionParameter,
    SecurityDefinitionOptionParameterEnd,
    TickEfp,
    TickOptionComputation,
)
from ibkr.protocol.messages.reference import (
    DepthMktDataDescription,
    DisplayGroupList,
    DisplayGroupUpdated,
    FamilyCode,
    FamilyCodes,
    MarketRule,
    MktDepthExchanges,
    PriceIncrement,
    QueryDisplayGroups,
    ReqFamilyCodes,
    ReqMarketRule,
    ReqMktDepthExchanges,
    ReqSmartComponents,
    ReqSoftDollarTiers,
    ReqUserInfo,
    RerouteMktDataReq,
    RerouteMktDepthReq,
    SmartComponent,
    SmartComponents,
    SoftDollarTier,
    SoftDollarTiers,
    SubscribeToGroupEvents,
    UnsubscribeFromGroupEvents,
    UpdateDisplayGroup,
    UserInfo,
)
from ibkr.protocol.messages.scanner import (
    CancelScannerSubscription,
    ReqScannerParameters,
    ReqScannerSubscription,
    ScanData,
    ScannerData,
    ScannerParameters,
    ScannerSubscription,
)
from ibkr.protocol.models import Contract, TagValue
from tests.oracle import Recorder, ibapi_decode, ibapi_sent
from tests.protocol.samples_reference import AAPL, AAPL_OPT, SAMPLES

VERSIONS = [176, 178, 187, 200]


def wire(text: str) -> bytes:
    return text.replace("␀", "\0").encode()


def registry(msg: Message) -> dict[int, Any]:
    return CLIENT_MESSAGES if isinstance(msg, ClientMessage) else SERVER_MESSAGES  # type: ignore[return-value]


BGIA = Contract(
    888872117, "BGIA", "STK", strike=0.0, exchange="SMART", currency="USD", local_symbol="BGIA", trading_class="NMS"
)
GREEKS = TickOptionComputation(
    6,
    53,
    0,
    0.3,
    0.5579497967180902,
    2.6596901785543805,
    None,
    0.0700889483259586,
    0.07475592510994344,
    -0.7568548883674484,
    293.23,
)

TABLE: list[tuple[Message, str]] = [
    # reference.py
    (
        GREEKS,
        "21␀6␀53␀0␀0.3␀0.5579497967180902␀2.6596901785543805␀-1␀0.0700889483259586␀0.07475592510994344␀"
        "-0.7568548883674484␀293.23␀",
    ),
    (TickOptionComputation(7, 13, 1), "21␀7␀13␀1␀-1␀-2␀-1␀-1␀-2␀-2␀-2␀-1␀"),
    (
        TickEfp(9, 38, 12.5, "12.50 bp", 0.85, 31, "20261218", 0.02, 0.8),
        "47␀1␀9␀38␀12.5␀12.50 bp␀0.85␀31␀20261218␀0.02␀0.8␀",
    ),
    (QueryDisplayGroups(1001), "67␀1␀1001␀"),
    (DisplayGroupList(1001, "1|2|3|4|5|6|7"), "67␀1␀1001␀1|2|3|4|5|6|7␀"),
    (SubscribeToGroupEvents(1002, 4), "68␀1␀1002␀4␀"),
    (DisplayGroupUpdated(1002, "none"), "68␀1␀1002␀none␀"),
    (UpdateDisplayGroup(1002, "265598@SMART"), "69␀1␀1002␀265598@SMART␀"),
    (UnsubscribeFromGroupEvents(1002), "70␀1␀1002␀"),
    (ReqSecDefOptParams(3, "AAPL", "", "STK", 265598), "78␀3␀AAPL␀␀STK␀265598␀"),
    (
        SecurityDefinitionOptionParameter(3, "CBOE", 265598, "AAPL", "100", ["20260612", "20260615"], [5.0, 257.5]),
        "75␀3␀CBOE␀265598␀AAPL␀100␀2␀20260612␀20260615␀2␀5.0␀257.5␀",
    ),
    (SecurityDefinitionOptionParameter(4), "75␀4␀␀0␀␀␀0␀0␀"),
    (SecurityDefinitionOptionParameterEnd(3), "76␀3␀"),
    (ReqSoftDollarTiers(1001), "79␀1001␀"),
    (SoftDollarTiers(1001), "77␀1001␀0␀"),
    (SoftDollarTiers(1001, [SoftDollarTier("Tier1", "0.5", "Tier 1")]), "77␀1001␀1␀Tier1␀0.5␀Tier 1␀"),
    (ReqFamilyCodes(), "80␀"),
    (FamilyCodes([FamilyCode("*", "")]), "78␀1␀*␀␀"),
    (ReqMarketRule(26), "91␀26␀"),
    (MarketRule(26, [PriceIncrement(0.0, 0.01), PriceIncrement(1000.0, 0.05)]), "93␀26␀2␀0␀0.01␀1000␀0.05␀"),
    (ReqUserInfo(1), "104␀1␀"),
    (UserInfo(1, ""), "107␀1␀␀"),
    (ReqMktDepthExchanges(), "82␀"),
    (
        MktDepthExchanges([DepthMktDataDescription("ISLAND", "STK", "NASDAQ", "Deep2", 1)]),
        "80␀1␀ISLAND␀STK␀NASDAQ␀Deep2␀1␀",
    ),
    (ReqSmartComponents(5, "9c0001"), "83␀5␀9c0001␀"),
    (SmartComponents(5, [SmartComponent(1, "NYSE", "N")]), "82␀5␀1␀1␀NYSE␀N␀"),
    (RerouteMktDataReq(11, 265598, "SMART"), "91␀11␀265598␀SMART␀"),
    (RerouteMktDepthReq(12, 265598, "ISLAND"), "92␀12␀265598␀ISLAND␀"),
    # news.py
    (ReqNewsBulletins(True), "12␀1␀1␀"),
    (ReqNewsBulletins(False), "12␀1␀0␀"),
    (CancelNewsBulletins(), "13␀1␀"),
    (NewsBulletins(7, 1, "line 1\nline 2", "HKFE"), "14␀1␀7␀1␀line 1\nline 2␀HKFE␀"),
    (ReqNewsProviders(), "85␀"),
    (NewsProviders([NewsProvider("BRFG", "Briefing")]), "85␀1␀BRFG␀Briefing␀"),
    (ReqNewsArticle(2, "BRFUPDN", "BRFUPDN$1e1f54ec"), "84␀2␀BRFUPDN␀BRFUPDN$1e1f54ec␀␀"),
    (
        ReqNewsArticle(2, "BRFUPDN", "X$1", [TagValue("a", "1"), TagValue("b", "2")]),
        "84␀2␀BRFUPDN␀X$1␀a=1;b=2;␀",
    ),
    (NewsArticle(2, 0, "text&#10;more"), "83␀2␀0␀text&#10;more␀"),
    (
        ReqHistoricalNews(1, 265598, "BRFG+DJNL", "2026-04-01 00:00:00", "", 10),
        "86␀1␀265598␀BRFG+DJNL␀2026-04-01 00:00:00␀␀10␀␀",
    ),
    (
        HistoricalNews(1, "2026-04-14 14:58:42.0", "BRFUPDN", "BRFUPDN$1e1f54ec", "hl"),
        "86␀1␀2026-04-14 14:58:42.0␀BRFUPDN␀BRFUPDN$1e1f54ec␀hl␀",
    ),
    (HistoricalNewsEnd(1, True), "87␀1␀1␀"),
    (HistoricalNewsEnd(2, False), "87␀2␀0␀"),
    (
        TickNews(1001, 1700000000123, "BRFG", "BRFG$123", "Headline", "A:800015"),
        "84␀1001␀1700000000123␀BRFG␀BRFG$123␀Headline␀A:800015␀",
    ),
    # scanner.py
    (ReqScannerParameters(), "24␀1␀"),
    (ScannerParameters("<x/>"), "19␀1␀<x/>␀"),
    (ReqScannerSubscription(4), "22␀4␀-1␀" + "␀" * 16 + "0␀" + "␀" * 5),
    (
        ReqScannerSubscription(
            4,
            ScannerSubscription(10, "STK", "STK.US.MAJOR", "TOP_PERC_GAIN", 5.0, None, 100000, coupon_rate_below=2.5),
            [TagValue("priceAbove", "5")],
        ),
        "22␀4␀10␀STK␀STK.US.MAJOR␀TOP_PERC_GAIN␀5.0␀␀100000␀" + "␀" * 9 + "2.5␀0␀␀␀␀priceAbove=5;␀␀",
    ),
    (CancelScannerSubscription(4), "23␀1␀4␀"),
    (ScannerData(1), "20␀3␀1␀0␀"),
    (ScannerData(1, [ScanData(0, BGIA, "NMS")]), "20␀3␀1␀1␀0␀888872117␀BGIA␀STK␀␀0␀␀SMART␀USD␀BGIA␀NMS␀NMS␀␀␀␀␀"),
    # historical_ticks.py
    (
        ReqHeadTimestamp(1001, AAPL, 1, "TRADES", 2),
        "87␀1001␀265598␀AAPL␀STK␀␀0.0␀␀␀SMART␀NASDAQ␀USD␀AAPL␀NMS␀0␀1␀TRADES␀2␀",
    ),
    (CancelHeadTimestamp(1001), "90␀1001␀"),
    (HeadTimestamp(1001, "19801212-14:30:00"), "88␀1001␀19801212-14:30:00␀"),
    (
        ReqHistogramData(14, AAPL_OPT, True, "3 days"),
        "88␀14␀0␀AAPL␀OPT␀20260618␀257.5␀C␀100␀SMART␀␀USD␀␀␀1␀1␀3 days␀",
    ),
    (CancelHistogramData(14), "89␀14␀"),
    (HistogramData(14, [HistogramEntry(150.25, 1200.0), HistogramEntry(150.5, 0.5)]), "89␀14␀2␀150.25␀1200␀150.5␀0.5␀"),
    (
        ReqHistoricalTicks(15, AAPL, "20230410 09:30:00 US/Eastern", "", 100, "BID_ASK", 1, True),
        "96␀15␀265598␀AAPL␀STK␀␀0.0␀␀␀SMART␀NASDAQ␀USD␀AAPL␀NMS␀0␀20230410 09:30:00 US/Eastern␀␀100␀BID_ASK␀1␀1␀␀",
    ),
    (
        HistoricalTicks(15, [HistoricalTick(1681133398, 91.36, 0.0), HistoricalTick(1681133400, 91.355, 0.0)], True),
        "96␀15␀2␀1681133398␀0␀91.36␀0␀1681133400␀0␀91.355␀0␀1␀",
    ),
    (
        HistoricalTicksBidAsk(15, [HistoricalTickBidAsk(1681133399, 3, 11.63, 11.83, 2800.0, 100.0)], False),
        "97␀15␀1␀1681133399␀3␀11.63␀11.83␀2800␀100␀0␀",
    ),
    (
        HistoricalTicksLast(15, [HistoricalTickLast(1681133400, 2, 11.63, 24547.0, "ISLAND", " O X")], True),
        "98␀15␀1␀1681133400␀2␀11.63␀24547␀ISLAND␀ O X␀1␀",
    ),
    (
        HistoricalSchedule(
            16,
            "20230414-09:30:00",
            "20230414-16:00:00",
            "US/Eastern",
            [HistoricalSession("20230414-09:30:00", "20230414-16:00:00", "20230414")],
        ),
        "106␀16␀20230414-09:30:00␀20230414-16:00:00␀US/Eastern␀1␀20230414-09:30:00␀20230414-16:00:00␀20230414␀",
    ),
]


@pytest.mark.parametrize("sv", VERSIONS)
@pytest.mark.parametrize(("msg", "text"), TABLE, ids=lambda v: type(v).__name__ if isinstance(v, Message) else "")
def test_byte_table(msg: Message, text: str, sv: int) -> None:
    assert encode_payload(msg, sv) == wire(text)
    assert decode_payload(wire(text), sv, registry(msg)) == msg


def test_table_covers_every_message() -> None:
    assert {type(m) for m, _ in TABLE} == {type(m) for m in SAMPLES}


# --- TWS's alternative forms -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "21␀7␀13␀1␀-1␀-2␀-1␀-1␀-2␀-2␀-2␀-1␀",
        "21␀7␀13␀1␀-1.0␀-2.0␀-1.0␀-1.0␀-2.0␀-2.0␀-2.0␀-1.0␀",
        "21␀7␀13␀1␀-0.5␀␀1.7976931348623157E308␀␀␀␀␀2147483647␀",
    ],
)
def test_option_computation_not_computed_forms(text: str) -> None:
    assert decode_payload(wire(text), 200, SERVER_MESSAGES) == TickOptionComputation(7, 13, 1)


def test_option_computation_negative_greeks_are_values() -> None:
    msg = decode_payload(wire("21␀7␀13␀1␀0.2␀-0.4␀-1.5␀0␀-0.01␀0.1␀-1␀-3␀"), 200, SERVER_MESSAGES)
    assert msg == TickOptionComputation(7, 13, 1, 0.2, -0.4, -1.5, 0.0, -0.01, 0.1, -1.0, -3.0)


def test_options_string_parses_back() -> None:
    msg = decode_payload(wire("84␀2␀P␀A␀a=1;b=;c=x=y;␀"), 200, CLIENT_MESSAGES)
    assert msg == ReqNewsArticle(2, "P", "A", [TagValue("a", "1"), TagValue("b", ""), TagValue("c", "x=y")])


def test_tick_attributes_from_masks() -> None:
    ba = HistoricalTickBidAsk(mask=1)
    assert (ba.ask_past_high, ba.bid_past_low) == (True, False)
    last = HistoricalTickLast(mask=2)
    assert (last.past_limit, last.unreported) == (False, True)


# --- the official client as oracle: requests ------------------------------------------------


def ib_contract(c: Contract) -> IbContract:
    ib = IbContract()
    ib.conId = c.con_id
    ib.symbol = c.symbol
    ib.secType = c.sec_type
    ib.lastTradeDateOrContractMonth = c.last_trade_date_or_contract_month
    ib.strike = c.strike if c.strike is not None else 0.0
    ib.right = c.right
    ib.multiplier = c.multiplier
    ib.exchange = c.exchange
    ib.primaryExchange = c.primary_exchange
    ib.currency = c.currency
    ib.localSymbol = c.local_symbol
    ib.tradingClass = c.trading_class
    ib.includeExpired = c.include_expired
    return ib


def ib_tags(items: list[TagValue]) -> list[IbTagValue]:
    return [IbTagValue(t.tag, t.value) for t in items]


def ib_scan() -> IbScannerSubscription:
    s = IbScannerSubscription()
    s.numberOfRows = 10
    s.instrument = "STK"
    s.locationCode = "STK.US.MAJOR"
    s.scanCode = "TOP_PERC_GAIN"
    s.abovePrice = 5.0
    s.aboveVolume = 100000
    s.marketCapBelow = 1e9
    s.moodyRatingAbove = "A"
    s.couponRateBelow = 2.5
    s.excludeConvertible = True
    s.averageOptionVolumeAbove = 50
    s.scannerSettingPairs = "Annual,true"
    s.stockTypeFilter = "ALL"
    return s


OUR_SCAN = ScannerSubscription(
    number_of_rows=10,
    instrument="STK",
    location_code="STK.US.MAJOR",
    scan_code="TOP_PERC_GAIN",
    above_price=5.0,
    above_volume=100000,
    market_cap_below=1e9,
    moody_rating_above="A",
    coupon_rate_below=2.5,
    exclude_convertible=True,
    average_option_volume_above=50,
    scanner_setting_pairs="Annual,true",
    stock_type_filter="ALL",
)
OPTS = [TagValue("a", "1"), TagValue("b", "2")]

REQUESTS: list[tuple[Callable[[Any], Any], ClientMessage]] = [
    (lambda c: c.reqNewsBulletins(True), ReqNewsBulletins(True)),
    (lambda c: c.reqNewsBulletins(False), ReqNewsBulletins(False)),
    (lambda c: c.cancelNewsBulletins(), CancelNewsBulletins()),
    (lambda c: c.reqSecDefOptParams(3, "AAPL", "", "STK", 265598), ReqSecDefOptParams(3, "AAPL", "", "STK", 265598)),
    (lambda c: c.reqSoftDollarTiers(1001), ReqSoftDollarTiers(1001)),
    (lambda c: c.reqFamilyCodes(), ReqFamilyCodes()),
    (lambda c: c.reqNewsProviders(), ReqNewsProviders()),
    (lambda c: c.reqNewsArticle(2, "BRFG", "BRFG$1", []), ReqNewsArticle(2, "BRFG", "BRFG$1")),
    (lambda c: c.reqNewsArticle(2, "BRFG", "BRFG$1", ib_tags(OPTS)), ReqNewsArticle(2, "BRFG", "BRFG$1", OPTS)),
    (
        lambda c: c.reqHistoricalNews(1, 265598, "BRFG+DJNL", "2026-04-01 00:00:00", "", 10, ib_tags(OPTS)),
        ReqHistoricalNews(1, 265598, "BRFG+DJNL", "2026-04-01 00:00:00", "", 10, OPTS),
    ),
    (
        lambda c: c.reqHeadTimeStamp(1001, ib_contract(AAPL), "TRADES", 1, 2),
        ReqHeadTimestamp(1001, AAPL, 1, "TRADES", 2),
    ),
    (
        lambda c: c.reqHeadTimeStamp(1002, ib_contract(AAPL_OPT), "MIDPOINT", 0, 1),
        ReqHeadTimestamp(1002, AAPL_OPT, 0, "MIDPOINT", 1),
    ),
    (lambda c: c.cancelHeadTimeStamp(1001), CancelHeadTimestamp(1001)),
    (lambda c: c.reqMarketRule(26), ReqMarketRule(26)),
    (lambda c: c.reqUserInfo(1), ReqUserInfo(1)),
    (lambda c: c.reqMktDepthExchanges(), ReqMktDepthExchanges()),
    (lambda c: c.reqSmartComponents(5, "9c0001"), ReqSmartComponents(5, "9c0001")),
    (lambda c: c.queryDisplayGroups(1001), QueryDisplayGroups(1001)),
    (lambda c: c.subscribeToGroupEvents(1002, 4), SubscribeToGroupEvents(1002, 4)),
    (lambda c: c.updateDisplayGroup(1002, "8314@SMART"), UpdateDisplayGroup(1002, "8314@SMART")),
    (lambda c: c.unsubscribeFromGroupEvents(1002), UnsubscribeFromGroupEvents(1002)),
    (lambda c: c.reqScannerParameters(), ReqScannerParameters()),
    (
        lambda c: c.reqScannerSubscription(4, ib_scan(), [IbTagValue("x", "y")], ib_tags(OPTS)),
        ReqScannerSubscription(4, OUR_SCAN, OPTS, [TagValue("x", "y")]),
    ),
    (
        lambda c: c.reqScannerSubscription(4, IbScannerSubscription(), [], []),
        ReqScannerSubscription(4),
    ),
    (lambda c: c.cancelScannerSubscription(4), CancelScannerSubscription(4)),
    (
        lambda c: c.reqHistoricalTicks(
            15, ib_contract(AAPL), "20230410 09:30:00 US/Eastern", "", 100, "BID_ASK", 1, True, ib_tags(OPTS)
        ),
        ReqHistoricalTicks(15, AAPL, "20230410 09:30:00 US/Eastern", "", 100, "BID_ASK", 1, True, OPTS),
    ),
    (
        lambda c: c.reqHistoricalTicks(
            16, ib_contract(AAPL_OPT), "", "20230410 16:00:00", 1000, "TRADES", 0, False, []
        ),
        ReqHistoricalTicks(16, AAPL_OPT, "", "20230410 16:00:00", 1000, "TRADES", 0, False),
    ),
    (
        lambda c: c.reqHistogramData(14, ib_contract(AAPL_OPT), True, "3 days"),
        ReqHistogramData(14, AAPL_OPT, True, "3 days"),
    ),
    (lambda c: c.reqHistogramData(14, ib_contract(AAPL), False, "1 week"), ReqHistogramData(14, AAPL, False, "1 week")),
    (lambda c: c.cancelHistogramData(14), CancelHistogramData(14)),
]


@pytest.mark.parametrize("sv", VERSIONS)
@pytest.mark.parametrize(("call", "msg"), REQUESTS, ids=lambda v: type(v).__name__ if isinstance(v, Message) else "")
def test_requests_match_official_client(call: Callable[[Any], Any], msg: ClientMessage, sv: int) -> None:
    payload = encode_payload(msg, sv)
    assert ibapi_sent(sv, call) == [payload]
    assert decode_payload(payload, sv, CLIENT_MESSAGES) == msg


def test_every_request_has_an_oracle_check() -> None:
    ours = {type(m) for m in SAMPLES if isinstance(m, ClientMessage)}
    assert ours == {type(m) for _, m in REQUESTS}


# --- the official client as oracle: server messages -----------------------------------------


def attrs(obj: Any, *names: str) -> tuple[Any, ...]:
    return tuple(getattr(obj, n) for n in names)


def dec(value: float | None) -> Decimal:
    return Decimal(str(value)).normalize() if value is not None else Decimal(2**127 - 1)


def expect_scanner(msg: ScannerData, rec: Recorder) -> None:
    rows = [args for name, args in rec.calls if name == "scannerData"]
    assert len(rows) == len(msg.data)
    for (req_id, rank, details, *tail), row in zip(rows, msg.data, strict=True):
        c = details.contract
        assert (req_id, rank) == (msg.req_id, row.rank)
        got = attrs(c, "conId", "symbol", "secType", "lastTradeDateOrContractMonth", "strike", "right")
        got += attrs(c, "exchange", "currency", "localSymbol", "tradingClass")
        ours = row.contract
        assert got == (
            ours.con_id,
            ours.symbol,
            ours.sec_type,
            ours.last_trade_date_or_contract_month,
            ours.strike or 0.0,
            ours.right,
            ours.exchange,
            ours.currency,
            ours.local_symbol,
            ours.trading_class,
        )
        assert details.marketName == row.market_name
        assert tuple(tail) == (row.distance, row.benchmark, row.projection, row.legs_str)
    assert rec.calls[-1] == ("scannerDataEnd", (msg.req_id,))


def expected_calls(msg: Message) -> tuple[str, tuple[Any, ...]] | None:
    """The single callback the official client makes for ``msg`` with plain arguments, or None
    where the arguments are objects (checked by ``expected_objects``)."""
    m: Any = msg
    match msg:
        case TickOptionComputation():
            return "tickOptionComputation", attrs(
                m, "req_id", "tick_type", "tick_attrib", "implied_vol", "delta", "opt_price", "pv_dividend"
            ) + attrs(m, "gamma", "vega", "theta", "und_price")
        case TickEfp():
            return "tickEFP", attrs(
                m,
                "req_id",
                "tick_type",
                "basis_points",
                "formatted_basis_points",
                "total_dividends",
                "hold_days",
                "future_last_trade_date",
                "dividend_impact",
                "dividends_to_last_trade_date",
            )
        case DisplayGroupList():
            return "displayGroupList", (m.req_id, m.groups)
        case DisplayGroupUpdated():
            return "displayGroupUpdated", (m.req_id, m.contract_info)
        case SecurityDefinitionOptionParameterEnd():
            return "securityDefinitionOptionParameterEnd", (m.req_id,)
        case UserInfo():
            return "userInfo", (m.req_id, m.white_branding_id)
        case RerouteMktDataReq():
            return "rerouteMktDataReq", (m.req_id, m.con_id, m.exchange)
        case RerouteMktDepthReq():
            return "rerouteMktDepthReq", (m.req_id, m.con_id, m.exchange)
        case NewsBulletins():
            return "updateNewsBulletin", (m.msg_id, m.msg_type, m.news_message, m.origin_exch)
        case NewsArticle():
            return "newsArticle", (m.req_id, m.article_type, m.article_text)
        case HistoricalNews():
            return "historicalNews", (m.req_id, m.time, m.provider_code, m.article_id, m.headline)
        case HistoricalNewsEnd():
            return "historicalNewsEnd", (m.req_id, m.has_more)
        case TickNews():
            return "tickNews", (m.ticker_id, m.time_stamp, m.provider_code, m.article_id, m.headline, m.extra_data)
        case ScannerParameters():
            return "scannerParameters", (m.xml,)
        case HeadTimestamp():
            return "headTimestamp", (m.req_id, m.head_timestamp)
    return None


def expected_objects(msg: Message, name: str, args: tuple[Any, ...]) -> None:
    m: Any = msg
    match msg:
        case SecurityDefinitionOptionParameter():
            assert name == "securityDefinitionOptionParameter"
            head = attrs(m, "req_id", "exchange", "underlying_con_id", "trading_class", "multiplier")
            assert args == (*head, set(m.expirations), set(m.strikes))
        case SoftDollarTiers():
            assert name == "softDollarTiers"
            assert args[0] == m.req_id
            assert [attrs(t, "name", "val", "displayName") for t in args[1]] == [
                (t.name, t.val, t.display_name) for t in m.tiers
            ]
        case FamilyCodes():
            assert name == "familyCodes"
            got = [attrs(f, "accountID", "familyCodeStr") for f in args[0]]
            assert got == [(f.account_id, f.family_code_str) for f in m.family_codes]
        case MarketRule():
            assert name == "marketRule"
            assert args[0] == m.market_rule_id
            got = [attrs(p, "lowEdge", "increment") for p in args[1]]
            assert got == [(p.low_edge, p.increment) for p in m.price_increments]
        case MktDepthExchanges():
            assert name == "mktDepthExchanges"
            got = [attrs(d, "exchange", "secType", "listingExch", "serviceDataType", "aggGroup") for d in args[0]]
            assert got == [
                (d.exchange, d.sec_type, d.listing_exch, d.service_data_type, d.agg_group) for d in m.descriptions
            ]
        case SmartComponents():
            assert name == "smartComponents"
            assert args[0] == m.req_id
            got = [attrs(s, "bitNumber", "exchange", "exchangeLetter") for s in args[1]]
            assert got == [(s.bit_number, s.exchange, s.exchange_letter) for s in m.components]
        case NewsProviders():
            assert name == "newsProviders"
            assert [attrs(p, "code", "name") for p in args[0]] == [(p.code, p.name) for p in m.providers]
        case HistogramData():
            assert name == "histogramData"
            assert args[0] == m.req_id
            assert [(e.price, e.size) for e in args[1]] == [(e.price, dec(e.size)) for e in m.items]
        case HistoricalTicks():
            assert name == "historicalTicks"
            assert (args[0], args[2]) == (m.req_id, m.done)
            assert [attrs(t, "time", "price", "size") for t in args[1]] == [
                (t.time, t.price, dec(t.size)) for t in m.ticks
            ]
        case HistoricalTicksBidAsk():
            assert name == "historicalTicksBidAsk"
            assert (args[0], args[2]) == (m.req_id, m.done)
            got = [
                attrs(t, "time", "priceBid", "priceAsk", "sizeBid", "sizeAsk")
                + attrs(t.tickAttribBidAsk, "askPastHigh", "bidPastLow")
                for t in args[1]
            ]
            assert got == [
                (t.time, t.price_bid, t.price_ask, dec(t.size_bid), dec(t.size_ask), t.ask_past_high, t.bid_past_low)
                for t in m.ticks
            ]
        case HistoricalTicksLast():
            assert name == "historicalTicksLast"
            assert (args[0], args[2]) == (m.req_id, m.done)
            got = [
                attrs(t, "time", "price", "size", "exchange", "specialConditions")
                + attrs(t.tickAttribLast, "pastLimit", "unreported")
                for t in args[1]
            ]
            assert got == [
                (t.time, t.price, dec(t.size), t.exchange, t.special_conditions, t.past_limit, t.unreported)
                for t in m.ticks
            ]
        case HistoricalSchedule():
            assert name == "historicalSchedule"
            assert args[:4] == (m.req_id, m.start_date_time, m.end_date_time, m.time_zone)
            got = [attrs(s, "startDateTime", "endDateTime", "refDate") for s in args[4]]
            assert got == [(s.start_date_time, s.end_date_time, s.ref_date) for s in m.sessions]
        case _:
            raise AssertionError(f"no oracle expectation for {type(msg).__name__}")


SERVER_SAMPLES = [m for m in SAMPLES if not isinstance(m, ClientMessage)] + [
    m for m, _ in TABLE if not isinstance(m, ClientMessage)
]


@pytest.mark.parametrize("sv", VERSIONS)
@pytest.mark.parametrize("msg", SERVER_SAMPLES, ids=lambda m: type(m).__name__)
def test_server_messages_decode_in_official_client(msg: Message, sv: int) -> None:
    d = ibapi_decode(sv, encode_payload(msg, sv))
    assert d.leftover == 0
    if isinstance(msg, ScannerData):
        expect_scanner(msg, d.recorder)
        return
    plain = expected_calls(msg)
    if plain is not None:
        assert d.calls == [plain]
    else:
        assert len(d.calls) == 1, d.calls
        expected_objects(msg, *d.calls[0])


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("75␀3␀CBOE␀", "underlying_con_id"),  # truncated
        ("75␀3␀CBOE␀265598␀AAPL␀100␀2␀20260612␀", "expirations"),  # count beyond the fields left
        ("75␀3␀CBOE␀265598␀AAPL␀100␀0␀1␀x␀", "strikes[0]"),
        ("21␀6␀x␀0␀0.3␀0.5␀2.6␀-1␀0.07␀0.07␀-0.7␀293.23␀", "tick_type"),
        ("21␀6␀53␀0␀0.3␀0.5␀2.6␀-1␀0.07␀0.07␀-0.7␀", "und_price"),
        ("21␀6␀53␀0␀0.3␀0.5␀2.6␀-1␀0.07␀0.07␀-0.7␀293.23␀9␀", "<end>"),  # surplus
        ("88␀1001␀x␀extra␀", "<end>"),
        ("93␀26␀1␀zero␀0.01␀", "low_edge"),
        ("93␀26␀-1␀", "price_increments"),
        ("96␀15␀1␀abc␀0␀91.36␀0␀1␀", "time"),
        ("96␀15␀1␀1681133398␀0␀91.36␀0␀", "done"),
        ("97␀15␀1␀1␀0␀1.0␀1.0␀lots␀100␀0␀", "size_bid"),
        ("20␀3␀1␀1␀0␀888␀B␀STK␀␀zz␀␀SMART␀USD␀B␀NMS␀NMS␀␀␀␀␀", "strike"),
        ("20␀x␀1␀0␀", "_v"),
        ("14␀1␀7␀1␀text␀", "origin_exch"),
        ("87␀1␀yes␀", "has_more"),
        ("106␀16␀a␀b␀tz␀1␀s␀e␀", "ref_date"),
        ("78␀2␀*␀␀", "account_id"),  # the second code is missing
    ],
)
def test_bad_server_input(text: str, field: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode_payload(wire(text), 200, SERVER_MESSAGES)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("87␀1001␀265598␀AAPL␀STK␀␀x␀␀␀SMART␀NASDAQ␀USD␀AAPL␀NMS␀0␀1␀TRADES␀2␀", "strike"),
        ("87␀1001␀265598␀AAPL␀STK␀␀0.0␀␀␀SMART␀NASDAQ␀USD␀AAPL␀NMS␀0␀1␀TRADES␀", "format_date"),
        ("12␀1␀", "all_msgs"),
        ("80␀1␀", "<end>"),
        ("22␀4␀rows␀", "number_of_rows"),
    ],
)
def test_bad_client_input(text: str, field: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode_payload(wire(text), 200, CLIENT_MESSAGES)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("msg", "field"),
    [
        (TickOptionComputation(1, 13, 0, delta=math.nan), "delta"),
        (MarketRule(1, [PriceIncrement(math.nan, 0.01)]), "price_increments"),
        (ReqNewsArticle(1, "P", "A", [TagValue("a", "x\0y")]), "news_article_options"),
        (ReqHistoricalTicks(1, Contract(symbol="A\0B")), "contract"),
        (ScannerData(1, [ScanData(contract=Contract(strike=math.nan))]), "data"),
        (ReqScannerSubscription(1, ScannerSubscription(number_of_rows="10")), "subscription"),  # type: ignore[arg-type]
    ],
)
def test_bad_values_refused_on_encode(msg: Message, field: str) -> None:
    with pytest.raises(EncodeError) as err:
        encode_payload(msg, 200)
    assert err.value.field.startswith(field)
