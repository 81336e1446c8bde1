"""The compiled decoder (``ibkr.protocol._native``) against the pure-Python decoders.

Every test feeds the same bytes to two ready client connections, one with the compiled decoder
and one without, and requires the same items: the same message classes with the same field
values *and types* (``-0.0`` is not ``0.0``, a ``WireFloat`` is not a ``float``), the same
``DecodeError`` naming the same field, the same unknown-id counts. The inputs are real encodings
of random messages and random field texts around every edge the C readers have (digit counts,
exponents, unset sentinels, signs, bad UTF-8, field counts).
"""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ibkr.errors import DecodeError, FrameError
from ibkr.protocol import ClientConnection, ServerConnection, State, frame, native
from ibkr.protocol.ids import SV, In
from ibkr.protocol.message import Message
from ibkr.protocol.messages import (
    MarketDepth,
    MarketDepthL2,
    OrderStatus,
    TickByTickBidAsk,
    TickByTickLast,
    TickByTickMidPoint,
    TickByTickNone,
    TickPrice,
    TickSize,
    TickString,
)
from ibkr.protocol.messages.system import CurrentTime
from tests.protocol.pair import ready_client

pytestmark = pytest.mark.skipif(not native.ENABLED, reason="the compiled decoder is not built")

VERSIONS = [176, 178, 187, 200]


def ready(sv: int, use_native: bool) -> tuple[ClientConnection, ServerConnection]:
    client, server = ready_client(sv, use_native)
    assert client.native is use_native
    return client, server


def canon(item: object) -> object:
    """What must be identical between the two paths: class, and each field's type and repr."""
    if isinstance(item, DecodeError):
        return ("error", str(item), item.field, item.msg_id)
    assert isinstance(item, Message)
    return (type(item), tuple((f.name, type(v := getattr(item, f.name)), repr(v)) for f in dataclasses.fields(item)))


def both(data: bytes, sv: int = 200) -> tuple[list[object], ClientConnection]:
    """Decode ``data`` both ways; assert the same items and accounting; return them."""
    fast, _ = ready(sv, True)
    slow, _ = ready(sv, False)
    got_fast = fast.receive_messages(data)
    got_slow = slow.receive_messages(data)
    assert [canon(x) for x in got_fast] == [canon(x) for x in got_slow]
    assert fast.unknown_messages == slow.unknown_messages
    assert fast._frames.frames_in == slow._frames.frames_in
    assert fast._frames.buffered == slow._frames.buffered
    assert fast.messages_in == slow.messages_in
    return got_fast, fast


# --- real encodings of random messages --------------------------------------------------------

ints = st.integers(-(2**31) + 1, 2**31 - 2)
small = st.integers(-1, 5000)
prices = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([0.0, -0.0, 150.25, 1e-7, 1e22, 5e-324])
sizes = st.none() | st.floats(-(2**31) + 2, 2**31 - 2) | st.sampled_from([0.0, 100.0, 0.5, 1e12, 3.0e9])
texts = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=12)
qty = st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9)

MESSAGES = st.one_of(
    st.builds(TickPrice, ints, small, prices, sizes, st.integers(0, 7)),
    st.builds(TickSize, ints, small, sizes),
    st.builds(TickString, ints, small, texts),
    st.builds(MarketDepth, ints, small, st.integers(0, 2), st.integers(0, 1), prices, sizes),
    st.builds(MarketDepthL2, ints, small, texts, st.integers(0, 2), st.integers(0, 1), prices, sizes, st.booleans()),
    st.builds(TickByTickLast, ints, st.sampled_from([1, 2]), st.integers(0, 2**40), prices, sizes, small, texts, texts),
    st.builds(TickByTickBidAsk, ints, st.just(3), st.integers(0, 2**40), prices, prices, sizes, sizes, small),
    st.builds(TickByTickMidPoint, ints, st.just(4), st.integers(0, 2**40), prices),
    st.builds(TickByTickNone, ints, st.just(0), st.integers(0, 2**40)),
    st.builds(OrderStatus, ints, texts, qty, qty, prices, ints, ints, prices, ints, texts, prices),
)


@settings(max_examples=300, deadline=None)
@given(msgs=st.lists(MESSAGES, min_size=1, max_size=20), sv=st.sampled_from(VERSIONS))
def test_random_messages_decode_the_same_both_ways(msgs: list[Message], sv: int) -> None:
    _, server = ready(sv, False)
    data = b"".join(server.send(m) for m in msgs)
    got, _ = both(data, sv)
    assert len(got) == len(msgs)
    for sent, item in zip(msgs, got, strict=True):
        assert not isinstance(item, DecodeError)
        if isinstance(sent, MarketDepthL2) and sv < SV.SMART_DEPTH:
            continue  # the flag is not on the wire before SMART_DEPTH
        assert type(item) is type(sent)


