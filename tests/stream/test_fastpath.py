"""The compiled L1 update and dispatch loop (``ibkr.fastpath``) against the Python ones.

``apply_l1`` must leave a ``SymbolState`` exactly as ``SymbolState.on_l1`` does: random message
sequences (every tick type the state knows, others, unset and odd prices and sizes, the LAST /
LAST_SIZE echo, a TICK_STRING in between) go to two twin states, one through each path, and every
slot, the snapshot, the ring's bytes and counters and the update tuples are compared after each
message. Where it cannot take a state or message (a type it does not know, a slot holding
something unusual) it must decline and change nothing, so the Python path gives the answer.
``dispatch`` must call the handlers exactly as the Python loop does.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibkr import fastpath
from ibkr.client import IBKRClient
from ibkr.config import ConnectionConfig, StreamConfig
from ibkr.protocol.messages.market_data import TickPrice, TickSize, TickString
from ibkr.protocol.models import Contract
from ibkr.stream import IBKRDataStream
from ibkr.stream.ring import L1Ring, TradeHistory
from ibkr.stream.symbol import SymbolState

pytestmark = pytest.mark.skipif(not fastpath.ENABLED, reason="ibkr._fastpath is not built (or IBKR_PURE_PYTHON)")

APPLY = fastpath.APPLY_L1
DISPATCH = fastpath.DISPATCH
#: every tick type symbol.py handles, their delayed twins, and some it does not (45: a string's)
TICK_TYPES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 45, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 111, 255, 256, 1000]
PRICES = st.one_of(
    st.sampled_from([-1.0, 0.0, -0.0, 100.25, math.nan, math.inf, -math.inf, 1e300]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
)
SIZES = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 5.0, 100.0, math.nan, -3.0]), st.floats(0, 1e6))


def _price(t: int, p: float, s: float | None) -> TickPrice:
    return TickPrice(req_id=7, tick_type=t, price=p, size=s, attr_mask=0)


def _print(last: int, size_tick: int, p: float, s: float | None, echo: float | None, same: bool) -> list[Any]:
    """A LAST price tick and a LAST_SIZE right after it: its echo (same size) or a new print."""
    return [_price(last, p, s), TickSize(req_id=7, tick_type=size_tick, size=s if same else echo)]


def messages() -> st.SearchStrategy[list[Any]]:
    """Chunks of messages (flattened by the test): single ticks of any type, and trade prints."""
    tt = st.sampled_from(TICK_TYPES)
    price = st.builds(lambda t, p, s: [_price(t, p, s)], tt, PRICES, SIZES)
    size = st.builds(lambda t, s: [TickSize(req_id=7, tick_type=t, size=s)], tt, SIZES)
    string = st.builds(lambda t: [TickString(req_id=7, tick_type=t, value="1700000000")], tt)
    prints = st.builds(_print, st.sampled_from([4, 68]), st.sampled_from([5, 71]), PRICES, SIZES, SIZES, st.booleans())
    return st.one_of(price, price, size, size, string, prints, prints)


@pytest.fixture(scope="module")
def stream() -> IBKRDataStream:
    # never connected: the states only need the stream's _queue and the client's batch_ns
    client = IBKRClient(ConnectionConfig(port=7497))
    client.dispatching = True  # as in a read: _queue notes the state and schedules nothing
    return IBKRDataStream(client, StreamConfig())


def new_state(stream: IBKRDataStream, symbol: str, capacity: int, trades: bool, quotes: bool) -> SymbolState:
    s = SymbolState(stream, symbol, Contract(symbol=symbol), 10)
    s.l1_ring = L1Ring(capacity, symbol)
    s.trade_ring = s.l1_ring if trades else None
    s.quote_ring = s.l1_ring if quotes else None
    s.trade_consumers, s.quote_consumers = trades, quotes
    return s


def observe(s: SymbolState) -> str:
    """Everything the L1 update may touch, as text (NaN equals NaN, -0.0 differs from 0.0)."""
    ring = s.l1_ring
    assert ring is not None
    state = {k: getattr(s, k) for k in ("updates", "echo", "n_quotes", "n_trades", "queued", "fresh_notional",
                                        "fresh_volume", "fresh", "n_depth", "gaps")}  # fmt: skip
    rows = (bytes(ring._rows), ring._off, ring._end, ring.total, ring.trades)
    return repr((state, dataclasses.astuple(s.snap), rows))


def python_path(s: SymbolState, m: Any, batch_ns: int) -> None:
    s.client.batch_ns = batch_ns
    s.on_l1(m)


def compiled_path(s: SymbolState, m: Any, batch_ns: int) -> None:
    # what the dispatch does: the compiled update, or the Python one when it declines
    assert APPLY is not None
    if type(m) is TickString or not APPLY(s, m, batch_ns):
        python_path(s, m, batch_ns)


@given(
    chunks=st.lists(messages(), max_size=30),
    capacity=st.integers(1, 5),
    trades=st.booleans(),
    quotes=st.booleans(),
)
def test_the_compiled_update_leaves_every_slot_as_on_l1_does(
    stream: IBKRDataStream, chunks: list[list[Any]], capacity: int, trades: bool, quotes: bool
) -> None:
    msgs = [m for c in chunks for m in c]
    a = new_state(stream, "PY", capacity, trades, quotes)
    b = new_state(stream, "PY", capacity, trades, quotes)
    for i, m in enumerate(msgs):
        batch_ns = 1_000_000 + i // 3  # a few messages per read share its time
        python_path(a, m, batch_ns)
        compiled_path(b, m, batch_ns)
        assert observe(b) == observe(a), f"after message {i}: {m!r}"
    stream._fresh.clear()


def test_the_echo_of_a_last_is_no_second_trade_and_a_new_size_is() -> None:
    client = IBKRClient(ConnectionConfig(port=7497))
    client.dispatching = True
    s = new_state(IBKRDataStream(client, StreamConfig()), "X", 8, True, True)
    assert APPLY is not None
    seq = [
        TickPrice(req_id=7, tick_type=4, price=101.5, size=3.0, attr_mask=0),
        TickSize(req_id=7, tick_type=5, size=3.0),  # the echo
        TickSize(req_id=7, tick_type=5, size=2.0),  # a new print at 101.5
        TickPrice(req_id=7, tick_type=1, price=101.0, size=7.0, attr_mask=0),
    ]
    assert all(APPLY(s, m, 5) for m in seq)
    assert s.fresh == [
        ("trade", "X", 101.5, 3.0, 5),
        ("trade", "X", 101.5, 2.0, 5),
        ("quote", "X", 101.0, None, 7.0, None, 5),
    ]
    assert (s.n_trades, s.n_quotes, s.updates) == (2, 1, 4)
    assert s.snap.vwap == pytest.approx(101.5) and s.snap.trade_volume == 5.0
    assert s.fresh_notional == pytest.approx(101.5 * 5) and s.fresh_volume == 5.0
    assert s.l1_ring is not None and (s.l1_ring.total, s.l1_ring.trades) == (3, 2)
    assert [(t.price, t.size, t.recv_ns) for t in TradeHistory(s.l1_ring).last(5)] == [(101.5, 3.0, 5), (101.5, 2.0, 5)]


class Odd(float):
    pass


class SubPrice(TickPrice):
    pass


DECLINED: list[tuple[str, Any]] = [
    ("typed updates", lambda s: setattr(s, "tuples", False)),
    ("an int bid", lambda s: setattr(s.snap, "bid", 100)),
    ("a float subclass as last", lambda s: setattr(s.snap, "last", Odd(1.0))),
    ("an int trade volume", lambda s: setattr(s.snap, "trade_volume", 0)),
    ("a float count", lambda s: setattr(s, "updates", 1.0)),
    ("a truthy non-bool flag", lambda s: setattr(s, "quote_consumers", 1)),
    ("a ring of another class", lambda s: setattr(s, "quote_ring", object())),
    ("a full ring offset", lambda s: setattr(s.l1_ring, "_off", len(s.l1_ring._rows))),
    ("a ring grown to bytes", lambda s: setattr(s.l1_ring, "_rows", bytes(41))),
    ("a missing snapshot", lambda s: delattr(s, "snap")),
]


@pytest.mark.parametrize("what,spoil", DECLINED, ids=[d[0] for d in DECLINED])
def test_an_unusual_state_is_declined_and_left_unchanged(stream: IBKRDataStream, what: str, spoil: Any) -> None:
    assert APPLY is not None
    s = new_state(stream, "ODD", 4, True, True)
    spoil(s)
    before = {k: repr(getattr(s, k, None)) for k in SymbolState.__slots__}
    snap = repr(getattr(s, "snap", None))
    m = TickPrice(req_id=7, tick_type=1, price=99.0, size=1.0, attr_mask=0)
    assert APPLY(s, m, 1) is False
    assert {k: repr(getattr(s, k, None)) for k in SymbolState.__slots__} == before
    assert repr(getattr(s, "snap", None)) == snap


@pytest.mark.parametrize(
    "m",
    [
        TickPrice(req_id=7, tick_type=1, price=99, size=1.0, attr_mask=0),  # an int price
        TickPrice(req_id=7, tick_type=1, price=99.0, size=1, attr_mask=0),  # an int size
        TickSize(req_id=7, tick_type="0", size=1.0),  # type: ignore[arg-type]
        SubPrice(req_id=7, tick_type=1, price=99.0, size=1.0, attr_mask=0),
        TickString(req_id=7, tick_type=45, value="1"),
    ],
)
def test_an_unusual_message_is_declined(stream: IBKRDataStream, m: Any) -> None:
    assert APPLY is not None
    s = new_state(stream, "ODD", 4, True, True)
    before = observe(s)
    assert APPLY(s, m, 1) is False
    assert observe(s) == before


class Boom(Exception):
    pass


def test_dispatch_calls_the_handlers_in_order_and_routes_the_sinks(stream: IBKRDataStream) -> None:
    assert DISPATCH is not None
    calls: list[tuple[str, int, Any]] = []
    handlers: dict[type, Any] = {
        TickPrice: lambda slot, m: calls.append(("price", slot, m)),
        TickString: lambda slot, m: calls.append(("string", slot, m)),
    }
    s = new_state(stream, "R", 4, True, True)
    routed = TickPrice(req_id=7, tick_type=1, price=10.0, size=2.0, attr_mask=0)
    other_id = TickPrice(req_id=8, tick_type=1, price=11.0, size=2.0, attr_mask=0)
    odd = TickPrice(req_id=7, tick_type=1, price=12, size=2.0, attr_mask=0)  # declined: to the handler
    string = TickString(req_id=7, tick_type=45, value="1")
    size = TickSize(req_id=9, tick_type=0, size=1.0)  # no handler, no sink: to other()
    msgs = [routed, other_id, string, odd, size]
    DISPATCH(msgs, handlers, 3, {7: s}, 42, lambda slot, m: calls.append(("other", slot, m)))
    assert calls == [("price", 3, other_id), ("string", 3, string), ("price", 3, odd), ("other", 3, size)]
    assert s.fresh == [("quote", "R", 10.0, None, 2.0, None, 42)] and s.updates == 1


def test_dispatch_stops_at_a_handler_that_raises_like_the_python_loop() -> None:
    assert DISPATCH is not None
    seen: list[Any] = []

    def handler(slot: int, m: Any) -> None:
        seen.append(m)
        if m.tick_type == 2:
            raise Boom("handler")

    msgs = [TickSize(req_id=1, tick_type=t, size=1.0) for t in (1, 2, 3)]
    with pytest.raises(Boom):
        DISPATCH(msgs, {TickSize: handler}, 0, {}, 0, lambda slot, m: None)
    assert seen == msgs[:2]


def test_dispatch_checks_its_arguments() -> None:
    assert DISPATCH is not None
    with pytest.raises(TypeError):
        DISPATCH([], [], 0, {}, 0, print)
    with pytest.raises(TypeError):
        DISPATCH([], {}, 0, {}, 1.5, print)
    with pytest.raises(TypeError):
        DISPATCH(5, {}, 0, {}, 0, print)


async def test_a_connected_stream_takes_its_ticks_through_the_compiled_update() -> None:
    from tests.stream.helpers import Recorder, settle, spy_on_sink, stream_setup
    from tests.stream.test_read_delivery import l1_req_id, read_of

    async with stream_setup() as (_sim, client, stream):
        rec = Recorder()
        await stream.subscribe("AAPL", ["trades", "quotes"], rec, snapshots=False)
        await settle(client)
        rid = l1_req_id(stream, "AAPL")
        assert client._dispatch is DISPATCH and rid in client._compiled_sinks
        seen = spy_on_sink(client, rid)  # what reaches on_l1
        rec.messages.clear()
        string = TickString(req_id=rid, tick_type=45, value="1700000000")
        msgs = [
            TickPrice(req_id=rid, tick_type=1, price=190.0, size=3.0, attr_mask=0),
            TickPrice(req_id=rid, tick_type=4, price=190.5, size=2.0, attr_mask=0),
            string,
        ]
        client.gateway.session(0)._on_data(read_of(client, msgs))
        await settle(client)
        assert seen == [string]  # the ticks were applied by the compiled update
        quote, trade = rec.updates
        assert quote[:3] == ("quote", "AAPL", 190.0) and trade[:4] == ("trade", "AAPL", 190.5, 2.0)
        snap = stream.get_snapshot("AAPL")
        assert (snap.bid, snap.bid_size, snap.last, snap.last_size) == (190.0, 3.0, 190.5, 2.0)


@pytest.mark.parametrize("step", [fastpath.step, fastpath._step], ids=["compiled", "python"])
async def test_step_runs_a_coroutine_once_without_a_stop_iteration(step: Any) -> None:
    import asyncio

    async def done() -> int:
        return 5

    async def suspends() -> None:
        await asyncio.sleep(0)

    async def fails() -> None:
        raise Boom("in the callback")

    assert step(done()) is fastpath.DONE
    c = suspends()
    assert step(c) is None  # asyncio.sleep(0) yields None to its driver
    assert step(c) is fastpath.DONE
    with pytest.raises(Boom):
        step(fails())
