"""Byte tables and oracle checks for the session-level messages (START_API, ids, time, ERR_MSG)."""

from __future__ import annotations

import pytest

from ibkr.errors import VersionError
from ibkr.protocol.message import CLIENT_MESSAGES, SERVER_MESSAGES, ClientMessage, decode_payload, encode_payload
from ibkr.protocol.messages.system import (
    CurrentTime,
    CurrentTimeInMillis,
    ErrMsg,
    ManagedAccts,
    NextValidId,
    ReqCurrentTime,
    ReqCurrentTimeInMillis,
    ReqIds,
    StartApi,
)
from tests.oracle import ibapi_decode, ibapi_sent

VERSIONS = [176, 178, 187, 200]


def wire(text: str) -> bytes:
    return text.replace("␀", "\0").encode()


CLIENT_TABLE = (
    [(StartApi(client_id=7), v, "71␀2␀7␀␀") for v in VERSIONS]
    + [(ReqIds(num_ids=-1), v, "8␀1␀-1␀") for v in VERSIONS]
    + [(ReqCurrentTime(), v, "49␀1␀") for v in VERSIONS]
    + [(ReqCurrentTimeInMillis(), 200, "105␀")]
)

SERVER_TABLE = [
    (NextValidId(1), 187, "9␀1␀1␀"),
    (ManagedAccts("DU1234567"), 176, "15␀1␀DU1234567␀"),
    (CurrentTime(1700000000), 178, "49␀1␀1700000000␀"),
    (CurrentTimeInMillis(1700000000123), 200, "109␀1700000000123␀"),
    (
        ErrMsg(-1, 2104, "Market data farm connection is OK:usfarm"),
        176,
        "4␀2␀-1␀2104␀Market data farm connection is OK:usfarm␀␀",
    ),
    (
        ErrMsg(-1, 2104, "Market data farm connection is OK:usfarm"),
        187,
        "4␀2␀-1␀2104␀Market data farm connection is OK:usfarm␀␀",
    ),
    (
        ErrMsg(-1, 2104, "Market data farm connection is OK:usfarm"),
        193,
        "4␀2␀-1␀2104␀Market data farm connection is OK:usfarm␀␀",
    ),
    (
        ErrMsg(-1, 2104, "Market data farm connection is OK:usfarm", error_time=1700000000123),
        194,
        "4␀-1␀2104␀Market data farm connection is OK:usfarm␀␀1700000000123␀",
    ),
    (
        ErrMsg(5, 201, "Order rejected - reason:x", '{"a":1}', 1700000000123),
        200,
        '4␀5␀201␀Order rejected - reason:x␀{"a":1}␀1700000000123␀',
    ),
    # non-ASCII text travels unicode-escaped (the official decoder unescapes it, sv >= 153)
    (
        ErrMsg(3, 201, "Ordre rejeté \u2013 €", ""),
        187,
        "4␀2␀3␀201␀Ordre rejet\\u00e9 \\u2013 \\u20ac␀␀",
    ),
    (
        ErrMsg(3, 201, "C:\\x ✓", "", 1700000000123),
        200,
        "4␀3␀201␀C:\\\\x \\u2713␀␀1700000000123␀",
    ),
]


@pytest.mark.parametrize(("msg", "sv", "text"), CLIENT_TABLE + SERVER_TABLE)
def test_byte_table(msg: object, sv: int, text: str) -> None:
    assert encode_payload(msg, sv) == wire(text)  # type: ignore[arg-type]
    registry = CLIENT_MESSAGES if isinstance(msg, ClientMessage) else SERVER_MESSAGES
    assert decode_payload(wire(text), sv, registry) == msg  # type: ignore[arg-type]


def test_current_time_in_millis_needs_197() -> None:
    with pytest.raises(VersionError) as err:
        encode_payload(ReqCurrentTimeInMillis(), 196)
    assert err.value.required == 197


@pytest.mark.parametrize("sv", VERSIONS)
def test_client_requests_match_official_client(sv: int) -> None:
    assert ibapi_sent(sv, lambda c: c.reqIds(-1)) == [encode_payload(ReqIds(-1), sv)]
    assert ibapi_sent(sv, lambda c: c.reqCurrentTime()) == [encode_payload(ReqCurrentTime(), sv)]

    def start(c: object) -> None:
        c.clientId = 7  # type: ignore[attr-defined]
        c.optCapab = "cap"  # type: ignore[attr-defined]
        c.startApi()  # type: ignore[attr-defined]

    assert ibapi_sent(sv, start) == [encode_payload(StartApi(7, "cap"), sv)]


@pytest.mark.parametrize("sv", VERSIONS)
def test_server_messages_decode_in_official_client(sv: int) -> None:
    d = ibapi_decode(sv, encode_payload(NextValidId(42), sv))
    assert d.calls == [("nextValidId", (42,))]
    d = ibapi_decode(sv, encode_payload(ManagedAccts("DU1,DU2"), sv))
    assert d.calls == [("managedAccounts", ("DU1,DU2",))]
    d = ibapi_decode(sv, encode_payload(CurrentTime(1700000000), sv))
    assert d.calls == [("currentTime", (1700000000,))]
    err = ErrMsg(17, 201, "Order rejected - reason:no", '{"r":1}', 1700000000123 if sv >= 194 else 0)
    d = ibapi_decode(sv, encode_payload(err, sv))
    assert d.leftover == 0
    assert d.calls == [("error", (17, err.error_time, 201, "Order rejected - reason:no", '{"r":1}'))]


@pytest.mark.parametrize("sv", VERSIONS)
def test_non_ascii_error_text_decodes_in_official_client(sv: int) -> None:
    err = ErrMsg(3, 201, "Ordre rejeté \u2013 € \\ ✓", "", 1700000000123 if sv >= 194 else 0)
    d = ibapi_decode(sv, encode_payload(err, sv))
    assert d.leftover == 0
    assert d.calls == [("error", (3, err.error_time, 201, "Ordre rejeté \u2013 € \\ ✓", ""))]