def test_the_hot_messages_are_built_natively() -> None:
    """The shapes the plan lists really are decoded by C: the fallback is never called for them."""
    _, server = ready(200, False)
    msgs: list[Message] = [
        TickPrice(1, 1, 150.25, 100.0, 1),
        TickSize(1, 0, 300.0),
        TickString(1, 45, "1700000000"),
        MarketDepth(2, 0, 0, 1, 99.5, 10.0),
        MarketDepthL2(2, 1, "NSDQ", 1, 0, 99.75, 20.0, True),
        TickByTickLast(3, 1, 1700000000, 10.5, 5.0, 0, "ARCA", "T"),
        TickByTickLast(3, 2, 1700000001, 10.5, 5.0, 2, "ARCA", ""),
        TickByTickBidAsk(3, 3, 1700000002, 10.0, 10.01, 1.0, 2.0, 0),
        TickByTickMidPoint(3, 4, 1700000003, 10.005),
        TickByTickNone(3, 0, 1700000004),
    ]
    data = b"".join(server.send(m) for m in msgs)
    plan = native.plan_for(200)
    assert plan is not None
    fallbacks: list[bytes] = []
    out: list[Any] = []
    pos, count, refused = plan.decode(bytearray(data), 0, 1 << 24, out, lambda p, o: fallbacks.append(p))
    assert (pos, count, refused, fallbacks) == (len(data), len(msgs), 0, [])
    assert out == msgs


# --- random field texts around the readers' edges ---------------------------------------------

EDGE_TEXTS = [
    b"", b"0", b"1", b"-1", b"00", b"-0", b"+5", b" 1", b"1 ", b"1_0", b"4095", b"4096", b"-5000",
    b"2147483647", b"2147483646", b"-2147483647", b"2147483648", b"9223372036854775807",
    b"-9223372036854775808", b"999999999999999999", b"1000000000000000000", b"1.7976931348623157E308",
    b"1.7976931348623157e+308", b"1e999", b"-1e999", b"1e-999", b"nan", b"inf", b"Infinity", b"1.5",
    b"150.25", b".5", b"5.", b".", b"-", b"e5", b"1e", b"1e+", b"1E-3", b"1e22", b"1e23", b"1e-22",
    b"123456789012345", b"1234567890123456", b"0.1234567890123456789", b"000000000000000000001.5",
    b"146.70999999999998", b"5e-324", b"2.2250738585072014e-308", b"\xff", b"\xc3\xa9", b"abc", b"NASDAQ",
    b"Submitted", b"0x10", b"1.5.5", b"--1",
]  # fmt: skip
field_texts = (
    st.sampled_from(EDGE_TEXTS)
    | st.from_regex(rb"\A-?[0-9]{0,20}(\.[0-9]{0,20})?([eE][+-]?[0-9]{0,4})?\Z", fullmatch=True)
    | st.binary(max_size=6).filter(lambda b: b"\0" not in b)
)
# id text, then the field count the shapes expect (and one more or less)
HEADS = [
    (In.TICK_PRICE, 7),
    (In.TICK_SIZE, 5),
    (In.TICK_STRING, 5),
    (In.MARKET_DEPTH, 8),
    (In.MARKET_DEPTH_L2, 10),
    (In.TICK_BY_TICK, 9),
    (In.TICK_BY_TICK, 5),
    (In.TICK_BY_TICK, 4),
    (In.ORDER_STATUS, 12),
]


@st.composite
def payloads(draw: st.DrawFn) -> bytes:
    msg_id, count = draw(st.sampled_from(HEADS))
    count += draw(st.sampled_from([0, 0, 0, 0, -1, 1]))
    fields = [str(int(msg_id)).encode(), *draw(st.lists(field_texts, min_size=count - 1, max_size=count - 1))]
    if msg_id == In.TICK_BY_TICK and count - 1 >= 2 and draw(st.booleans()):
        fields[2] = draw(st.sampled_from([b"0", b"1", b"2", b"3", b"4"]))
    versioned = (In.TICK_PRICE, In.TICK_SIZE, In.TICK_STRING, In.MARKET_DEPTH, In.MARKET_DEPTH_L2)
    if msg_id in versioned and draw(st.booleans()):  # a well-formed version field half of the time
        fields[1] = b"1" if msg_id in (In.MARKET_DEPTH, In.MARKET_DEPTH_L2) else b"6"
    end = b"\0" if draw(st.integers(0, 20)) else b""  # now and then a frame without its final NUL
    return b"\0".join(fields) + end


@settings(deadline=None, max_examples=800)  # ~25 ms each: generating the texts dominates
@given(frames=st.lists(payloads(), min_size=1, max_size=8), sv=st.sampled_from(VERSIONS))
def test_random_field_texts_decode_the_same_both_ways(frames: list[bytes], sv: int) -> None:
    both(b"".join(frame(p) for p in frames), sv)


