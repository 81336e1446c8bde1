"""The compiled depth update (``ibkr.fastpath.APPLY_DEPTH``) against ``SymbolState.on_depth``.

Random MARKET_DEPTH / MARKET_DEPTH_L2 rows (inserts, updates and deletes at any position, past the
end too, on both sides; odd operations, sides, positions, prices and sizes among them) go to two
twin states, one through each path, with a depth ring or none, consumers or none, books of a few
rows; after every row the book's levels, the ring's columns and counters, the counters and the
update tuples must be the same, and so must an error. A state or row the compiled path does not
know must be declined and left unchanged (the Python path then gives the answer).
"""

from __future__ import annotations

import math
from array import array
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibkr import fastpath
from ibkr.client import IBKRClient
from ibkr.config import ConnectionConfig, StreamConfig
from ibkr.protocol.messages.depth import MarketDepth, MarketDepthL2
from ibkr.protocol.models import Contract
from ibkr.stream import IBKRDataStream
from ibkr.stream.ring import DepthRing
from ibkr.stream.snapshot import Book, Level
from ibkr.stream.symbol import SymbolState

pytestmark = pytest.mark.skipif(not fastpath.ENABLED, reason="ibkr._fastpath is not built (or IBKR_PURE_PYTHON)")

APPLY = fastpath.APPLY_DEPTH

POSITIONS = st.one_of(st.integers(0, 6), st.sampled_from([-1, -7, 65535, 65536, 2**40, True]))
OPERATIONS = st.one_of(st.integers(0, 2), st.sampled_from([3, -1, 255]))
SIDES = st.one_of(st.integers(0, 1), st.sampled_from([2, 255, 70000, -1]))
PRICES = st.one_of(st.floats(allow_infinity=True, allow_nan=True), st.sampled_from([100.25, -0.0, 5]))
SIZES = st.one_of(st.none(), st.sampled_from([0.0, -0.0, math.nan, 100.0, 3]), st.floats(0, 1e9))
MAKERS = st.one_of(st.sampled_from(["", "NSDQ", "ARCA"]), st.sampled_from([None, 7]))


def _row(l2: bool, pos: Any, op: Any, side: Any, price: Any, size: Any, mm: Any) -> Any:
    if l2:
        return MarketDepthL2(req_id=9, position=pos, market_maker=mm, operation=op, side=side, price=price, size=size)
    return MarketDepth(req_id=9, position=pos, operation=op, side=side, price=price, size=size)


ROWS = st.builds(_row, st.booleans(), POSITIONS, OPERATIONS, SIDES, PRICES, SIZES, MAKERS)
#: plain rows, the most of a sequence (so that updates and deletes find levels)
PLAIN = st.builds(
    _row, st.booleans(), st.integers(0, 6), st.integers(0, 2), st.integers(0, 1), st.floats(0, 1e4),
    st.one_of(st.none(), st.floats(0, 1e6)), st.sampled_from(["", "NSDQ"]),
)  # fmt: skip


@pytest.fixture(scope="module")
def stream() -> IBKRDataStream:
    # never connected: the states only need the stream's _queue and the client's batch_ns
    client = IBKRClient(ConnectionConfig(port=7497))
    client.dispatching = True  # as in a read: _queue notes the state and schedules nothing
    return IBKRDataStream(client, StreamConfig())


def new_state(stream: IBKRDataStream, rows: int, capacity: int, consumers: bool) -> SymbolState:
    s = SymbolState(stream, "D", Contract(symbol="D"), rows)
    s.depth_ring = DepthRing(capacity, "D") if capacity else None
    s.depth_consumers = consumers
    return s


def observe(s: SymbolState) -> str:
    """Everything the depth update may touch, as text (NaN equals NaN, -0.0 differs from 0.0)."""
    ring = s.depth_ring
    cols = None if ring is None else ([list(c) for c in ring._cols], ring._pos, ring.total)
    book = (s.book.rows, [repr(lv) for lv in s.book.bids], [repr(lv) for lv in s.book.asks])
    return repr((s.updates, s.n_depth, s.n_quotes, s.queued, s.fresh, book, cols))


