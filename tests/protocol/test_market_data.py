"""Byte tables, official-client cross-checks and bad input for the live market-data messages
(REQ_MKT_DATA & co., L1 ticks, tick-by-tick, market depth), plus the hot-path shortcuts: the fast
decoders and encoders must agree with the declarative layouts."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ibapi.contract import ComboLeg as IbComboLeg
from ibapi.contract import Contract as IbContract
from ibapi.contract import DeltaNeutralContract as IbDeltaNeutralContract

from ibkr.errors import DecodeError, EncodeError
from ibkr.protocol.fields import UNSET_DOUBLE, UNSET_NUMERIC, encode_layout, format_decimal
from ibkr.protocol.message import (
    CLIENT_MESSAGES,
    FAST_DECODERS,
    SERVER_MESSAGES,
    ClientMessage,
    Message,
    decode_fields_of,
    decode_payload,
    encode_payload,
    split_payload,
)
from ibkr.protocol.messages.depth import (
    CancelMktDepth,
    MarketDepth,
    MarketDepthL2,
    ReqMktDepth,
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
    TickByTick,
    TickByTickBidAsk,
    TickByTickLast,
    TickByTickMidPoint,
    TickByTickNone,
)
from ibkr.protocol.models import ComboLeg, Contract, DeltaNeutralContract, TagValue
from tests.oracle import ibapi_decode, ibapi_sent
from tests.protocol.mutate import mutate
from tests.protocol.samples_market_data import aapl, bag, option

VERSIONS = [176, 178, 187, 200]
C12 = "265598␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀"


def wire(text: str) -> bytes:
    return text.replace("␀", "\0").encode()


def every_version(msg: Message, text: str) -> list[tuple[Message, int, str]]:
    return [(msg, v, text) for v in VERSIONS]


CLIENT_TABLE = [
    *every_version(ReqMktData(1001, aapl(), "233,236"), f"1␀11␀1001␀{C12}0␀233,236␀0␀0␀␀"),
    # captured from a live session (ibkr-go, sv 200): a BAG with two legs, snapshot
    *every_version(
        ReqMktData(
            2002201,
            Contract(
                symbol="AAPL",
                sec_type="BAG",
                exchange="SMART",
                currency="USD",
                combo_legs=[ComboLeg(887307502, 1, "BUY", "SMART"), ComboLeg(887307536, 1, "SELL", "SMART")],
            ),
            snapshot=True,
        ),
        "1␀11␀2002201␀0␀AAPL␀BAG␀␀␀␀␀SMART␀␀USD␀␀␀2␀887307502␀1␀BUY␀SMART␀887307536␀1␀SELL␀SMART␀0␀␀1␀0␀␀",
    ),
    *every_version(
        ReqMktData(7, option(), regulatory_snapshot=True, mkt_data_options=[TagValue("a", "1")]),
        "1␀11␀7␀887307502␀AAPL␀OPT␀20260710␀315.0␀C␀100␀SMART␀␀USD␀␀AAPL␀1␀265598␀0.5␀314.5␀␀0␀1␀a=1;␀",
    ),
    *every_version(CancelMktData(1001), "2␀2␀1001␀"),
    *every_version(ReqMarketDataType(3), "59␀1␀3␀"),
    *every_version(ReqTickByTickData(1004, aapl(), "BidAsk", 10, True), f"97␀1004␀{C12}BidAsk␀10␀1␀"),
    *every_version(CancelTickByTickData(1004), "98␀1004␀"),
    *every_version(ReqMktDepth(1005, aapl(), 5, True), f"10␀5␀1005␀{C12}5␀1␀␀"),
    *every_version(CancelMktDepth(1005, True), "11␀1␀1005␀1␀"),
]

SERVER_TABLE = [
    *every_version(TickPrice(1001, 1, 150.25, 100.0, 3), "1␀6␀1001␀1␀150.25␀100␀3␀"),
    *every_version(TickPrice(1001, 9, -1.0, None, 0), "1␀6␀1001␀9␀-1.0␀␀0␀"),
    *every_version(TickPrice(1001, 68, 0.015, 0.5, 4), "1␀6␀1001␀68␀0.015␀0.5␀4␀"),
    *every_version(TickSize(1001, 0, 100.0), "2␀6␀1001␀0␀100␀"),
    *every_version(TickSize(1001, 8, None), "2␀6␀1001␀8␀␀"),
    # the next three are captured TWS frames (ibkr-go, sv 200)
    *every_version(TickString(1001, 88, "1775174157"), "46␀6␀1001␀88␀1775174157␀"),
    *every_version(TickGeneric(1001, 46, 3.0), "45␀6␀1001␀46␀3.0␀"),
    *every_version(TickReqParams(1001, 0.01, "9c0001", 4), "81␀1001␀0.01␀9c0001␀4␀"),
    *every_version(TickSnapshotEnd(1001), "57␀1␀1001␀"),
    *every_version(MarketDataType(1001, 3), "58␀1␀1001␀3␀"),
    *every_version(
        TickByTickLast(1002, 1, 1700000000, 150.25, 100.0, 2, "NASDAQ", ""),
        "99␀1002␀1␀1700000000␀150.25␀100␀2␀NASDAQ␀␀",
    ),
    *every_version(
        TickByTickLast(1002, 2, 1700000000, 150.5, 0.25, 0, "IEX", "T I"),
        "99␀1002␀2␀1700000000␀150.5␀0.25␀0␀IEX␀T I␀",
    ),
    # captured (nautilus_trader, sv 176)
    *every_version(
        TickByTickBidAsk(10002, 3, 1701652523, 1.08733, 1.08735, 250000.0, 1500000.0, 0),
        "99␀10002␀3␀1701652523␀1.08733␀1.08735␀250000␀1500000␀0␀",
    ),
    *every_version(TickByTickMidPoint(1002, 4, 1700000000, 150.25), "99␀1002␀4␀1700000000␀150.25␀"),
    *every_version(TickByTickNone(1002, 0, 1700000000), "99␀1002␀0␀1700000000␀"),
    *every_version(MarketDepth(1003, 0, 0, 1, 150.2, 100.0), "12␀1␀1003␀0␀0␀1␀150.2␀100␀"),
    *every_version(MarketDepth(1003, 4, 2, 0, 0.0, None), "12␀1␀1003␀4␀2␀0␀0.0␀␀"),
    # captured (rust-ibapi, sv 165; the layout is the same from SV.SMART_DEPTH on)
    *every_version(
        MarketDepthL2(9000, 0, "OVERNIGHT", 0, 1, 235.84, 300.0, True), "13␀1␀9000␀0␀OVERNIGHT␀0␀1␀235.84␀300␀1␀"
    ),
]


def registry_for(msg: Message) -> dict[int, Any]:
    return CLIENT_MESSAGES if isinstance(msg, ClientMessage) else SERVER_MESSAGES  # type: ignore[return-value]


@pytest.mark.parametrize(("msg", "sv", "text"), CLIENT_TABLE + SERVER_TABLE)
def test_byte_table(msg: Message, sv: int, text: str) -> None:
    assert encode_payload(msg, sv) == wire(text)
    assert decode_payload(wire(text), sv, registry_for(msg)) == msg
    if not isinstance(msg, ClientMessage):
        assert decode_payload(wire(text), sv, SERVER_MESSAGES, FAST_DECODERS) == msg
        fast = FAST_DECODERS.get(msg.ID)
        if fast is not None:  # a hot message: the shortcut itself takes what TWS sends
            assert fast(split_payload(wire(text)), sv) == msg


@pytest.mark.parametrize("sv", VERSIONS)
def test_decode_accepts_other_peers_forms(sv: int) -> None:
    # ibkr-go writes the strike as "315"; TWS writes the unset size as the Java sentinel
    text = "1␀11␀2002401␀887307502␀AAPL␀OPT␀20260710␀315␀C␀100␀SMART␀␀USD␀␀AAPL␀1␀265598␀0.5␀314.5␀␀1␀0␀␀"
    msg = decode_payload(wire(text), sv, CLIENT_MESSAGES)
    assert isinstance(msg, ReqMktData)
    assert msg.contract.strike == 315.0 and msg.snapshot
    assert msg.contract.delta_neutral_contract == DeltaNeutralContract(265598, 0.5, 314.5)
    for unset in ("", "2147483647", "9223372036854775807", "1.7976931348623157E308"):
        payload = wire(f"2␀6␀1␀0␀{unset}␀")
        assert decode_payload(payload, sv, SERVER_MESSAGES, FAST_DECODERS) == TickSize(1, 0, None)
    payload = wire("1␀5␀1␀1␀Infinity␀3000000000␀1␀")  # another version, a size beyond 2**31, +inf
    assert decode_payload(payload, sv, SERVER_MESSAGES, FAST_DECODERS) == TickPrice(1, 1, math.inf, 3e9, 1)
    # TICK_STRING's shortcut gives way to the layout: invalid UTF-8 (replaced), an empty id (0),
    # another version, a tick type beyond the cached ones
    odd = b"46\x006\x001\x0045\x00\xff1\x00"
    assert decode_payload(odd, sv, SERVER_MESSAGES, FAST_DECODERS) == TickString(1, 45, "\ufffd1")
    for text, msg in (
        ("46␀6␀␀45␀x␀", TickString(0, 45, "x")),
        ("46␀5␀7␀45␀x␀", TickString(7, 45, "x")),
        ("46␀6␀7␀99999␀␀", TickString(7, 99999, "")),
    ):
        assert decode_payload(wire(text), sv, SERVER_MESSAGES, FAST_DECODERS) == msg


def test_attribute_masks() -> None:
    tick = TickPrice(attr_mask=5)
    assert (tick.can_auto_execute, tick.past_limit, tick.pre_open) == (True, False, True)
    last = TickByTickLast(attr_mask=2)
    assert (last.past_limit, last.unreported) == (False, True)
    bid_ask = TickByTickBidAsk(attr_mask=1)
    assert (bid_ask.bid_past_low, bid_ask.ask_past_high) == (True, False)


# --- the official client -------------------------------------------------------------------------


def ib_contract(c: Contract) -> IbContract:
    ic = IbContract()
    ic.conId, ic.symbol, ic.secType = c.con_id, c.symbol, c.sec_type
    ic.lastTradeDateOrContractMonth = c.last_trade_date_or_contract_month
    ic.strike = UNSET_DOUBLE if c.strike is None else c.strike
    ic.right, ic.multiplier, ic.exchange = c.right, c.multiplier, c.exchange
    ic.primaryExchange, ic.currency, ic.localSymbol = c.primary_exchange, c.currency, c.local_symbol
    ic.tradingClass, ic.includeExpired = c.trading_class, c.include_expired
    for leg in c.combo_legs:
        il = IbComboLeg()
        il.conId, il.ratio, il.action, il.exchange = leg.con_id, leg.ratio, leg.action, leg.exchange
        ic.comboLegs.append(il)
    if c.delta_neutral_contract is not None:
        dn = IbDeltaNeutralContract()
        dn.conId = c.delta_neutral_contract.con_id
        dn.delta = c.delta_neutral_contract.delta
        dn.price = c.delta_neutral_contract.price
        ic.deltaNeutralContract = dn
    return ic


@pytest.mark.parametrize("sv", VERSIONS)
@pytest.mark.parametrize("contract", [aapl(), option(), bag()], ids=["stk", "opt-dn", "bag"])
def test_requests_match_official_client(sv: int, contract: Contract) -> None:
    ic = ib_contract(contract)
    cases: list[tuple[Any, Message]] = [
        (lambda c: c.reqMktData(1001, ic, "233,236", False, False, []), ReqMktData(1001, contract, "233,236")),
        (lambda c: c.reqMktData(1002, ic, "", True, True, []), ReqMktData(1002, contract, "", True, True)),
        (lambda c: c.cancelMktData(1001), CancelMktData(1001)),
        (lambda c: c.reqMarketDataType(4), ReqMarketDataType(4)),
        (
            lambda c: c.reqTickByTickData(1004, ic, "AllLast", 0, False),
            ReqTickByTickData(1004, contract, "AllLast", 0, False),
        ),
        (
            lambda c: c.reqTickByTickData(1004, ic, "BidAsk", 10, True),
            ReqTickByTickData(1004, contract, "BidAsk", 10, True),
        ),
        (lambda c: c.cancelTickByTickData(1004), CancelTickByTickData(1004)),
        (lambda c: c.reqMktDepth(1005, ic, 5, True, []), ReqMktDepth(1005, contract, 5, True)),
        (lambda c: c.reqMktDepth(1006, ic, 10, False, []), ReqMktDepth(1006, contract, 10, False)),
        (lambda c: c.cancelMktDepth(1005, True), CancelMktDepth(1005, True)),
        (lambda c: c.cancelMktDepth(1006, False), CancelMktDepth(1006, False)),
    ]
    for call, ours in cases:
        assert ibapi_sent(sv, call) == [encode_payload(ours, sv)], ours


def plain(value: Any) -> Any:
    """ibapi's attribute objects (TickAttrib, BarData...) as dicts, so they compare by value."""
    return vars(value) if hasattr(value, "__dict__") else value


