"""The compiled encoder of the server role's tick messages (``_tickenc``, ``native.encode_frames``):
the same bytes as ``frame(encode_payload(m, sv))``, message for message, on random and edge values,
with messages it does not take (other classes, odd values) interleaved; the same errors too."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibkr.errors import ProtocolError
from ibkr.protocol import native
from ibkr.protocol.framing import frame
from ibkr.protocol.message import encode_payload
from ibkr.protocol.messages.market_data import TickGeneric, TickPrice, TickSize, TickString
from ibkr.protocol.messages.system import CurrentTime

pytestmark = pytest.mark.skipif(native.FRAME_RUN is None, reason="ibkr.protocol._tickenc is not built")

SV = (176, 187, 200)
INTS = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, -1, 1, 2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 10**30, True]),
)
#: prices as they are quoted: a short decimal m / 10^k (the encoder's own path, no dtoa), at its edges
DECIMALS = st.builds(
    lambda m, k, sign: sign * m / 10**k, st.integers(0, 10**16), st.integers(0, 17), st.sampled_from([1, -1])
)
FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    DECIMALS,
    st.sampled_from([
        0.0, -0.0, 1.0, 100.0, 0.1, 1e16, 1e22, 2.0**53, 2.0**53 + 2, -(2.0**53), 1e-7, 5e-324, 1e300,
        1e-4, 9.999999999999999e-05, 1e15, 999999999999999.9, 999999999999999.0, 0.1 + 0.2, 99.99999999999999,
    ]),
)  # fmt: skip
SIZES = st.one_of(st.none(), FLOATS, st.sampled_from([3, True]))
TEXTS = st.one_of(st.text(max_size=40), st.sampled_from(["", "a\0b", "\ud800", "1700000000", "é€😀", "x" * 1100]))


def _price(r: Any, t: Any, p: Any, s: Any, a: Any) -> TickPrice:
    return TickPrice(req_id=r, tick_type=t, price=p, size=s, attr_mask=a)


def messages() -> st.SearchStrategy[Any]:
    price = st.builds(_price, INTS, INTS, st.one_of(FLOATS, st.sampled_from([5, "1.5"])), SIZES, INTS)
    size = st.builds(lambda r, t, s: TickSize(req_id=r, tick_type=t, size=s), INTS, INTS, SIZES)
    string = st.builds(lambda r, t, v: TickString(req_id=r, tick_type=t, value=v), INTS, INTS, TEXTS)
    other = st.sampled_from([CurrentTime(time=1700000000), TickGeneric(req_id=1, tick_type=49, value=0.0)])
    return st.one_of(price, price, size, string, other)


def python_frames(msgs: list[Any], sv: int) -> tuple[bytes, int]:
    """What the simulator wrote before: one frame per message, a ProtocolError left out."""
    chunks = []
    for m in msgs:
        try:
            chunks.append(frame(encode_payload(m, sv)))
        except ProtocolError:
            continue
    return b"".join(chunks), len(chunks)


def outcome(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - the comparison is of the error as well
        return type(exc)


@given(msgs=st.lists(messages(), max_size=12), sv=st.sampled_from(SV))
def test_the_compiled_runs_write_what_encode_payload_writes(msgs: list[Any], sv: int) -> None:
    assert outcome(native.encode_frames, msgs, sv) == outcome(python_frames, msgs, sv)


def test_plain_ticks_are_taken_whole_and_the_run_stops_at_the_first_it_does_not_take() -> None:
    run = native.FRAME_RUN
    assert run is not None
    msgs: list[Any] = [
        TickPrice(req_id=7, tick_type=1, price=101.25, size=300.0, attr_mask=2),
        TickSize(req_id=7, tick_type=0, size=0.5),
        TickString(req_id=7, tick_type=45, value="1700000000"),
        TickPrice(req_id=7, tick_type=2, price=math.inf, size=None, attr_mask=0),  # not verbatim
        TickSize(req_id=7, tick_type=3, size=None),
    ]
    out = bytearray()
    assert run(msgs, 0, out) == 3
    assert bytes(out) == b"".join(frame(encode_payload(m, 200)) for m in msgs[:3])
    assert bytes(out[:4]) == len(b"1\x006\x007\x001\x00101.25\x00300\x002\x00").to_bytes(4, "big")
    assert run(msgs, 4, out) == 5
    assert run(msgs, 3, bytearray()) == 3
    assert native.encode_frames(msgs, 200) == python_frames(msgs, 200)


def test_frame_run_checks_its_arguments() -> None:
    run = native.FRAME_RUN
    assert run is not None
    with pytest.raises(TypeError):
        run([], 0, b"")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        run(5, 0, bytearray())  # type: ignore[arg-type]


def _price_field(price: float) -> bytes:
    data, taken = native.encode_frames([TickPrice(req_id=1, tick_type=1, price=price, size=None)], 200)
    assert taken == 1
    return bytes(data[4:]).split(b"\0")[4]


def test_quoted_prices_are_written_as_repr_writes_them() -> None:
    """Dense ranges of the prices a market quotes (ticks of 1e-2 .. 1e-8 near their usual
    magnitudes, both signs) and the fixed / exponent boundaries of repr()."""
    values = [sign * m / 10**k for k in range(9) for m in range(0, 200_000, 11) for sign in (1, -1)]
    values += [m * 0.01 for m in range(100_000)] + [m * 0.0001 for m in range(0, 1_000_000, 17)]
    values += [1e-4, math.nextafter(1e-4, 0), 1e15, math.nextafter(1e15, 0), 123456789012345.6, 0.1 + 0.2]
    wrong = [(v, _price_field(v)) for v in values if _price_field(v) != repr(v).encode()]
    assert not wrong[:5]