def outcome(fn: Any, *args: Any) -> str:
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001 - the comparison is of the error as well
        return type(exc).__name__
    return "ok"


def python_path(s: SymbolState, m: Any, batch_ns: int) -> None:
    s.client.batch_ns = batch_ns
    s.on_depth(m)


def compiled_path(s: SymbolState, m: Any, batch_ns: int) -> None:
    # what the dispatch does: the compiled update, or the Python one when it declines
    assert APPLY is not None
    if not APPLY(s, m, batch_ns):
        python_path(s, m, batch_ns)


@given(
    msgs=st.lists(st.one_of(PLAIN, PLAIN, PLAIN, ROWS), max_size=40),
    rows=st.integers(1, 5),
    capacity=st.integers(0, 4),
    consumers=st.booleans(),
)
def test_the_compiled_update_leaves_every_slot_as_on_depth_does(
    stream: IBKRDataStream, msgs: list[Any], rows: int, capacity: int, consumers: bool
) -> None:
    a, b = new_state(stream, rows, capacity, consumers), new_state(stream, rows, capacity, consumers)
    for i, m in enumerate(msgs):
        batch_ns = 2_000_000 + i // 3  # a few rows per read share its time
        assert outcome(compiled_path, b, m, batch_ns) == outcome(python_path, a, m, batch_ns), f"row {i}: {m!r}"
        assert observe(b) == observe(a), f"after row {i}: {m!r}"
    stream._fresh.clear()


def test_a_book_is_built_and_kept_within_its_rows(stream: IBKRDataStream) -> None:
    assert APPLY is not None
    s = new_state(stream, 2, 3, True)
    rows = [
        MarketDepth(req_id=9, position=0, operation=0, side=1, price=99.0, size=5.0),  # bid insert
        MarketDepthL2(req_id=9, position=0, market_maker="ARCA", operation=0, side=1, price=99.5, size=None),
        MarketDepth(req_id=9, position=2, operation=0, side=1, price=98.0, size=1.0),  # past rows: dropped
        MarketDepth(req_id=9, position=1, operation=1, side=1, price=99.0, size=7.0),  # update
        MarketDepth(req_id=9, position=0, operation=0, side=0, price=100.0, size=2.0),  # ask insert
        MarketDepth(req_id=9, position=0, operation=2, side=1, price=0.0, size=0.0),  # bid delete
    ]
    assert all(APPLY(s, m, 11 + i) for i, m in enumerate(rows))
    assert s.book.bids == [Level(99.0, 7.0, "")] and s.book.asks == [Level(100.0, 2.0, "")]
    assert (s.updates, s.n_depth, s.queued) == (6, 6, True)
    assert s.fresh[1] == ("depth", "D", 0, 0, 1, 99.5, 0.0, "ARCA", 12)
    assert s.depth_ring is not None and (s.depth_ring.total, s.depth_ring._pos) == (6, 0)
    assert [u.price for u in s.depth_ring.last(3)] == [99.0, 100.0, 0.0]
    stream._fresh.clear()


class NotLevel:
    __slots__ = ("market_maker", "price", "size")


class OtherBook(Book):
    __slots__ = ()


DECLINED: list[tuple[str, Any]] = [
    ("typed updates", lambda s: setattr(s, "tuples", False)),
    ("a book of another class", lambda s: setattr(s, "book", OtherBook(3))),
    ("a tuple of bids", lambda s: setattr(s.book, "bids", ())),
    ("float rows", lambda s: setattr(s.book, "rows", 3.0)),
    ("a float count", lambda s: setattr(s, "n_depth", 1.0)),
    ("a truthy non-bool flag", lambda s: setattr(s, "depth_consumers", 1)),
    ("a ring of another class", lambda s: setattr(s, "depth_ring", object())),
    ("a ring position at its capacity", lambda s: setattr(s.depth_ring, "_pos", s.depth_ring.capacity)),
    ("a ring column of float32", lambda s: setattr(s.depth_ring, "_price", array("f", [0.0] * s.depth_ring.capacity))),
    ("a ring column of another length", lambda s: setattr(s.depth_ring, "_size", array("d", [0.0]))),
    ("a ring column that is a list", lambda s: setattr(s.depth_ring, "_meta", [0] * s.depth_ring.capacity)),
    ("a level that is not a Level", lambda s: s.book.bids.append(NotLevel())),
]  # fmt: skip


