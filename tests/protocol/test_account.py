"""Byte tables, oracle checks, real captures and bad input for the account messages (positions,
account values and summary, portfolio, PnL, *_MULTI)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ibapi.const import UNSET_DOUBLE
from ibapi.contract import Contract as IbContract

from ibkr.errors import DecodeError
from ibkr.protocol.message import (
    CLIENT_MESSAGES,
    SERVER_MESSAGES,
    ClientMessage,
    Message,
    decode_payload,
    encode_payload,
)
from ibkr.protocol.messages.account import (
    AccountSummary,
    AccountSummaryEnd,
    AccountUpdateMulti,
    AccountUpdateMultiEnd,
    AcctDownloadEnd,
    AcctUpdateTime,
    AcctValue,
    CancelAccountSummary,
    CancelAccountUpdatesMulti,
    CancelPnl,
    CancelPnlSingle,
    CancelPositions,
    CancelPositionsMulti,
    Pnl,
    PnlSingle,
    PortfolioValue,
    PositionData,
    PositionEnd,
    PositionMulti,
    PositionMultiEnd,
    ReqAccountSummary,
    ReqAccountUpdatesMulti,
    ReqAcctData,
    ReqPnl,
    ReqPnlSingle,
    ReqPositions,
    ReqPositionsMulti,
)
from ibkr.protocol.models import Contract
from tests.captures import all_captured
from tests.oracle import ibapi_decode, ibapi_sent
from tests.protocol.samples_account import AAPL_PORTFOLIO, ES_OPTION

VERSIONS = [176, 178, 187, 200]


def wire(text: str) -> bytes:
    return text.replace("␀", "\0").encode()


TSLA = Contract(
    con_id=76792991,
    symbol="TSLA",
    sec_type="STK",
    strike=0.0,
    exchange="NASDAQ",
    currency="USD",
    local_symbol="TSLA",
    trading_class="NMS",
)

# No field of these messages is gated inside 176..200: every version has the same bytes.
CLIENT_ROWS: list[tuple[Message, str]] = [
    (ReqPositions(), "61␀1␀"),
    (CancelPositions(), "64␀1␀"),
    (
        ReqAccountSummary(1005, "All", "NetLiquidation,TotalCashValue"),
        "62␀1␀1005␀All␀NetLiquidation,TotalCashValue␀",
    ),
    (CancelAccountSummary(1005), "63␀1␀1005␀"),
    (ReqAcctData(True, "DU1234567"), "6␀2␀1␀DU1234567␀"),
    (ReqAcctData(False, ""), "6␀2␀0␀␀"),
    (ReqPnl(1008, "DU1234567", ""), "92␀1008␀DU1234567␀␀"),
    (CancelPnl(1008), "93␀1008␀"),
    (ReqPnlSingle(1010, "DU1234567", "", 265598), "94␀1010␀DU1234567␀␀265598␀"),
    (CancelPnlSingle(1010), "95␀1010␀"),
    (ReqPositionsMulti(1011, "DU1234567", "M1"), "74␀1␀1011␀DU1234567␀M1␀"),
    (CancelPositionsMulti(1011), "75␀1␀1011␀"),
    (ReqAccountUpdatesMulti(1012, "DU1234567", "", True), "76␀1␀1012␀DU1234567␀␀1␀"),
    (CancelAccountUpdatesMulti(1012), "77␀1␀1012␀"),
]

SERVER_ROWS: list[tuple[Message, str]] = [
    (
        PositionData("DU1234567", TSLA, Decimal("500"), 196.77),
        "61␀3␀DU1234567␀76792991␀TSLA␀STK␀␀0.0␀␀␀NASDAQ␀USD␀TSLA␀NMS␀500␀196.77␀",
    ),
    (
        PositionData("DU1", ES_OPTION, Decimal("-0.5"), 1.0),
        "61␀3␀DU1␀551601561␀ES␀FOP␀20261218␀6500.0␀C␀50␀CME␀USD␀ESZ6 C6500␀ES␀-0.5␀1.0␀",
    ),
    (PositionEnd(), "62␀1␀"),
    (
        AccountSummary(1005, "DU1234567", "NetLiquidation", "100000.00", "USD"),
        "63␀1␀1005␀DU1234567␀NetLiquidation␀100000.00␀USD␀",
    ),
    (AccountSummaryEnd(1005), "64␀1␀1005␀"),
    (
        AcctValue("NetLiquidation", "100000.00", "USD", "DU1234567"),
        "6␀2␀NetLiquidation␀100000.00␀USD␀DU1234567␀",
    ),
    (
        PortfolioValue(AAPL_PORTFOLIO, Decimal("100"), 202.0, 20200.0, 201.94, 6.0, 0.0, "DU1234567"),
        "7␀8␀265598␀AAPL␀STK␀␀0␀0␀␀NASDAQ␀USD␀AAPL␀NMS␀100␀202.0␀20200.0␀201.94␀6.0␀0.0␀DU1234567␀",
    ),
    (AcctUpdateTime("14:35"), "8␀1␀14:35␀"),
    (AcctDownloadEnd("DU1234567"), "54␀1␀DU1234567␀"),
    (Pnl(1008, 12.5, 100.0, 0.0), "94␀1008␀12.5␀100.0␀0.0␀"),
    (
        Pnl(1008, 12.5, None, None),
        "94␀1008␀12.5␀1.7976931348623157E308␀1.7976931348623157E308␀",
    ),
    (
        PnlSingle(1010, Decimal("100"), 12.5, 100.0, 0.0, 20200.0),
        "95␀1010␀100␀12.5␀100.0␀0.0␀20200.0␀",
    ),
    (
        PositionMulti(1011, "DU1234567", TSLA, Decimal("500"), 196.77, "M1"),
        "71␀1␀1011␀DU1234567␀76792991␀TSLA␀STK␀␀0.0␀␀␀NASDAQ␀USD␀TSLA␀NMS␀500␀196.77␀M1␀",
    ),
    (PositionMultiEnd(1011), "72␀1␀1011␀"),
    (
        AccountUpdateMulti(1012, "DU1234567", "", "Currency", "EUR", "EUR"),
        "73␀1␀1012␀DU1234567␀␀Currency␀EUR␀EUR␀",
    ),
    (AccountUpdateMultiEnd(1012), "74␀1␀1012␀"),
]

TABLE = [(msg, sv, text) for msg, text in CLIENT_ROWS + SERVER_ROWS for sv in VERSIONS]


def registry(msg: Message) -> dict[int, type[Message]]:
    return CLIENT_MESSAGES if isinstance(msg, ClientMessage) else SERVER_MESSAGES  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("msg", "sv", "text"), TABLE, ids=lambda x: type(x).__name__ if isinstance(x, Message) else None
)
def test_byte_table(msg: Message, sv: int, text: str) -> None:
    assert encode_payload(msg, sv) == wire(text)
    assert decode_payload(wire(text), sv, registry(msg)) == msg


# --- the official client as oracle ---------------------------------------------------------------


@pytest.mark.parametrize("sv", VERSIONS)
def test_requests_match_official_client(sv: int) -> None:
    cases: list[tuple[object, Message]] = [
        (lambda c: c.reqPositions(), ReqPositions()),
        (lambda c: c.cancelPositions(), CancelPositions()),
        (lambda c: c.reqAccountSummary(7, "All", "$LEDGER:ALL"), ReqAccountSummary(7, "All", "$LEDGER:ALL")),
        (lambda c: c.cancelAccountSummary(7), CancelAccountSummary(7)),
        (lambda c: c.reqAccountUpdates(True, "DU1234567"), ReqAcctData(True, "DU1234567")),
        (lambda c: c.reqAccountUpdates(False, "DU1234567"), ReqAcctData(False, "DU1234567")),
        (lambda c: c.reqPnL(8, "DU1234567", "M1"), ReqPnl(8, "DU1234567", "M1")),
        (lambda c: c.cancelPnL(8), CancelPnl(8)),
        (lambda c: c.reqPnLSingle(9, "DU1234567", "", 265598), ReqPnlSingle(9, "DU1234567", "", 265598)),
        (lambda c: c.cancelPnLSingle(9), CancelPnlSingle(9)),
        (lambda c: c.reqPositionsMulti(10, "DU1234567", "M1"), ReqPositionsMulti(10, "DU1234567", "M1")),
        (lambda c: c.cancelPositionsMulti(10), CancelPositionsMulti(10)),
        (
            lambda c: c.reqAccountUpdatesMulti(11, "DU1234567", "", True),
            ReqAccountUpdatesMulti(11, "DU1234567", "", True),
        ),
        (lambda c: c.cancelAccountUpdatesMulti(11), CancelAccountUpdatesMulti(11)),
    ]
    for call, ours in cases:
        assert ibapi_sent(sv, call) == [encode_payload(ours, sv)], ours  # type: ignore[arg-type]


def ib_contract_fields(c: IbContract) -> dict[str, object]:
    return {
        "con_id": c.conId,
        "symbol": c.symbol,
        "sec_type": c.secType,
        "last_trade_date_or_contract_month": c.lastTradeDateOrContractMonth,
        "strike": c.strike,
        "right": c.right,
        "multiplier": c.multiplier,
        "exchange": c.exchange,
        "primary_exchange": c.primaryExchange,
        "currency": c.currency,
        "local_symbol": c.localSymbol,
        "trading_class": c.tradingClass,
    }


def our_contract_fields(c: Contract) -> dict[str, object]:
    return {name: getattr(c, name) for name in ib_contract_fields(IbContract())}


@pytest.mark.parametrize("sv", VERSIONS)
def test_positions_decode_in_official_client(sv: int) -> None:
    d = ibapi_decode(sv, encode_payload(PositionData("DU1", ES_OPTION, Decimal("-0.5"), 12.25), sv))
    assert d.leftover == 0 and d.recorder.names() == ["position"]
    account, contract, position, avg_cost = d.recorder.only("position")
    assert (account, position, avg_cost) == ("DU1", Decimal("-0.5"), 12.25)
    assert ib_contract_fields(contract) == our_contract_fields(ES_OPTION)

    d = ibapi_decode(sv, encode_payload(PositionMulti(4, "DU1", ES_OPTION, Decimal("2"), 1.5, "M1"), sv))
    assert d.leftover == 0 and d.recorder.names() == ["positionMulti"]
    req_id, account, model, contract, position, avg_cost = d.recorder.only("positionMulti")
    assert (req_id, account, model, position, avg_cost) == (4, "DU1", "M1", Decimal("2"), 1.5)
    assert ib_contract_fields(contract) == our_contract_fields(ES_OPTION)

    d = ibapi_decode(
        sv, encode_payload(PortfolioValue(AAPL_PORTFOLIO, Decimal("-100"), 1.5, -150.0, 2.0, 0.5, -1.0, "DU1"), sv)
    )
    assert d.leftover == 0 and d.recorder.names() == ["updatePortfolio"]
    contract, *rest = d.recorder.only("updatePortfolio")
    assert rest == [Decimal("-100"), 1.5, -150.0, 2.0, 0.5, -1.0, "DU1"]
    assert ib_contract_fields(contract) == our_contract_fields(AAPL_PORTFOLIO)
    assert contract.exchange == "" and contract.primaryExchange == "NASDAQ"


SIGNATURE_CASES: list[tuple[Message, str, tuple[object, ...]]] = [
    (PositionEnd(), "positionEnd", ()),
    (
        AccountSummary(5, "DU1", "NetLiquidation", "1.5", "USD"),
        "accountSummary",
        (5, "DU1", "NetLiquidation", "1.5", "USD"),
    ),
    (AccountSummaryEnd(5), "accountSummaryEnd", (5,)),
    (AcctValue("CashBalance", "-1.5", "EUR", "DU1"), "updateAccountValue", ("CashBalance", "-1.5", "EUR", "DU1")),
    (AcctUpdateTime("14:35"), "updateAccountTime", ("14:35",)),
    (AcctDownloadEnd("DU1"), "accountDownloadEnd", ("DU1",)),
    (PositionMultiEnd(6), "positionMultiEnd", (6,)),
    (
        AccountUpdateMulti(7, "DU1", "M1", "Currency", "EUR", "EUR"),
        "accountUpdateMulti",
        (7, "DU1", "M1", "Currency", "EUR", "EUR"),
    ),
    (AccountUpdateMultiEnd(7), "accountUpdateMultiEnd", (7,)),
    (Pnl(8, 1.5, -2.5, 3.0), "pnl", (8, 1.5, -2.5, 3.0)),
    (Pnl(8, None, None, None), "pnl", (8, UNSET_DOUBLE, UNSET_DOUBLE, UNSET_DOUBLE)),
    (
        PnlSingle(9, Decimal("10"), 1.5, -2.5, None, 300.0),
        "pnlSingle",
        (9, Decimal("10"), 1.5, -2.5, UNSET_DOUBLE, 300.0),
    ),
    # unicode-escaped text (sv >= 153): the official client reads back the original characters
    (
        AcctValue("AccountType", "Zürich \\ Société ✓ 𝄞", "", "DU1"),
        "updateAccountValue",
        ("AccountType", "Zürich \\ Société ✓ 𝄞", "", "DU1"),
    ),
    (AccountSummary(5, "DU1", "Name", "Ωmega", ""), "accountSummary", (5, "DU1", "Name", "Ωmega", "")),
]


@pytest.mark.parametrize("sv", VERSIONS)
@pytest.mark.parametrize(("msg", "callback", "args"), SIGNATURE_CASES)
def test_server_messages_decode_in_official_client(
    sv: int, msg: Message, callback: str, args: tuple[object, ...]
) -> None:
    d = ibapi_decode(sv, encode_payload(msg, sv))
    assert d.leftover == 0
    assert d.calls == [(callback, args)]


def test_non_ascii_text_is_backslash_escaped_on_the_wire() -> None:
    payload = encode_payload(AcctValue("AccountType", "Zürich \\ 𝄞", "", "DU1"), 200)
    assert payload == wire("6␀2␀AccountType␀Z\\u00fcrich \\\\ \\U0001d11e␀␀DU1␀")
    assert payload.isascii()
    # what a Java peer may send: UTF-16 surrogate pairs, or raw UTF-8
    java = wire("6␀2␀K␀\\ud834\\udd1e Zürich \\q␀␀DU1␀")
    assert decode_payload(java, 200, SERVER_MESSAGES) == AcctValue("K", "𝄞 Zürich \\q", "", "DU1")


# --- real captures -------------------------------------------------------------------------------

ACCOUNT_IDS = {
    cls.ID
    for cls in (
        PositionData,
        PositionEnd,
        AccountSummary,
        AccountSummaryEnd,
        AcctValue,
        PortfolioValue,
        AcctUpdateTime,
        AcctDownloadEnd,
        Pnl,
        PnlSingle,
        PositionMulti,
        PositionMultiEnd,
        AccountUpdateMulti,
        AccountUpdateMultiEnd,
    )
}
CAPTURES = [
    c
    for c in all_captured()
    if c.tag == "S" and 176 <= c.server_version <= 200 and int(c.payload.split(b"\0", 1)[0]) in ACCOUNT_IDS
]


def test_captures_cover_the_account_messages() -> None:
    names = {type(decode_payload(c.payload, c.server_version, SERVER_MESSAGES)).__name__ for c in CAPTURES}
    assert names >= {
        "PositionData",
        "AccountSummary",
        "AcctValue",
        "PortfolioValue",
        "AcctUpdateTime",
        "AcctDownloadEnd",
        "Pnl",
        "PositionMultiEnd",
        "AccountUpdateMulti",
        "AccountUpdateMultiEnd",
    }


@pytest.mark.parametrize("cap", CAPTURES, ids=lambda c: f"{c.file}:{c.line}")
def test_capture_decodes_and_reencodes_identically(cap: object) -> None:
    payload, sv = cap.payload, cap.server_version  # type: ignore[attr-defined]
    msg = decode_payload(payload, sv, SERVER_MESSAGES)
    assert msg is not None
    assert encode_payload(msg, sv) == payload
    assert ibapi_decode(sv, payload).leftover == 0


def test_captured_values() -> None:
    by_line = {
        (c.file.split("/")[0], c.line): decode_payload(c.payload, c.server_version, SERVER_MESSAGES) for c in CAPTURES
    }
    assert by_line["nautilus_trader", 49] == PositionData(
        "DU1234567",
        Contract(
            con_id=479624278,
            symbol="BTC",
            sec_type="CRYPTO",
            strike=0.0,
            currency="USD",
            local_symbol="BTC.USD",
            trading_class="BTC",
        ),
        Decimal("1.24115341"),
        37950.0114333,
    )
    assert by_line["ibkr-go", 26] == PortfolioValue(
        Contract(
            con_id=265598,
            symbol="AAPL",
            sec_type="STK",
            strike=0.0,
            right="0",
            primary_exchange="NASDAQ",
            currency="USD",
            local_symbol="AAPL",
            trading_class="NMS",
        ),
        Decimal("-100"),
        291.6234436,
        -29162.34,
        291.2660812,
        -35.74,
        -71.44,
        "DU9000001",
    )
    assert by_line["ibkr-go", 22] == Pnl(4, 11340.427636781911, 54385.58271885987, -103.92738339177643)
    assert by_line["nautilus_trader", 23] == AccountSummary(10001, "DU1234567", "Cushion", "1", "")


# --- bad input -----------------------------------------------------------------------------------

BAD = [
    ("61␀3␀DU1␀76792991␀TSLA␀STK␀␀0.0␀␀␀NASDAQ␀USD␀TSLA␀NMS␀500␀", "avg_cost"),
    ("61␀3␀DU1␀76792991␀TSLA␀STK␀␀0.0␀␀␀NASDAQ␀USD␀TSLA␀NMS␀lots␀1.0␀", "position"),
    ("61␀3␀DU1␀x␀TSLA␀STK␀␀0.0␀␀␀NASDAQ␀USD␀TSLA␀NMS␀500␀1.0␀", "con_id"),
    ("61␀3␀DU1␀1␀TSLA␀STK␀␀0.0␀␀␀NASDAQ␀USD␀TSLA␀NMS␀500␀1.0␀extra␀", "<end>"),
    ("61␀three␀DU1␀", "_v"),
    ("7␀8␀265598␀AAPL␀STK␀␀abc␀0␀␀NASDAQ␀USD␀AAPL␀NMS␀1␀1␀1␀1␀1␀1␀DU1␀", "strike"),
    ("94␀1␀1.5␀nan-ish␀0␀", "unrealized_pnl"),
    ("94␀1␀1.5␀2.5␀", "realized_pnl"),
    ("95␀1␀NaN␀1␀1␀1␀1␀", "position"),
    ("63␀1␀5␀DU1␀Tag␀1␀", "currency"),
    ("6␀2␀K␀V␀C␀A␀B␀", "<end>"),
    ("73␀1␀x␀A␀M␀K␀V␀C␀", "req_id"),
]


@pytest.mark.parametrize(("text", "field"), BAD)
def test_bad_input_names_the_field(text: str, field: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode_payload(wire(text), 200, SERVER_MESSAGES)
    assert err.value.field == field


def test_bad_client_input_names_the_field() -> None:
    with pytest.raises(DecodeError) as err:
        decode_payload(wire("6␀2␀yes␀DU1␀"), 200, CLIENT_MESSAGES)
    assert err.value.field == "subscribe"
    with pytest.raises(DecodeError) as err:
        decode_payload(wire("94␀1␀DU1␀␀"), 200, CLIENT_MESSAGES)
    assert err.value.field == "con_id"
