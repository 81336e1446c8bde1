"""Byte tables, oracle checks, real captures and bad input for the contract-details messages
(REQ_CONTRACT_DATA, CONTRACT_DATA, BOND_CONTRACT_DATA, CONTRACT_DATA_END, symbol search)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from ibapi.const import UNSET_DECIMAL, UNSET_DOUBLE
from ibapi.contract import Contract as IbContract
from ibapi.contract import FundAssetType, FundDistributionPolicyIndicator
from ibapi.utils import getEnumTypeFromString

from ibkr.errors import DecodeError
from ibkr.protocol.message import (
    CLIENT_MESSAGES,
    SERVER_MESSAGES,
    ClientMessage,
    Message,
    decode_payload,
    encode_payload,
)
from ibkr.protocol.messages.contracts import (
    BondContractData,
    ContractData,
    ContractDataEnd,
    ContractDescription,
    ContractDetails,
    IneligibilityReason,
    ReqContractData,
    ReqMatchingSymbols,
    SymbolSamples,
)
from ibkr.protocol.models import Contract, TagValue
from tests.captures import all_captured
from tests.oracle import ibapi_decode, ibapi_sent
from tests.protocol.samples_contracts import SAMPLES

VERSIONS = [176, 178, 187, 200]


def wire(text: str) -> bytes:
    return text.replace("␀", "\0").encode()


def registry(msg: Message) -> dict[int, type[Message]]:
    return CLIENT_MESSAGES if isinstance(msg, ClientMessage) else SERVER_MESSAGES  # type: ignore[return-value]


AAPL_REQ = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", primary_exchange="NASDAQ", currency="USD")
FOP_REQ = Contract(
    symbol="ES",
    sec_type="FOP",
    last_trade_date_or_contract_month="202612",
    strike=6500.0,
    right="C",
    multiplier="50",
    exchange="CME",
    currency="USD",
    include_expired=True,
    sec_id_type="ISIN",
    sec_id="US0000000000",
    issuer_id="e1234",
)

AAPL = ContractDetails(
    contract=Contract(
        con_id=265598,
        symbol="AAPL",
        sec_type="STK",
        strike=0.0,
        exchange="SMART",
        primary_exchange="NASDAQ",
        currency="USD",
        local_symbol="AAPL",
        trading_class="NMS",
    ),
    market_name="NMS",
    min_tick=0.01,
    order_types="LMT,MKT",
    valid_exchanges="SMART,NASDAQ",
    price_magnifier=1,
    long_name="APPLE INC",
    industry="Technology",
    category="Computers",
    subcategory="Computers",
    time_zone_id="US/Eastern",
    trading_hours="0400-2000",
    liquid_hours="0930-1600",
    sec_id_list=[TagValue("ISIN", "US0378331005")],
    agg_group=1,
    market_rule_ids="26,26",
    stock_type="COMMON",
    min_size=Decimal("0.0001"),
    size_increment=Decimal("0.0001"),
    suggested_size_increment=Decimal("100"),
)
AAPL_HEAD = "10␀9000␀AAPL␀STK␀␀"
AAPL_BODY = (
    "0␀␀SMART␀USD␀AAPL␀NMS␀NMS␀265598␀0.01␀␀LMT,MKT␀SMART,NASDAQ␀1␀0␀APPLE INC␀NASDAQ␀␀Technology␀Computers"
    "␀Computers␀US/Eastern␀0400-2000␀0930-1600␀␀␀1␀ISIN␀US0378331005␀1␀␀␀26,26␀␀COMMON␀0.0001␀0.0001␀100␀"
)


def es(sv: int) -> ContractDetails:
    """An ES future whose date carries a time and a zone; fields the version lacks left default."""
    return ContractDetails(
        contract=Contract(
            con_id=515416632,
            symbol="ES",
            sec_type="FUT",
            last_trade_date_or_contract_month="20261218",
            last_trade_date="20261218" if sv >= 182 else "",
            multiplier="50",
            exchange="CME",
            currency="USD",
            local_symbol="ESZ6",
            trading_class="ES",
        ),
        market_name="ES",
        min_tick=0.25,
        long_name="E-mini S&P 500 \u2013 Soci\u00e9t\u00e9",
        ev_multiplier=5,
        under_con_id=11004968,
        last_trade_time="08:30:00",
        last_trade_time_zone="US/Central",
        ineligibility_reason_list=[IneligibilityReason("r1", "No permissions")] if sv >= 186 else [],
    )


def es_text(sv: int) -> str:
    return (
        "10␀9001␀ES␀FUT␀20261218 08:30:00 US/Central␀"
        + ("20261218␀" if sv >= 182 else "")
        + "␀␀CME␀USD␀ESZ6␀ES␀ES␀515416632␀0.25␀50␀␀␀0␀11004968␀E-mini S&P 500 \\u2013 Soci\\u00e9t\\u00e9␀"
        + "␀␀␀␀␀␀␀␀␀5␀0␀2147483647␀␀␀␀␀␀␀␀␀"
        + ("1␀r1␀No permissions␀" if sv >= 186 else "")
    )


FUND = ContractDetails(
    contract=Contract(con_id=48013650, symbol="VTSAX", sec_type="FUND", exchange="FUNDSERV", currency="USD"),
    fund_name="Total",
    fund_family="Vanguard",
    fund_type="Equity",
    fund_front_load="0",
    fund_back_load="0",
    fund_back_load_time_interval="1",
    fund_management_fee="0.04",
    fund_closed=True,
    fund_closed_for_new_investors=False,
    fund_closed_for_new_money=True,
    fund_notify_amount="10000000",
    fund_minimum_initial_purchase="3000",
    fund_subsequent_minimum_purchase="1",
    fund_blue_sky_states="All",
    fund_blue_sky_territories="ARE,ASM",
    fund_distribution_policy_indicator="N",
    fund_asset_type="004",
)
#: what a version before SV.FUND_DATA_FIELDS carries of FUND (which sets only fund fields)
FUND_NO_BLOCK = ContractDetails(contract=FUND.contract)
FUND_MAIN = "VTSAX␀FUND␀␀{ltd}␀␀FUNDSERV␀USD␀␀␀␀48013650␀0␀␀␀␀0␀0␀␀␀␀␀␀␀␀␀␀␀␀0␀2147483647␀␀␀␀␀␀␀␀␀"
FUND_BLOCK = "Total␀Vanguard␀Equity␀0␀0␀1␀0.04␀1␀0␀1␀10000000␀3000␀1␀All␀ARE,ASM␀N␀004␀"

BOND = ContractDetails(
    contract=Contract(con_id=127128131, sec_type="BOND", exchange="SMART", currency="USD", trading_class="AAPL"),
    cusip="037833AL4",
    coupon=3.85,
    maturity="20430504",
    issue_date="20130506",
    ratings="AA+",
    bond_type="CORP",
    coupon_type="FIXED",
    callable=True,
    desc_append="AAPL 3.85 05/04/43",
    market_name="AAPL",
    min_tick=0.0001,
    order_types="LMT",
    valid_exchanges="SMART",
    next_option_date="20421104",
    next_option_type="Call",
    next_option_partial=True,
    notes="n",
    long_name="Apple Inc",
    sec_id_list=[TagValue("CUSIP", "037833AL4")],
    agg_group=7,
    market_rule_ids="1386",
    min_size=Decimal("2"),
    size_increment=Decimal("1"),
    suggested_size_increment=Decimal("1"),
)
BOND_HOURS = dataclasses.replace(BOND, time_zone_id="US/Eastern", trading_hours="2000-1700", liquid_hours="2000-1700")
BOND_HEAD = (
    "18␀9003␀␀BOND␀037833AL4␀3.85␀20430504␀20130506␀AA+␀CORP␀FIXED␀0␀1␀0␀AAPL 3.85 05/04/43␀SMART␀USD␀AAPL␀AAPL"
    "␀127128131␀0.0001␀LMT␀SMART␀20421104␀Call␀1␀n␀Apple Inc␀"
)
BOND_TAIL = "␀␀1␀CUSIP␀037833AL4␀7␀1386␀2␀1␀1␀"

SYMBOLS = SymbolSamples(
    9004,
    [
        ContractDescription(
            Contract(con_id=265598, symbol="AAPL", sec_type="STK", primary_exchange="NASDAQ", currency="USD",
                     description="APPLE INC", issuer_id=""),
            ["CFD", "OPT"],
        ),
        ContractDescription(Contract(con_id=1, symbol="AAPL", sec_type="BOND", issuer_id="e1359061"), []),
    ],
)  # fmt: skip


def table() -> list[tuple[Message, int, str]]:
    rows: list[tuple[Message, int, str]] = []
    for sv in VERSIONS:
        new = sv >= 182  # SV.LAST_TRADE_DATE; 187 and 200 also have FUND_DATA_FIELDS and INELIGIBILITY_REASONS
        rows += [
            (ReqContractData(1006, AAPL_REQ), sv, "9␀8␀1006␀0␀AAPL␀STK␀␀␀␀␀SMART␀NASDAQ␀USD␀␀␀0␀␀␀␀"),
            (
                ReqContractData(1007, FOP_REQ),
                sv,
                "9␀8␀1007␀0␀ES␀FOP␀202612␀6500.0␀C␀50␀CME␀␀USD␀␀␀1␀ISIN␀US0000000000␀e1234␀",
            ),
            (ContractData(9000, AAPL), sv, AAPL_HEAD + ("␀" if new else "") + AAPL_BODY + ("0␀" if new else "")),
            (ContractData(9001, es(sv)), sv, es_text(sv)),
            (
                ContractData(9002, FUND if new else FUND_NO_BLOCK),
                sv,
                "10␀9002␀" + FUND_MAIN.format(ltd="␀" if new else "") + (FUND_BLOCK + "0␀" if new else ""),
            ),
            (BondContractData(9003, BOND), sv, BOND_HEAD + ("␀␀␀" if sv >= 188 else "") + BOND_TAIL),
            (ContractDataEnd(9000), sv, "52␀1␀9000␀"),
            (ReqMatchingSymbols(9004, "AAP"), sv, "81␀9004␀AAP␀"),
            (
                SYMBOLS,
                sv,
                "79␀9004␀2␀265598␀AAPL␀STK␀NASDAQ␀USD␀2␀CFD␀OPT␀APPLE INC␀␀1␀AAPL␀BOND␀␀␀0␀␀e1359061␀",
            ),
        ]
    rows.append((BondContractData(9003, BOND_HOURS), 200, BOND_HEAD + "US/Eastern␀2000-1700␀2000-1700␀" + BOND_TAIL))
    return rows


@pytest.mark.parametrize(
    ("msg", "sv", "text"), table(), ids=lambda x: type(x).__name__ if isinstance(x, Message) else None
)
def test_byte_table(msg: Message, sv: int, text: str) -> None:
    assert encode_payload(msg, sv) == wire(text)
    assert decode_payload(wire(text), sv, registry(msg)) == msg


@pytest.mark.parametrize(("sv", "gated"), [(178, False), (179, True)])
def test_fund_block_starts_at_179_and_only_for_funds(sv: int, gated: bool) -> None:
    fund = encode_payload(ContractData(1, FUND), sv)
    assert (b"\0Total\0Vanguard\0" in fund) is gated
    stock_with_fund_values = dataclasses.replace(FUND, contract=Contract(sec_type="STK"))
    assert b"Vanguard" not in encode_payload(ContractData(1, stock_with_fund_values), sv)


@pytest.mark.parametrize(("sv", "fields"), [(181, 0), (182, 1), (185, 1), (186, 2)])
def test_contract_data_gates(sv: int, fields: int) -> None:
    base = len(encode_payload(ContractData(1, AAPL), 176).split(b"\0"))
    assert len(encode_payload(ContractData(1, AAPL), sv).split(b"\0")) == base + fields


@pytest.mark.parametrize(("sv", "fields"), [(187, 0), (188, 3)])
def test_bond_trading_hours_from_188(sv: int, fields: int) -> None:
    base = len(encode_payload(BondContractData(1, BOND), 176).split(b"\0"))
    assert len(encode_payload(BondContractData(1, BOND), sv).split(b"\0")) == base + fields


@pytest.mark.parametrize(
    ("text", "date", "time", "zone"),
    [
        ("20261218 08:30:00 US/Central", "20261218", "08:30:00", "US/Central"),
        ("20261218", "20261218", "", ""),
        ("202612", "202612", "", ""),
        ("20261218-08:30:00", "20261218", "08:30:00", ""),
        ("", "", "", ""),
    ],
)
def test_last_trade_date_split_rule(text: str, date: str, time: str, zone: str) -> None:
    payload = wire(f"{AAPL_HEAD[:-2]}␀{text}␀") + wire(AAPL_BODY)
    got = decode_payload(payload, 176, SERVER_MESSAGES)
    assert isinstance(got, ContractData)
    d = got.contract_details
    assert (d.contract.last_trade_date_or_contract_month, d.last_trade_time, d.last_trade_time_zone) == (
        date,
        time,
        zone,
    )
    ib = ibapi_decode(176, payload).recorder.only("contractDetails")[1]
    assert (ib.contract.lastTradeDateOrContractMonth, ib.lastTradeTime) == (date, time)


# --- the official client as oracle ---------------------------------------------------------------


def ib_contract(c: Contract) -> IbContract:
    ib = IbContract()
    for name, value in {
        "conId": c.con_id,
        "symbol": c.symbol,
        "secType": c.sec_type,
        "lastTradeDateOrContractMonth": c.last_trade_date_or_contract_month,
        "right": c.right,
        "multiplier": c.multiplier,
        "exchange": c.exchange,
        "primaryExchange": c.primary_exchange,
        "currency": c.currency,
        "localSymbol": c.local_symbol,
        "tradingClass": c.trading_class,
        "includeExpired": c.include_expired,
        "secIdType": c.sec_id_type,
        "secId": c.sec_id,
        "issuerId": c.issuer_id,
    }.items():
        setattr(ib, name, value)
    if c.strike is not None:
        ib.strike = c.strike
    return ib


@pytest.mark.parametrize("sv", VERSIONS)
@pytest.mark.parametrize("contract", [AAPL_REQ, FOP_REQ, Contract(con_id=265598, exchange="SMART")])
def test_requests_match_official_client(sv: int, contract: Contract) -> None:
    sent = ibapi_sent(sv, lambda c: c.reqContractDetails(77, ib_contract(contract)))
    assert sent == [encode_payload(ReqContractData(77, contract), sv)]
    assert ibapi_sent(sv, lambda c: c.reqMatchingSymbols(5, "AAP")) == [
        encode_payload(ReqMatchingSymbols(5, "AAP"), sv)
    ]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


_CONTRACT_NAMES = [f.name for f in dataclasses.fields(Contract) if f.name not in
                   ("include_expired", "combo_legs", "delta_neutral_contract", "combo_legs_descrip")]  # fmt: skip


def as_ibapi(name: str, value: Any) -> Any:
    """Our decoded value as the official decoder represents it."""
    if name in ("sec_id_list",):
        return [(t.tag, t.value) for t in value] or None
    if name == "ineligibility_reason_list":
        return [(r.id, r.description) for r in value] or None
    if name == "fund_distribution_policy_indicator":
        return getEnumTypeFromString(FundDistributionPolicyIndicator, value)
    if name == "fund_asset_type":
        return getEnumTypeFromString(FundAssetType, value)
    if value is None:
        return {
            "ev_multiplier": 0,
            "agg_group": 2147483647,
            "coupon": 0.0,
            "strike": 0.0,
            "min_size": UNSET_DECIMAL,
            "size_increment": UNSET_DECIMAL,
            "suggested_size_increment": UNSET_DECIMAL,
        }[name]
    return value


def from_ibapi(name: str, value: Any) -> Any:
    if name == "sec_id_list" and value is not None:
        return [(t.tag, t.value) for t in value]
    if name == "ineligibility_reason_list" and value is not None:
        return [(r.id_, r.description) for r in value]
    return value


def assert_same_details(ib: Any, ours: ContractDetails, bond: bool = False) -> None:
    for name in _CONTRACT_NAMES:
        expected = as_ibapi(name, getattr(ours.contract, name))
        if bond and name == "strike":  # not on the wire: the official client keeps its default
            expected = UNSET_DOUBLE
        assert getattr(ib.contract, camel(name)) == expected, name
    for f in dataclasses.fields(ContractDetails):
        if f.name in ("contract", "last_trade_time_zone"):
            continue
        expected = as_ibapi(f.name, getattr(ours, f.name))
        assert from_ibapi(f.name, getattr(ib, camel(f.name))) == expected, f.name


DETAILS_MESSAGES = [m for m in SAMPLES if isinstance(m, ContractData | BondContractData)]


@pytest.mark.parametrize("sv", VERSIONS)
@pytest.mark.parametrize("msg", DETAILS_MESSAGES, ids=lambda m: f"{type(m).__name__}-{m.req_id}")
def test_details_decode_in_official_client(sv: int, msg: ContractData | BondContractData) -> None:
    payload = encode_payload(msg, sv)
    ours = decode_payload(payload, sv, SERVER_MESSAGES)
    assert isinstance(ours, type(msg))
    d = ibapi_decode(sv, payload)
    assert d.leftover == 0
    callback = "contractDetails" if isinstance(msg, ContractData) else "bondContractDetails"
    req_id, ib = d.recorder.only(callback)
    assert d.recorder.names() == [callback]
    assert req_id == msg.req_id
    if isinstance(msg, BondContractData) and sv < 188:
        ib.timeZoneId = ours.contract_details.time_zone_id  # before 188 ibapi takes it from the maturity
    assert_same_details(ib, ours.contract_details, bond=isinstance(msg, BondContractData))


def test_non_ascii_long_name_is_escaped_and_read_back_by_official_client() -> None:
    details = dataclasses.replace(AAPL, long_name="Soci\u00e9t\u00e9 G\u00e9n\u00e9rale \\ \U0001d11e")
    payload = encode_payload(ContractData(1, details), 200)
    assert payload.isascii()
    assert b"\0Soci\\u00e9t\\u00e9 G\\u00e9n\\u00e9rale \\\\ \\U0001d11e\0" in payload
    assert ibapi_decode(200, payload).recorder.only("contractDetails")[1].longName == details.long_name
    assert decode_payload(payload, 200, SERVER_MESSAGES) == ContractData(1, details)


@pytest.mark.parametrize("sv", VERSIONS)
def test_end_and_symbol_samples_decode_in_official_client(sv: int) -> None:
    d = ibapi_decode(sv, encode_payload(ContractDataEnd(42), sv))
    assert d.leftover == 0 and d.calls == [("contractDetailsEnd", (42,))]
    d = ibapi_decode(sv, encode_payload(SYMBOLS, sv))
    assert d.leftover == 0
    req_id, descriptions = d.recorder.only("symbolSamples")
    assert req_id == SYMBOLS.req_id
    got = [
        (
            x.contract.conId,
            x.contract.symbol,
            x.contract.secType,
            x.contract.primaryExchange,
            x.contract.currency,
            x.derivativeSecTypes,
            x.contract.description,
            x.contract.issuerId,
        )
        for x in descriptions
    ]
    want = [
        (
            x.contract.con_id,
            x.contract.symbol,
            x.contract.sec_type,
            x.contract.primary_exchange,
            x.contract.currency,
            x.derivative_sec_types,
            x.contract.description,
            x.contract.issuer_id,
        )
        for x in SYMBOLS.contract_descriptions
    ]
    assert got == want


# --- real captures -------------------------------------------------------------------------------

CAPTURES = [
    c
    for c in all_captured()
    if c.tag == "S"
    and 176 <= c.server_version <= 200
    and int(c.payload.split(b"\0", 1)[0]) in (ContractData.ID, BondContractData.ID, ContractDataEnd.ID)
]


def test_captures_cover_contract_and_bond_data() -> None:
    kinds = {type(decode_payload(c.payload, c.server_version, SERVER_MESSAGES)) for c in CAPTURES}
    assert kinds >= {ContractData, BondContractData}
    assert len(CAPTURES) >= 6


@pytest.mark.parametrize("cap", CAPTURES, ids=lambda c: f"{c.file}:{c.line}")
def test_capture_decodes_field_for_field_and_reencodes_identically(cap: Any) -> None:
    msg = decode_payload(cap.payload, cap.server_version, SERVER_MESSAGES)
    assert isinstance(msg, ContractData | BondContractData)
    assert encode_payload(msg, cap.server_version) == cap.payload
    d = ibapi_decode(cap.server_version, cap.payload)
    assert d.leftover == 0
    _, ib = d.calls[0][1]
    if isinstance(msg, BondContractData) and cap.server_version < 188:  # pragma: no cover - none captured
        ib.timeZoneId = msg.contract_details.time_zone_id
    assert_same_details(ib, msg.contract_details, bond=isinstance(msg, BondContractData))


def captured(line: int) -> Any:
    (cap,) = [c for c in CAPTURES if c.file.startswith("ibkr-go") and c.line == line]
    return decode_payload(cap.payload, cap.server_version, SERVER_MESSAGES)


def test_captured_values() -> None:
    fund = captured(74).contract_details
    assert fund.contract.sec_type == "FUND" and fund.fund_family == "Vanguard"
    assert fund.fund_blue_sky_states == "All" and fund.fund_notify_amount == "10000000"
    assert fund.agg_group is None and fund.ev_multiplier is None
    assert fund.sec_id_list == [TagValue("ISIN", "US9229087286")]
    es_fut = captured(78).contract_details
    assert es_fut.contract.last_trade_date_or_contract_month == "20261218"
    assert (es_fut.last_trade_time, es_fut.last_trade_time_zone) == ("08:30:00", "US/Central")
    assert es_fut.contract.last_trade_date == "20261218" and es_fut.under_con_id == 11004968
    assert es_fut.contract.strike == 0.0 and es_fut.min_tick == 0.25
    bond = captured(84).contract_details
    assert bond.cusip == "IBCID127128131" and bond.coupon is None and bond.desc_append == "AAPL 3.85 05/04/43"
    assert bond.time_zone_id == "US/Eastern" and bond.agg_group == 7 and bond.min_size == Decimal("2")
    assert [t.tag for t in bond.sec_id_list] == ["CUSIP", "ISIN"]


# --- bad input -----------------------------------------------------------------------------------

BAD = [
    (AAPL_HEAD + "0␀␀SMART␀USD␀AAPL␀NMS␀NMS␀x␀", "contract.con_id"),
    (AAPL_HEAD + "0␀␀SMART␀USD␀AAPL␀NMS␀NMS␀265598␀tick␀", "min_tick"),
    (AAPL_HEAD + "zero␀", "contract.strike"),
    (AAPL_HEAD + AAPL_BODY.replace("␀1␀ISIN␀", "␀9␀ISIN␀"), "value"),
    (AAPL_HEAD + AAPL_BODY.replace("0.0001␀0.0001␀100␀", "0.0001␀0.0001␀"), "suggested_size_increment"),
    (AAPL_HEAD + AAPL_BODY.replace("0.0001␀0.0001␀100␀", "0.0001␀big␀100␀"), "size_increment"),
    (AAPL_HEAD + AAPL_BODY + "extra␀", "<end>"),
    (BOND_HEAD.replace("␀3.85␀", "␀3,85␀") + BOND_TAIL, "coupon"),
    (BOND_HEAD + "␀␀1␀CUSIP␀", "value"),
    ("52␀1␀", "req_id"),
    ("79␀1␀1␀5␀AAPL␀STK␀NASDAQ␀USD␀two␀", "derivative_sec_types"),
]


@pytest.mark.parametrize(("text", "field"), BAD)
def test_bad_input_names_the_field(text: str, field: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode_payload(wire(text), 176, SERVER_MESSAGES)
    assert err.value.field.startswith(field)


def test_ineligibility_list_truncated_at_200() -> None:
    text = AAPL_HEAD + "␀" + AAPL_BODY + "2␀r1␀d1␀"
    with pytest.raises(DecodeError) as err:
        decode_payload(wire(text), 200, SERVER_MESSAGES)
    assert err.value.field == "id"


def test_bad_request_names_the_field() -> None:
    with pytest.raises(DecodeError) as err:
        decode_payload(wire("9␀8␀1␀0␀AAPL␀STK␀␀x␀"), 200, CLIENT_MESSAGES)
    assert err.value.field == "strike"