@pytest.mark.parametrize("what,spoil", DECLINED, ids=[d[0] for d in DECLINED])
def test_an_unusual_state_is_declined_and_left_unchanged(stream: IBKRDataStream, what: str, spoil: Any) -> None:
    assert APPLY is not None
    s = new_state(stream, 3, 4, True)
    spoil(s)
    before = {k: repr(getattr(s, k, None)) for k in SymbolState.__slots__}
    book = repr((getattr(s.book, "bids", None), getattr(s.book, "asks", None)))
    m = MarketDepth(req_id=9, position=0, operation=1, side=1, price=99.0, size=1.0)
    assert APPLY(s, m, 1) is False
    assert {k: repr(getattr(s, k, None)) for k in SymbolState.__slots__} == before
    assert repr((getattr(s.book, "bids", None), getattr(s.book, "asks", None))) == book


@pytest.mark.parametrize(
    "m",
    [
        MarketDepth(req_id=9, position=-1, operation=0, side=1, price=1.0, size=1.0),
        MarketDepth(req_id=9, position=0, operation=3, side=1, price=1.0, size=1.0),
        MarketDepth(req_id=9, position=0, operation=0, side=70000, price=1.0, size=1.0),
        MarketDepth(req_id=9, position=0, operation=0, side=1, price=1, size=1.0),  # an int price
        MarketDepth(req_id=9, position=0, operation=0, side=1, price=1.0, size=1),  # an int size
        MarketDepth(req_id=9, position=True, operation=0, side=1, price=1.0, size=1.0),
    ],
)
def test_an_unusual_row_is_declined(stream: IBKRDataStream, m: Any) -> None:
    assert APPLY is not None
    s = new_state(stream, 3, 4, True)
    before = observe(s)
    assert APPLY(s, m, 1) is False
    assert observe(s) == before


async def test_a_connected_stream_takes_its_depth_rows_through_the_compiled_update() -> None:
    from tests.stream.helpers import Recorder, settle, spy_on_sink, stream_setup
    from tests.stream.test_read_delivery import read_of

    async with stream_setup() as (sim, client, stream):
        rec = Recorder()
        await stream.subscribe("AAPL", ["depth"], rec, snapshots=False)
        await settle(client)
        sim.feed.paused = True  # only the rows below from here on
        await settle(client)
        rid = stream._symbols["AAPL"].client_subs["depth"].req_id
        assert client._dispatch is fastpath.DISPATCH and rid in client._compiled_sinks
        seen = spy_on_sink(client, rid)  # what reaches on_depth
        rec.messages.clear()
        odd = MarketDepth(req_id=rid, position=0, operation=7, side=1, price=1.0, size=1.0)  # declined
        msgs = [
            MarketDepth(req_id=rid, position=0, operation=1, side=1, price=189.5, size=300.0),
            MarketDepthL2(req_id=rid, position=0, market_maker="ARCA", operation=1, side=0, price=190.5, size=200.0),
            odd,
        ]
        client.gateway.session(0)._on_data(read_of(client, msgs))
        await settle(client)
        assert seen == [odd]  # the plain rows were applied by the compiled update
        assert [u[2:8] for u in rec.updates] == [
            (0, 1, 1, 189.5, 300.0, ""),
            (0, 1, 0, 190.5, 200.0, "ARCA"),
            (0, 7, 1, 1.0, 1.0, ""),  # the Python path's update: an operation the book ignores
        ]
        snap = stream.get_snapshot("AAPL")
        assert snap.bids[0] == (189.5, 300.0) and snap.asks[0] == (190.5, 200.0)
