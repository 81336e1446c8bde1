"""Every line of the recorded TWS traffic (shared/fixtures/tws-captures) against our protocol core.

For the files at a server version we speak (176..200):

* ``S`` lines decode with the server registry: every field consumed, nothing raised, and
  re-encoding gives TWS's exact payload (exceptions below, each with its reason); the official
  decoder at the same version makes the callback that belongs to the message, leaving no field;
* ``C`` lines decode with the client registry and re-encode to the same bytes;
* ``HS`` lines, framed and fed to a ``ClientConnection`` after ``initiate()``, give a ``ServerHello``.

The files at 165 and 173 lie below what we speak: ``ClientConnection`` must refuse them. Their lines
of message types whose layout has not changed since (the reference-data ones listed in
``STABLE_BELOW_176``) are still decoded at 176 as extra real-world samples.
"""

from __future__ import annotations

import pytest

from ibkr.errors import HandshakeError, LocalProtocolError
from ibkr.protocol import ClientConnection, ServerHello
from ibkr.protocol.framing import frame
from ibkr.protocol.ids import MAX_SUPPORTED_VERSION, MIN_SUPPORTED_VERSION, In, Out
from ibkr.protocol.message import CLIENT_MESSAGES, SERVER_MESSAGES, decode_payload, encode_payload
from tests.captures import Captured, all_captured
from tests.oracle import ibapi_decode

CAPTURED = all_captured()
SUPPORTED = [c for c in CAPTURED if MIN_SUPPORTED_VERSION <= c.server_version <= MAX_SUPPORTED_VERSION]
OLDER = [c for c in CAPTURED if c.server_version < MIN_SUPPORTED_VERSION]

#: (file, line) -> why re-encoding cannot give TWS's bytes back although decoding is exact
REENCODE_EXCEPTIONS: dict[tuple[str, int], str] = {
    ("ibkr-go/sv200_2026_fragments.txt", 93): (
        "REQ_MKT_DATA written by ibkr-go (a Go client) with strike '315'; the official client, whose"
        " form we write, sends '315.0'. TWS accepts both."
    ),
}

#: server message id -> the official client's callback for it (the first one it makes)
CALLBACK: dict[int, str] = {
    In.ORDER_STATUS: "orderStatus",
    In.ERR_MSG: "error",
    In.OPEN_ORDER: "openOrder",
    In.ACCT_VALUE: "updateAccountValue",
    In.PORTFOLIO_VALUE: "updatePortfolio",
    In.ACCT_UPDATE_TIME: "updateAccountTime",
    In.NEXT_VALID_ID: "nextValidId",
    In.CONTRACT_DATA: "contractDetails",
    In.EXECUTION_DATA: "execDetails",
    In.MARKET_DEPTH_L2: "updateMktDepthL2",
    In.NEWS_BULLETINS: "updateNewsBulletin",
    In.MANAGED_ACCTS: "managedAccounts",
    In.HISTORICAL_DATA: "historicalData",
    In.BOND_CONTRACT_DATA: "bondContractDetails",
    In.SCANNER_DATA: "scannerData",
    In.TICK_OPTION_COMPUTATION: "tickOptionComputation",
    In.TICK_GENERIC: "tickGeneric",
    In.TICK_STRING: "tickString",
    In.CURRENT_TIME: "currentTime",
    In.CONTRACT_DATA_END: "contractDetailsEnd",
    In.ACCT_DOWNLOAD_END: "accountDownloadEnd",
    In.EXECUTION_DATA_END: "execDetailsEnd",
    In.COMMISSION_AND_FEES_REPORT: "commissionAndFeesReport",
    In.POSITION_DATA: "position",
    In.POSITION_END: "positionEnd",
    In.ACCOUNT_SUMMARY: "accountSummary",
    In.ACCOUNT_SUMMARY_END: "accountSummaryEnd",
    In.DISPLAY_GROUP_LIST: "displayGroupList",
    In.DISPLAY_GROUP_UPDATED: "displayGroupUpdated",
    In.POSITION_MULTI_END: "positionMultiEnd",
    In.ACCOUNT_UPDATE_MULTI: "accountUpdateMulti",
    In.ACCOUNT_UPDATE_MULTI_END: "accountUpdateMultiEnd",
    In.SECURITY_DEFINITION_OPTION_PARAMETER: "securityDefinitionOptionParameter",
    In.SECURITY_DEFINITION_OPTION_PARAMETER_END: "securityDefinitionOptionParameterEnd",
    In.SOFT_DOLLAR_TIERS: "softDollarTiers",
    In.FAMILY_CODES: "familyCodes",
    In.SYMBOL_SAMPLES: "symbolSamples",
    In.TICK_REQ_PARAMS: "tickReqParams",
    In.NEWS_ARTICLE: "newsArticle",
    In.NEWS_PROVIDERS: "newsProviders",
    In.HISTORICAL_NEWS: "historicalNews",
    In.HISTORICAL_NEWS_END: "historicalNewsEnd",
    In.HEAD_TIMESTAMP: "headTimestamp",
    In.MARKET_RULE: "marketRule",
    In.PNL: "pnl",
    In.HISTORICAL_TICKS: "historicalTicks",
    In.HISTORICAL_TICKS_BID_ASK: "historicalTicksBidAsk",
    In.HISTORICAL_TICKS_LAST: "historicalTicksLast",
    In.TICK_BY_TICK: "tickByTick",  # tickByTickAllLast / BidAsk / MidPoint: compared by prefix
    In.HISTORICAL_SCHEDULE: "historicalSchedule",
    In.USER_INFO: "userInfo",
    In.CURRENT_TIME_IN_MILLIS: "currentTimeInMillis",
}

