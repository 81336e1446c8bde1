"""Byte tables, official-client cross-checks and bad input for historical and real-time bars."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from ibapi.tag_value import TagValue as IbTagValue

from ibkr.errors import DecodeError, VersionError
from ibkr.protocol.message import (
    CLIENT_MESSAGES,
    SERVER_MESSAGES,
    ClientMessage,
    Message,
    decode_payload,
    encode_payload,
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
from ibkr.protocol.models import Contract, TagValue
from tests.oracle import ibapi_decode, ibapi_sent
from tests.protocol.samples_market_data import aapl, bag, option
from tests.protocol.test_market_data import C12, ib_contract, plain, wire

VERSIONS = [176, 178, 187, 200]
BAG12 = "0␀AAPL␀BAG␀␀␀␀␀SMART␀␀USD␀␀␀"
LEGS = "2␀887307502␀1␀BUY␀SMART␀887307536␀2␀SELL␀SMART␀"

BAR1 = Bar("20230413", 182.94, 186.5, 180.94, 185.9, 948837.22, 184.869, 324891)
BAR2 = Bar("20230414", 183.88, 186.28, 182.01, 185.0, 810998.27, None, 277547)
BARS_TEXT = (
    "20230413␀182.94␀186.5␀180.94␀185.9␀948837.22␀184.869␀324891␀20230414␀183.88␀186.28␀182.01␀185.0␀810998.27␀␀277547␀"
)
START, END = "20230413  16:31:22", "20230415  16:31:22"


def every_version(msg: Message, text: str, versions: list[int] = VERSIONS) -> list[tuple[Message, int, str]]:
    return [(msg, v, text) for v in versions]


TABLE = [
    *every_version(
        ReqHistoricalData(1007, aapl(), "20250101 16:00:00 US/Eastern", "1 D", "5 mins", "TRADES", True, 1),
        f"20␀1007␀{C12}0␀20250101 16:00:00 US/Eastern␀5 mins␀1 D␀1␀TRADES␀1␀0␀␀",
    ),
    *every_version(
        ReqHistoricalData(
            1008,
            bag(),
            "",
            "3600 S",
            "1 min",
            "MIDPOINT",
            False,
            2,
            keep_up_to_date=True,
            chart_options=[TagValue("a", "1"), TagValue("b", "2")],
        ),
        f"20␀1008␀{BAG12}0␀␀1 min␀3600 S␀0␀MIDPOINT␀2␀{LEGS}1␀a=1;b=2;␀",
    ),
    *every_version(
        ReqHistoricalData(9, Contract(symbol="ES", sec_type="FUT", exchange="CME", include_expired=True)),
        "20␀9␀0␀ES␀FUT␀␀␀␀␀CME␀␀␀␀␀1␀␀␀␀0␀␀1␀0␀␀",
    ),
    *every_version(CancelHistoricalData(1007), "25␀1␀1007␀"),
    *every_version(ReqRealTimeBars(1009, aapl(), 5, "TRADES", True), f"50␀3␀1009␀{C12}5␀TRADES␀1␀␀"),
    *every_version(
        ReqRealTimeBars(1009, aapl(), 5, "MIDPOINT", False, [TagValue("k", "v")]), f"50␀3␀1009␀{C12}5␀MIDPOINT␀0␀k=v;␀"
    ),
    *every_version(CancelRealTimeBars(1009), "51␀1␀1009␀"),
    # before SV.HISTORICAL_DATA_END the start/end strings lead the bars (a captured sv 165 frame,
    # with the prices in Python's float form)
    *every_version(
        HistoricalData(9000, START, END, [BAR1, BAR2]), f"17␀9000␀{START}␀{END}␀2␀{BARS_TEXT}", [176, 178, 187, 195]
    ),
    *every_version(HistoricalData(9000, bars=[BAR1, BAR2]), f"17␀9000␀2␀{BARS_TEXT}", [196, 200]),
    *every_version(HistoricalData(9001, "a", "b", []), "17␀9001␀a␀b␀0␀", [176, 195]),
    *every_version(HistoricalDataEnd(9000, START, END), f"108␀9000␀{START}␀{END}␀", [196, 200]),
    *every_version(
        HistoricalDataUpdate(1007, Bar("20250102 09:40:00 US/Eastern", 151.0, 151.5, 150.8, 151.2, 900.0, 151.1, 30)),
        "90␀1007␀30␀20250102 09:40:00 US/Eastern␀151.0␀151.2␀151.5␀150.8␀151.1␀900␀",
    ),
    *every_version(
        RealTimeBars(1009, 1700000000, 150.0, 150.5, 149.9, 150.2, 300.0, 150.1, 12),
        "50␀3␀1009␀1700000000␀150.0␀150.5␀149.9␀150.2␀300␀150.1␀12␀",
    ),
]


@pytest.mark.parametrize(("msg", "sv", "text"), TABLE)
def test_byte_table(msg: Message, sv: int, text: str) -> None:
    assert encode_payload(msg, sv) == wire(text)
    registry: dict[int, Any] = CLIENT_MESSAGES if isinstance(msg, ClientMessage) else SERVER_MESSAGES  # type: ignore[assignment]
    assert decode_payload(wire(text), sv, registry) == msg


def test_start_and_end_move_to_historical_data_end_at_196() -> None:
    msg = HistoricalData(1, "s", "e", [BAR1])
    assert encode_payload(msg, 196) == encode_payload(HistoricalData(1, bars=[BAR1]), 196)
    with pytest.raises(VersionError) as err:
        encode_payload(HistoricalDataEnd(1, "s", "e"), 195)
    assert err.value.required == 196
    with pytest.raises(DecodeError):
        decode_payload(wire("108␀1␀s␀e␀"), 195, SERVER_MESSAGES)


def test_captured_bar_forms_decode() -> None:
    # rust-ibapi's capture (sv 165, same layout up to 195) writes prices as "182.9400"
    text = (
        "17␀9000␀20230413  16:31:22␀20230415  16:31:22␀2␀20230413␀182.9400␀186.5000␀180.9400␀185.9000␀948837.22␀"
        "184.869␀324891␀20230414␀183.8800␀186.2800␀182.0100␀185.0000␀810998.27␀183.9865␀277547␀"
    )
    msg = decode_payload(wire(text), 176, SERVER_MESSAGES)
    assert isinstance(msg, HistoricalData)
    assert msg.bars[0] == BAR1
    assert msg.bars[1].wap == 183.9865 and msg.bars[1].volume == 810998.27


# --- the official client -------------------------------------------------------------------------


@pytest.mark.parametrize("sv", VERSIONS)
@pytest.mark.parametrize("contract", [aapl(), option(), bag()], ids=["stk", "opt", "bag"])
def test_requests_match_official_client(sv: int, contract: Contract) -> None:
    ic = ib_contract(contract)
    options = [IbTagValue("a", "1"), IbTagValue("b", "2")]
    cases: list[tuple[Any, Message]] = [
        (
            lambda c: c.reqHistoricalData(
                1007, ic, "20250101 16:00:00 US/Eastern", "1 D", "5 mins", "TRADES", 1, 1, False, []
            ),
            ReqHistoricalData(1007, contract, "20250101 16:00:00 US/Eastern", "1 D", "5 mins", "TRADES", True, 1),
        ),
        (
            lambda c: c.reqHistoricalData(1008, ic, "", "2 W", "1 hour", "BID_ASK", 0, 2, True, options),
            ReqHistoricalData(
                1008, contract, "", "2 W", "1 hour", "BID_ASK", False, 2, True, [TagValue("a", "1"), TagValue("b", "2")]
            ),
        ),
        (lambda c: c.cancelHistoricalData(1007), CancelHistoricalData(1007)),
        (
            lambda c: c.reqRealTimeBars(1009, ic, 5, "TRADES", True, []),
            ReqRealTimeBars(1009, contract, 5, "TRADES", True),
        ),
        (
            lambda c: c.reqRealTimeBars(1010, ic, 5, "ASK", False, options),
            ReqRealTimeBars(1010, contract, 5, "ASK", False, [TagValue("a", "1"), TagValue("b", "2")]),
        ),
        (lambda c: c.cancelRealTimeBars(1009), CancelRealTimeBars(1009)),
    ]
    for call, ours in cases:
        assert ibapi_sent(sv, call) == [encode_payload(ours, sv)], ours


def bar_data(bar: Bar) -> dict[str, Any]:
    return {
        "date": bar.date,
        "open": bar.open,
        "high": bar.high,
        "low": bar.low,
        "close": bar.close,
        "volume": Decimal(repr(bar.volume)),
        "wap": Decimal(repr(bar.wap)),
        "barCount": bar.bar_count,
    }


def calls(sv: int, msg: Message) -> list[tuple[str, tuple[Any, ...]]]:
    decoded = ibapi_decode(sv, encode_payload(msg, sv))
    assert decoded.leftover == 0
    return [(name, tuple(plain(a) for a in args)) for name, args in decoded.calls]


@pytest.mark.parametrize("sv", [176, 178, 187, 195, 196, 200])
def test_server_messages_decode_in_official_client(sv: int) -> None:
    bar1 = Bar("20230413", 182.94, 186.5, 180.94, 185.9, 948837.22, 184.869, 324891)
    bar2 = Bar("1700000000", 1.5, 2.5, 1.25, 2.0, 3.0, 1.75, 2)
    got = calls(sv, HistoricalData(9000, START, END, [bar1, bar2]))
    expected = [("historicalData", (9000, bar_data(bar1))), ("historicalData", (9000, bar_data(bar2)))]
    if sv < 196:  # the official client reports the end itself
        expected.append(("historicalDataEnd", (9000, START, END)))
    assert got == expected
    if sv >= 196:
        assert calls(sv, HistoricalDataEnd(9000, START, END)) == [("historicalDataEnd", (9000, START, END))]
    assert calls(sv, HistoricalDataUpdate(1007, bar2)) == [("historicalDataUpdate", (1007, bar_data(bar2)))]
    assert calls(sv, RealTimeBars(1009, 1700000000, 150.0, 150.5, 149.9, 150.2, 300.0, 150.1, 12)) == [
        ("realtimeBar", (1009, 1700000000, 150.0, 150.5, 149.9, 150.2, Decimal(300), Decimal("150.1"), 12))
    ]


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sv", "field"),
    [
        ("17␀1␀5␀", 200, "bars"),  # more bars announced than fields present
        ("17␀1␀-1␀", 200, "bars"),
        ("17␀1␀s␀e␀1␀d␀1.0␀2.0␀3.0␀4.0␀5␀6.0␀", 187, "bar_count"),  # truncated bar
        ("17␀1␀1␀d␀1.0␀2.0␀x␀4.0␀5␀6.0␀7␀", 200, "low"),
        ("17␀1␀0␀extra␀", 200, "<end>"),
        ("90␀1␀3␀d␀1.0␀2.0␀3.0␀4.0␀5.0␀nan␀", 200, "volume"),
        ("50␀3␀1␀17:00␀1.0␀2.0␀3.0␀4.0␀5␀6.0␀7␀", 200, "time"),
        ("108␀1␀s␀", 200, "end_date_str"),
    ],
)
def test_bad_server_input_names_the_field(text: str, sv: int, field: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode_payload(wire(text), sv, SERVER_MESSAGES)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (f"20␀1␀{C12}0␀␀5 mins␀1 D␀1␀TRADES␀1␀0␀", "chart_options"),
        (f"20␀1␀{C12}0␀␀5 mins␀1 D␀1␀TRADES␀one␀0␀␀", "format_date"),
        (f"20␀1␀{BAG12}0␀␀5 mins␀1 D␀1␀TRADES␀1␀9␀1␀1␀BUY␀X␀0␀␀", "contract.combo_legs"),
        (f"50␀3␀1␀{C12}5␀TRADES␀1␀␀x␀", "<end>"),
        (f"50␀3␀1␀{C12}5␀TRADES␀1␀novalue;␀", "real_time_bars_options"),
    ],
)
def test_bad_client_input_names_the_field(text: str, field: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode_payload(wire(text), 187, CLIENT_MESSAGES)
    assert err.value.field == field