def calls(sv: int, msg: Message) -> list[tuple[str, tuple[Any, ...]]]:
    decoded = ibapi_decode(sv, encode_payload(msg, sv))
    assert decoded.leftover == 0
    return [(name, tuple(plain(a) for a in args)) for name, args in decoded.calls]


def tick_attrib(auto: bool, past: bool, pre: bool) -> dict[str, bool]:
    return {"canAutoExecute": auto, "pastLimit": past, "preOpen": pre}


@pytest.mark.parametrize("sv", VERSIONS)
def test_server_messages_decode_in_official_client(sv: int) -> None:
    assert calls(sv, TickPrice(1001, 1, 150.25, 100.0, 3)) == [
        ("tickPrice", (1001, 1, 150.25, tick_attrib(True, True, False))),
        ("tickSize", (1001, 0, Decimal(100))),
    ]
    assert calls(sv, TickPrice(1001, 67, 150.5, 0.5, 4)) == [
        ("tickPrice", (1001, 67, 150.5, tick_attrib(False, False, True))),
        ("tickSize", (1001, 70, Decimal("0.5"))),
    ]
    assert calls(sv, TickPrice(1001, 9, 149.0, None, 0)) == [
        ("tickPrice", (1001, 9, 149.0, tick_attrib(False, False, False)))
    ]
    assert calls(sv, TickSize(1001, 8, 123456.0)) == [("tickSize", (1001, 8, Decimal(123456)))]
    assert calls(sv, TickString(1001, 45, "1700000000")) == [("tickString", (1001, 45, "1700000000"))]
    assert calls(sv, TickGeneric(1001, 49, 1.0)) == [("tickGeneric", (1001, 49, 1.0))]
    assert calls(sv, TickReqParams(1001, 0.01, "9c0001", 3)) == [("tickReqParams", (1001, 0.01, "9c0001", 3))]
    assert calls(sv, TickSnapshotEnd(1001)) == [("tickSnapshotEnd", (1001,))]
    assert calls(sv, MarketDataType(1001, 2)) == [("marketDataType", (1001, 2))]
    assert calls(sv, TickByTickLast(1002, 2, 1700000000, 150.25, 100.0, 3, "NASDAQ", "T")) == [
        (
            "tickByTickAllLast",
            (1002, 2, 1700000000, 150.25, Decimal(100), {"pastLimit": True, "unreported": True}, "NASDAQ", "T"),
        )
    ]
    assert calls(sv, TickByTickBidAsk(1002, 3, 1700000000, 150.2, 150.3, 100.0, 200.0, 2)) == [
        (
            "tickByTickBidAsk",
            (1002, 1700000000, 150.2, 150.3, Decimal(100), Decimal(200), {"bidPastLow": False, "askPastHigh": True}),
        )
    ]
    assert calls(sv, TickByTickMidPoint(1002, 4, 1700000000, 150.25)) == [
        ("tickByTickMidPoint", (1002, 1700000000, 150.25))
    ]
    # the official decoder reads type 0 completely and makes no callback
    assert calls(sv, TickByTickNone(1002, 0, 1700000000)) == []
    assert calls(sv, MarketDepth(1003, 1, 1, 0, 150.3, 300.0)) == [
        ("updateMktDepth", (1003, 1, 1, 0, 150.3, Decimal(300)))
    ]
    assert calls(sv, MarketDepthL2(1003, 0, "NSDQ", 0, 1, 150.2, 0.5, True)) == [
        ("updateMktDepthL2", (1003, 0, "NSDQ", 0, 1, 150.2, Decimal("0.5"), True))
    ]


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("1␀6␀1001␀1␀150.25␀100␀", "attr_mask"),  # truncated
        ("1␀6␀1001␀1␀abc␀100␀3␀", "price"),
        ("1␀x␀1001␀1␀150.25␀100␀3␀", "_v"),
        ("1␀6␀1001␀1␀150.25␀100␀3␀9␀", "<end>"),  # surplus
        ("2␀6␀1001␀0␀nan␀", "size"),
        ("2␀6␀1001␀0␀1e␀", "size"),
        ("2␀6␀1001␀zero␀100␀", "tick_type"),
        ("99␀1002␀7␀1700000000␀", "tick_type"),  # unknown tick-by-tick type
        ("99␀1002␀3␀1700000000␀150.2␀150.3␀100␀200␀", "attr_mask"),
        ("99␀1002␀4␀1700000000␀150.25␀1␀", "<end>"),
        ("99␀1002␀1␀17:00␀150.25␀100␀0␀NASDAQ␀␀", "time"),
        ("99␀1002␀", "tick_type"),
        ("12␀1␀1003␀0␀0␀1␀150.2␀", "size"),
        ("13␀1␀1003␀0␀NSDQ␀0␀1␀150.2␀100␀yes␀", "is_smart_depth"),
        ("13␀1␀1003␀0␀NSDQ␀0␀1␀150.2␀100␀", "is_smart_depth"),
    ],
)
@pytest.mark.parametrize("sv", [176, 200])
def test_bad_server_input_names_the_field(text: str, field: str, sv: int) -> None:
    with pytest.raises(DecodeError) as err:
        decode_payload(wire(text), sv, SERVER_MESSAGES, FAST_DECODERS)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (f"1␀11␀1␀{C12}0␀233␀0␀0␀", "mkt_data_options"),  # truncated
        (f"1␀11␀1␀{C12}0␀233␀0␀0␀a;␀", "mkt_data_options"),  # not tag=value
        ("1␀11␀1␀0␀X␀BAG␀␀␀␀␀SMART␀␀USD␀␀␀2␀5␀1␀BUY␀SMART␀6␀x␀SELL␀SMART␀0␀␀0␀0␀␀", "ratio"),
        ("1␀11␀1␀0␀X␀BAG␀␀␀␀␀SMART␀␀USD␀␀␀9␀5␀1␀BUY␀SMART␀", "contract.combo_legs"),
        (f"1␀11␀1␀{C12}1␀5␀half␀1.0␀␀0␀0␀␀", "delta"),
        (f"97␀1␀{C12}BidAsk␀10␀", "ignore_size"),
        (f"10␀5␀1␀{C12}5␀1␀␀␀", "<end>"),
    ],
)
def test_bad_client_input_names_the_field(text: str, field: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode_payload(wire(text), 187, CLIENT_MESSAGES)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("msg", "field"),
    [
        (TickPrice(1, 1, math.nan, 1.0, 0), "price"),
        (TickPrice("1", 1, 1.0, 1.0, 0), "req_id"),  # type: ignore[arg-type]
        (TickSize(1, 0, math.inf), "size"),
        (TickByTickBidAsk(1, 4, 0), "tick_type"),
        (TickByTickLast(1, 3, 0), "tick_type"),
        (TickByTick(1, 0, 0), "tick_type"),  # the base class is no tick type: use a subclass
        (TickByTickLast(1, 1, 0, exchange="A\0B"), "exchange"),
        (MarketDepthL2(1, 0, None, 0, 0, 1.0, 1.0), "market_maker"),  # type: ignore[arg-type]
        (ReqMktData(1, aapl(), mkt_data_options=[TagValue("a;b", "1")]), "mkt_data_options"),
        (ReqMktData(1, Contract(sec_type="BAG", combo_legs=[ComboLeg(action=None)])), "contract.combo_legs"),  # type: ignore[arg-type]
        (ReqMktData(1, Contract(delta_neutral_contract=DeltaNeutralContract(1, math.nan))), "delta"),
    ],
)
def test_bad_values_are_encode_errors(msg: Message, field: str) -> None:
    with pytest.raises(EncodeError) as err:
        encode_payload(msg, 200)
    assert err.value.field.startswith(field) or err.value.field.endswith(field)