#: server messages whose layout is the same at 165 and 173 as at 176..200 (no gate in between)
STABLE_BELOW_176 = {
    In.SCANNER_DATA,
    In.HISTORICAL_NEWS,
    In.HEAD_TIMESTAMP,
    In.HISTORICAL_TICKS,
    In.HISTORICAL_TICKS_BID_ASK,
    In.HISTORICAL_TICKS_LAST,
    In.HISTORICAL_SCHEDULE,
}


def msg_id(cap: Captured) -> int:
    return int(cap.payload.split(b"\0", 1)[0])


def label(cap: Captured) -> str:
    if cap.tag == "HS":
        return f"{cap.file}:{cap.line}:HS"
    space = Out if cap.tag == "C" else In
    ident = msg_id(cap)
    name = space(ident).name if ident in space._value2member_map_ else str(ident)
    return f"{cap.file}:{cap.line}:{cap.tag}:{name}"


def lines(caps: list[Captured], tag: str) -> list[Captured]:
    return [c for c in caps if c.tag == tag]


def check_server_line(cap: Captured, sv: int) -> None:
    ident = msg_id(cap)
    assert ident in SERVER_MESSAGES, f"no decoder for server message {label(cap)}"
    msg = decode_payload(cap.payload, sv, SERVER_MESSAGES)
    assert msg is not None
    assert ident == type(msg).ID
    reason = REENCODE_EXCEPTIONS.get((cap.file, cap.line))
    if reason is None:
        assert encode_payload(msg, sv) == cap.payload, f"re-encoding {label(cap)} differs from TWS's bytes"
    d = ibapi_decode(sv, cap.payload)
    assert d.leftover == 0
    assert d.calls, f"the official decoder made no callback for {label(cap)}"
    assert d.calls[0][0].startswith(CALLBACK[ident]), d.calls[0][0]


def test_captures_cover_both_supported_versions() -> None:
    assert {c.server_version for c in SUPPORTED} == {176, 200}
    assert lines(SUPPORTED, "S") and lines(SUPPORTED, "C") and lines(SUPPORTED, "HS")


@pytest.mark.parametrize("cap", lines(SUPPORTED, "S"), ids=label)
def test_server_line(cap: Captured) -> None:
    check_server_line(cap, cap.server_version)


@pytest.mark.parametrize("cap", lines(SUPPORTED, "C"), ids=label)
def test_client_line(cap: Captured) -> None:
    ident = msg_id(cap)
    assert ident in CLIENT_MESSAGES, f"no decoder for client message {label(cap)}"
    msg = decode_payload(cap.payload, cap.server_version, CLIENT_MESSAGES)
    assert msg is not None
    if (cap.file, cap.line) not in REENCODE_EXCEPTIONS:
        assert encode_payload(msg, cap.server_version) == cap.payload


@pytest.mark.parametrize("cap", lines(SUPPORTED, "HS"), ids=label)
def test_handshake_line(cap: Captured) -> None:
    conn = ClientConnection()
    conn.initiate()
    conn.receive_data(frame(cap.payload))
    event = conn.next_event()
    assert isinstance(event, ServerHello)
    assert event.server_version == cap.server_version
    assert event.connection_time == cap.payload.split(b"\0")[1].decode()


@pytest.mark.parametrize("sv", sorted({c.server_version for c in OLDER}))
def test_older_versions_are_refused(sv: int) -> None:
    with pytest.raises(LocalProtocolError):
        ClientConnection(min_version=sv)


@pytest.mark.parametrize("cap", lines(OLDER, "HS"), ids=label)
def test_older_handshake_line_is_refused(cap: Captured) -> None:
    conn = ClientConnection()
    conn.initiate()
    conn.receive_data(frame(cap.payload))
    with pytest.raises(HandshakeError):
        conn.next_event()


@pytest.mark.parametrize("cap", [c for c in lines(OLDER, "S") if msg_id(c) in STABLE_BELOW_176], ids=label)
def test_older_line_of_a_stable_layout_decodes_at_176(cap: Captured) -> None:
    check_server_line(cap, MIN_SUPPORTED_VERSION)
