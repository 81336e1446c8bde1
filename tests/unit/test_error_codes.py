"""The TWS error-code table: severities, exception classes, fallbacks, exception_for."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from ibkr import error_codes
from ibkr.error_codes import ERROR_CODES, ErrorInfo, Severity, classify, exception_for
from ibkr.errors import (
    CancelRejected,
    ClientIdInUse,
    ClientSideError,
    ContractNotFound,
    DuplicateOrderId,
    HistoricalDataError,
    HistoricalPacingViolation,
    IBKRError,
    MarketDataNotSubscribed,
    OrderCancelled,
    OrderError,
    OrderRejected,
    PacingViolation,
    RequestError,
    TWSError,
)

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "tws-protocol.md"  # shared/ sits beside the repo

NOTICES = [2104, 2106, 2107, 2108, 2158, 2119, 10349]
WARNINGS = [2100, 2101, 2102, 2103, 2105, 2109, 2137, 2157, 2168, 2169, 399, 165, 10167, 10090, 404, 317]
ERRORS = {
    100: PacingViolation,
    101: RequestError,
    102: RequestError,
    103: DuplicateOrderId,
    110: OrderRejected,
    161: CancelRejected,
    162: HistoricalDataError,
    200: ContractNotFound,
    201: OrderRejected,
    202: OrderCancelled,
    321: RequestError,
    322: RequestError,
    354: MarketDataNotSubscribed,
    10089: MarketDataNotSubscribed,
    10147: CancelRejected,
    10148: CancelRejected,
    10149: OrderRejected,
    10168: MarketDataNotSubscribed,
    10197: MarketDataNotSubscribed,
}


def test_table_has_no_duplicate_codes() -> None:
    assert len(error_codes._ROWS) == len(ERROR_CODES)
    assert all(code == info.code for code, info in ERROR_CODES.items())


def test_every_code_of_spec_section_7_is_in_the_table() -> None:
    if not SPEC.exists():
        pytest.skip("spec not available")
    text = SPEC.read_text(encoding="utf-8")
    section = text[text.index("## 7. Error and status codes") : text.index("## 8. Pacing")]
    table_codes = {int(c) for c in re.findall(r"^\| (\d+) \|", section, re.MULTILINE)}
    listed = {int(c) for c in re.findall(r"\b(\d{3,5})\b", section.split("ib_async's classification")[1])}
    assert len(table_codes) > 30
    assert table_codes - set(ERROR_CODES) == set()
    assert {c for c in listed if c < 2100 or c > 2199} - set(ERROR_CODES) == set()


@pytest.mark.parametrize("code", NOTICES)
def test_notices_are_info_without_exception(code: int) -> None:
    info = classify(code)
    assert info.severity is Severity.INFO
    assert info.exception is None


@pytest.mark.parametrize("code", WARNINGS + list(range(2100, 2200)))
def test_informational_codes_fail_nothing(code: int) -> None:
    info = classify(code)
    assert info.severity in (Severity.INFO, Severity.WARNING, Severity.CONNECTIVITY)
    assert info.exception is None
    if code != 2110:
        assert info.severity in (Severity.INFO, Severity.WARNING)


@pytest.mark.parametrize(("code", "cls"), sorted(ERRORS.items()))
def test_error_codes_map_to_their_class(code: int, cls: type[TWSError]) -> None:
    info = classify(code)
    assert info.severity is Severity.ERROR
    assert info.exception is cls
    exc = exception_for(code, "text", 42, '{"reason": 1}', error_time=1700000000000)
    assert type(exc) is cls
    assert (exc.code, exc.message, exc.req_id, exc.advanced_order_reject_json, exc.error_time) == (
        code,
        "text",
        42,
        '{"reason": 1}',
        1700000000000,
    )
    assert isinstance(exc, IBKRError)


def test_every_error_has_a_class_and_every_non_error_none() -> None:
    for info in ERROR_CODES.values():
        if info.severity in (Severity.ERROR, Severity.FATAL):
            assert info.exception is not None and issubclass(info.exception, TWSError), info
        else:
            assert info.exception is None, info
        assert info.meaning
        assert info.live_order in (None, Severity.WARNING)


@pytest.mark.parametrize("code", [1100, 1101, 1102, 1300, 2110])
def test_connectivity(code: int) -> None:
    info = classify(code)
    assert info.severity is Severity.CONNECTIVITY
    assert info.exception is None


def test_326_is_fatal_client_id_in_use() -> None:
    info = classify(326)
    assert info.severity is Severity.FATAL
    assert info.exception is ClientIdInUse
    exc = exception_for(326, "Unable to connect as the client id is already in use.")
    assert isinstance(exc, ClientIdInUse)
    assert exc.req_id == -1
    assert str(exc) == "TWS error 326: Unable to connect as the client id is already in use."


@pytest.mark.parametrize(
    ("code", "severity"),
    [(502, Severity.FATAL), (504, Severity.FATAL), (507, Severity.FATAL), (501, Severity.ERROR), (579, Severity.ERROR)],
)
def test_client_side_codes(code: int, severity: Severity) -> None:
    assert classify(code).severity is severity
    assert classify(code).exception is ClientSideError


@pytest.mark.parametrize("code", [104, 105, 110, 134, 321, 329, 434, 440, 444])
def test_modification_codes_depend_on_the_order_being_live(code: int) -> None:
    info = classify(code)
    assert info.severity_for(order_live=False) is Severity.ERROR
    assert info.severity_for(order_live=True) is Severity.WARNING


def test_other_codes_ignore_order_liveness() -> None:
    assert classify(201).severity_for(order_live=True) is Severity.ERROR
    assert classify(2104).severity_for(order_live=True) is Severity.INFO


def test_fallback_rules() -> None:
    assert classify(2199) == ErrorInfo(2199, Severity.WARNING, None, "unlisted TWS notice")
    assert classify(1999).severity is Severity.WARNING
    assert classify(599) == ErrorInfo(599, Severity.ERROR, ClientSideError, "unlisted client-side error")
    for code in (0, 112, 450, 499, 999, 3000, 10400, 99999, -1):
        info = classify(code)
        assert (info.severity, info.exception) == (Severity.ERROR, RequestError), code
    assert type(exception_for(450, "?", 7)) is RequestError
    assert type(exception_for(450, "?", 7, order=True)) is OrderRejected
    assert type(exception_for(203, "?", 7, order=True)) is OrderRejected
    assert type(exception_for(200, "?", 7, order=True)) is ContractNotFound  # specific class wins


def test_exception_for_notice_is_plain_tws_error() -> None:
    exc = exception_for(2104, "Market data farm connection is OK:usfarm")
    assert type(exc) is TWSError


def test_162_pacing_violation_is_split_by_text() -> None:
    pacing = exception_for(
        162, "Historical Market Data Service error message:Historical data request pacing violation", 5
    )
    assert type(pacing) is HistoricalPacingViolation
    assert isinstance(pacing, PacingViolation) and isinstance(pacing, HistoricalDataError)
    other = exception_for(162, "Historical Market Data Service error message:HMDS query returned no data", 5)
    assert type(other) is HistoricalDataError


def test_error_tree() -> None:
    assert issubclass(DuplicateOrderId, OrderRejected)
    assert issubclass(OrderRejected, OrderError) and issubclass(CancelRejected, OrderError)
    assert issubclass(ContractNotFound, RequestError)
    assert issubclass(MarketDataNotSubscribed, RequestError)
    assert not issubclass(OrderError, RequestError)


def test_tws_error_pickles_and_takes_keywords() -> None:
    exc = ClientIdInUse(code=326, message="in use", req_id=-1, advanced_order_reject_json="")
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is ClientIdInUse
    assert (back.code, back.message, back.req_id) == (326, "in use", -1)
    assert str(OrderRejected(201, "Order rejected - reason: margin", 12)) == (
        "TWS error 201 (id 12): Order rejected - reason: margin"
    )