# --- the hot-path shortcuts agree with the layouts -----------------------------------------------

ints = st.integers(min_value=-(2**40), max_value=2**40) | st.integers(min_value=-1, max_value=5000)
floats = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**6), 10**6).map(lambda i: i / 100)
# a size whose text is an unset sentinel (2147483647, ...) reads back as None, in ibapi too
sizes = st.none() | (floats | st.integers(0, 10**7).map(float)).filter(
    lambda x: format_decimal(float(x)).encode() not in UNSET_NUMERIC
)
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=8)


def hot_messages() -> st.SearchStrategy[Message]:
    return st.one_of(
        st.builds(TickPrice, ints, ints, floats, sizes, st.integers(0, 7)),
        st.builds(TickSize, ints, ints, sizes),
        st.builds(TickString, ints, ints, texts | st.sampled_from(["1700000000", "", "150.25;100;1700000000123;1;1"])),
        st.builds(TickByTickLast, ints, st.sampled_from([1, 2]), ints, floats, sizes, st.integers(0, 3), texts, texts),
        st.builds(TickByTickBidAsk, ints, st.just(3), ints, floats, floats, sizes, sizes, st.integers(0, 3)),
        st.builds(TickByTickMidPoint, ints, st.just(4), ints, floats),
        st.builds(TickByTickNone, ints, st.just(0), ints),
        st.builds(MarketDepth, ints, ints, ints, ints, floats, sizes),
        st.builds(MarketDepthL2, ints, ints, texts, ints, ints, floats, sizes, st.booleans()),
    )