@settings(deadline=None, max_examples=1000)
@given(text=st.sampled_from(EDGE_TEXTS) | st.from_regex(rb"\A-?[0-9]{1,20}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,3})?\Z"))
def test_prices_are_exactly_what_float_reads(text: bytes) -> None:
    """Bit for bit (sign of zero, infinities): the fast decimal path and strtod agree with float()."""
    got, _ = both(frame(b"1\x006\x001\x001\x00" + text + b"\x00100\x000\x00"))
    item = got[0]
    try:
        expected = float(text)
    except ValueError:
        return  # the generic reader's own rules (both paths agree, checked above)
    assert isinstance(item, TickPrice)
    assert math.copysign(1.0, item.price) == math.copysign(1.0, expected)
    assert item.price == expected or (math.isnan(item.price) and math.isnan(expected))


@settings(deadline=None)
@given(value=st.floats(allow_nan=False))
def test_every_float_repr_round_trips(value: float) -> None:
    got, _ = both(frame(b"1\x006\x001\x001\x00" + repr(value).encode() + b"\x00100\x000\x00"))
    assert isinstance(got[0], TickPrice)
    assert got[0].price == value and math.copysign(1.0, got[0].price) == math.copysign(1.0, value)


# --- order, errors, limits --------------------------------------------------------------------


def test_fallback_frames_keep_their_place_in_the_stream() -> None:
    _, server = ready(200, False)
    data = (
        server.send(TickPrice(1, 1, 1.5, 1.0, 0))
        + frame(b"9999\x00x\x00")  # unknown id: counted and skipped
        + server.send(CurrentTime(7))  # no compiled shape: Python decoder
        + frame(b"1\x006\x001\x001\x00not-a-price\x00100\x000\x00")  # DecodeError naming the field
        + server.send(TickSize(1, 0, None))  # unset size: read as None
        + frame(b"2\x006\x001\x000\x00100")  # no final NUL
    )
    got, conn = both(data)
    assert [type(x).__name__ for x in got] == ["TickPrice", "CurrentTime", "DecodeError", "TickSize", "DecodeError"]
    assert isinstance(got[2], DecodeError) and got[2].field == "price"
    assert conn.unknown_messages[9999] == 1


@pytest.mark.parametrize("use_native", [True, False])
def test_oversized_frame_is_refused_after_the_frames_before_it(use_native: bool) -> None:
    client, server = ready(200, use_native)
    before = client._frames.frames_in
    with pytest.raises(FrameError, match="exceeds"):
        client.receive_messages(server.send(TickSize(1, 0, 1.0)) + b"\x7f\x00\x00\x00")
    assert client._frames.frames_in == before + 1
    assert client.state is State.ERROR


@settings(deadline=None, max_examples=100)
@given(cuts=st.lists(st.integers(0, 4000), max_size=30))
def test_partial_frames_across_reads(cuts: list[int]) -> None:
    _, server = ready(200, False)
    msgs = [TickPrice(i, 1, 100.0 + i / 100, float(i), 0) for i in range(60)]
    data = b"".join(server.send(m) for m in msgs)
    client, _ = ready(200, True)
    points = sorted({c % (len(data) + 1) for c in cuts})
    got: list[object] = []
    for a, b in zip([0, *points], [*points, len(data)], strict=True):
        got += client.receive_messages(data[a:b])
    assert got == msgs


def test_native_can_be_switched_per_connection() -> None:
    client, server = ready(200, True)
    client.native = False
    assert client.native is False
    assert client.receive_messages(server.send(TickSize(1, 0, 5.0))) == [TickSize(1, 0, 5.0)]
    client.native = True
    assert client.native is True
    assert client.receive_messages(server.send(TickSize(1, 0, 6.0))) == [TickSize(1, 0, 6.0)]


def test_ibkr_pure_python_rules_the_extension_out() -> None:
    code = "from ibkr.protocol import native; print(native.AVAILABLE, native.ENABLED, native.plan_for(200))"
    env = {**os.environ, "IBKR_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False", "None"]


# --- the plan rejects what it cannot build safely ---------------------------------------------


@dataclasses.dataclass
class _NoSlots(Message):
    x: int = 0


def test_plan_refuses_a_class_without_slots_and_bad_steps() -> None:
    from ibkr.protocol import _native

    with pytest.raises(TypeError, match="slot"):
        _native.Plan({1: [(_NoSlots, 2, -1, None, ((0, None, None), (2, None, None)))]}, ())
    with pytest.raises(TypeError, match="member descriptor"):
        _native.Plan({1: [(TickSize, 2, -1, None, ((0, None, None), (2, "req_id", None)))]}, ())
    with pytest.raises(ValueError, match="one step per field"):
        _native.Plan({1: [(TickSize, 3, -1, None, ((0, None, None),))]}, ())
    with pytest.raises(ValueError, match="outside"):
        _native.Plan({400: []}, ())
    with pytest.raises(TypeError, match="class"):
        _native.Plan({1: [(TickSize, 1, -1, None, ((0, None, None),))], 2: [("x", 1, -1, None, ())]}, ())
    with pytest.raises(TypeError, match="callable"):
        _native.Plan({1: [(TickSize, 2, -1, None, ((0, None, None), (7, TickSize.req_id, None)))]}, ())