def fast_and_generic(fields: list[bytes], sv: int) -> tuple[object, object]:
    """What the fast decoder and the generic decoder make of ``fields`` (an exception as its type)."""
    msg_id = int(fields[0])
    try:
        fast: object = FAST_DECODERS[msg_id](fields, sv)
    except Exception as exc:  # noqa: BLE001 - any failure just means "use the generic decoder"
        fast = type(exc)
    try:
        generic: object = decode_fields_of(SERVER_MESSAGES[msg_id], fields, sv)
    except DecodeError:
        generic = DecodeError
    return fast, generic


@settings(max_examples=300, deadline=None)
@given(msg=hot_messages(), sv=st.sampled_from(VERSIONS))
def test_fast_decoder_agrees_with_generic_on_valid_payloads(msg: Message, sv: int) -> None:
    payload = encode_payload(msg, sv)
    fast, generic = fast_and_generic(split_payload(payload), sv)
    assert generic == msg
    assert fast == msg or (isinstance(fast, type) and issubclass(fast, Exception))
    assert decode_payload(payload, sv, SERVER_MESSAGES, FAST_DECODERS) == msg


#: field values that trip up converters: unset sentinels, non-canonical numbers, junk
ODD_FIELDS = [
    b"", b"0", b"-0", b"01", b" 5", b"+5", b"1_0", b"4096", b"-1", b"2147483647", b"9223372036854775807",
    b"-9223372036854775808", b"1.7976931348623157E308", b"1.7976931348623157e+308", b"nan", b"inf", b"-inf",
    b"Infinity", b"Infinite", b"1e3", b"1.5", b"x", b"\xff", b"9" * 30, b"3", b"6", b"1",
]  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(
    msg=hot_messages(),
    sv=st.sampled_from(VERSIONS),
    edits=st.lists(st.tuples(st.integers(0, 12), st.sampled_from(ODD_FIELDS), st.sampled_from("sid")), max_size=3),
)
def test_fast_decoder_never_disagrees_on_odd_payloads(
    msg: Message, sv: int, edits: list[tuple[int, bytes, str]]
) -> None:
    fields = split_payload(encode_payload(msg, sv))
    mutate(fields, edits)
    fast, generic = fast_and_generic(fields, sv)
    if isinstance(fast, Message):
        assert repr(fast) == repr(generic)  # repr: NaN prices compare unequal otherwise
    else:
        assert issubclass(fast, Exception)  # type: ignore[arg-type]
    payload = b"\0".join([*fields, b""])
    try:
        got = decode_payload(payload, sv, SERVER_MESSAGES, FAST_DECODERS)
    except DecodeError:
        assert generic is DecodeError
    else:
        assert repr(got) == repr(generic)


weird_floats = st.floats() | st.integers(-(10**20), 10**20) | st.booleans() | st.just("1.5")
weird_ints = ints | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | st.just("7")
weird_sizes = st.none() | weird_floats


@settings(max_examples=500, deadline=None)
@given(
    msg=st.one_of(
        st.builds(TickPrice, weird_ints, weird_ints, weird_floats, weird_sizes, weird_ints),
        st.builds(TickSize, weird_ints, weird_ints, weird_sizes),
        st.builds(TickByTickLast, weird_ints, st.sampled_from([1, 2]), weird_ints, weird_floats, weird_sizes,
                  weird_ints, st.text(max_size=3), st.text(max_size=3)),
        st.builds(TickByTickBidAsk, weird_ints, st.just(3), weird_ints, weird_floats, weird_floats, weird_sizes,
                  weird_sizes, weird_ints),
        st.builds(TickByTickMidPoint, weird_ints, st.just(4), weird_ints, weird_floats),
        st.builds(TickByTickNone, weird_ints, st.just(0), weird_ints),
        st.builds(MarketDepth, weird_ints, weird_ints, weird_ints, weird_ints, weird_floats, weird_sizes),
        st.builds(MarketDepthL2, weird_ints, weird_ints, st.text(max_size=3) | st.none(), weird_ints, weird_ints,
                  weird_floats, weird_sizes, st.booleans() | st.integers(0, 2)),
    ),
    sv=st.sampled_from(VERSIONS),
)  # fmt: skip
def test_fast_encoder_writes_exactly_the_layout(msg: Message, sv: int) -> None:
    def run(encode: Any) -> object:
        out: list[str] = []
        try:
            encode(msg, sv, out)
        except EncodeError:
            return EncodeError
        return "\0".join(out)

    assert run(type(msg).encode_fields) == run(lambda m, v, o: encode_layout(m, m.LAYOUT, v, o))
