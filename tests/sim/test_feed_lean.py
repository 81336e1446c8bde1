"""The feed at load-test scale: synthetic instruments (``--symbols``), the lean step (price process
only, for instruments nobody watches the depth of) producing exactly the L1 messages of the full
step, stale books that catch up with the quote when read, and a faithful L1 stream (bid < ask,
prints at the quote)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ibkr.client import Stock
from ibkr.protocol.message import ServerMessage
from ibkr.protocol.messages.market_data import TickPrice, TickSize, TickString
from ibkr.sim import ManualClock, SimConfig, Simulator
from ibkr.sim.feed import L1
from ibkr.sim.instruments import SYNTHETIC_CON_ID, build_universe, synthetic_stock
from tests.simfix import connected_client, running_sim, sim_process, until

from .helpers import AAPL, EURUSD, spec

pytestmark = pytest.mark.timeout(60)


class Outbox:
    """What a session would be sent, without a socket (the feed only calls these)."""

    market_data_type = 1

    def __init__(self) -> None:
        self.sent: list[ServerMessage] = []

    def send_many(self, msgs: Any) -> None:
        self.sent.extend(msgs)

    def send(self, msg: ServerMessage) -> None:
        self.sent.append(msg)


def _sim(seed: int = 3) -> Simulator:
    return Simulator(SimConfig(ports=(0,), seed=seed), clock=ManualClock())


def _l1(sim: Simulator, con_id: int, out: Outbox, req_id: int = 1) -> None:
    inst = sim.exchange.instrument(con_id)
    assert inst is not None
    sim.feed._add("mkt", sim.feed.l1, L1(out, req_id, inst, False))  # type: ignore[arg-type]


def _depth(sim: Simulator, con_id: int, out: Outbox, req_id: int = 2) -> None:
    inst = sim.exchange.instrument(con_id)
    assert inst is not None
    sim.feed.add_depth(out, req_id, inst, 10, False)  # type: ignore[arg-type]


def test_synthetic_instruments_fill_the_universe_up_to_symbols() -> None:
    day = dt.date(2025, 1, 2)
    assert len(build_universe(day)) == len(build_universe(day, 10)) == 32
    u = build_universe(day, 100)
    assert len(u) == 100 and len({i.con_id for i in u}) == 100
    syn = [i for i in u if i.con_id > SYNTHETIC_CON_ID]
    assert [i.symbol for i in syn[:2]] == ["SYN001", "SYN002"] and len(syn) == 68
    assert u.resolve(symbol="SYN068", sec_type="STK", exchange="SMART", currency="USD") == [syn[-1]]
    assert all(10.0 <= i.initial_price < 500.0 and i.min_tick == 0.01 for i in syn)
    assert synthetic_stock(7) == synthetic_stock(7)
    with pytest.raises(ValueError):
        synthetic_stock(0)
    assert len(Simulator(SimConfig(ports=(0,), symbols=100)).exchange.universe) == 100


@pytest.mark.parametrize("tick_by_tick", [False, True])
@pytest.mark.parametrize("con_id", [AAPL, EURUSD])
def test_the_lean_step_sends_exactly_what_the_full_step_sends(con_id: int, tick_by_tick: bool) -> None:
    """Same seed, same steps: a simulator where a depth subscriber forces the full step sends each
    L1 subscriber (live and delayed) the same messages, and ends on the same quote, as one that
    takes the lean step: L1 subscribers only (one batch per subscriber), or with a tick-by-tick
    subscriber too (the quote and trade events)."""
    lean, full = _sim(), _sim()
    outs: dict[str, list[Outbox]] = {"lean": [], "full": []}
    for name, sim in (("lean", lean), ("full", full)):
        live, delayed, tbt = Outbox(), Outbox(), Outbox()
        _l1(sim, con_id, live, 1)
        inst = sim.exchange.instrument(con_id)
        assert inst is not None
        sim.feed._add("mkt", sim.feed.l1, L1(delayed, 3, inst, True))  # type: ignore[arg-type]
        if tick_by_tick:
            sim.feed.add_tick_by_tick(tbt, 4, inst, 3, False)  # type: ignore[arg-type]
        outs[name] = [live, delayed, tbt]
    depth_out = Outbox()
    _depth(full, con_id, depth_out)
    for _ in range(400):
        lean.feed._step_next()
        full.feed._step_next()
    assert lean.exchange.quote(con_id) == full.exchange.quote(con_id)
    for lean_out, full_out in zip(outs["lean"], outs["full"], strict=True):
        assert lean_out.sent == full_out.sent
    live, delayed, tbt = outs["lean"]
    assert len(live.sent) > 400 and len(delayed.sent) == len(live.sent)
    assert {m.tick_type for m in delayed.sent} & {66, 67} and not {m.tick_type for m in delayed.sent} & {1, 2}  # type: ignore[attr-defined]
    assert bool(tbt.sent) == tick_by_tick
    assert depth_out.sent and lean.feed.steps == full.feed.steps == 400


def test_a_stale_book_catches_up_with_the_quote_when_read() -> None:
    sim = _sim()
    _l1(sim, AAPL, Outbox())
    for _ in range(50):
        sim.feed._step_next()
    book, q = sim.exchange.book(AAPL), sim.exchange.quote(AAPL)
    assert book.stale
    assert (book.asks[0].price, book.asks[0].size) == (q.ask, q.ask_size) and not book.stale
    assert (book.bids[0].price, book.bids[0].size) == (q.bid, q.bid_size)
    assert len(book.asks) == len(book.bids) == book.depth
    # a depth subscriber that arrives later gets the book around the current quote
    sim.feed._step_next()
    out = Outbox()
    _depth(sim, AAPL, out)
    q = sim.exchange.quote(AAPL)
    rows = [(m.side, m.position, m.price) for m in out.sent]  # type: ignore[attr-defined]
    assert (0, 0, q.ask) in rows and (1, 0, q.bid) in rows


def test_orders_on_an_instrument_take_the_full_step_and_fill_at_the_current_book() -> None:
    sim = _sim()
    ex = sim.exchange
    _l1(sim, AAPL, Outbox())
    for _ in range(30):
        sim.feed._step_next()
    touch = ex.quote(AAPL).ask
    # a marketable buy after lean steps fills at the current ask, not at a stale book's
    events = ex.place_order(1, 1, AAPL, spec("BUY", 100, lmt_price=round(touch + 0.05, 2)))
    fills = [e for e in events if type(e).__name__ == "Execution"]
    assert fills and fills[0].price == touch  # type: ignore[attr-defined]
    # a resting order makes the instrument take the full step (its order must be worked)
    ex.place_order(1, 2, AAPL, spec("BUY", 100, lmt_price=round(ex.quote(AAPL).bid * 0.8, 2)))
    assert ex.step_quote(AAPL) is None
    sim.feed._step_next()
    assert not ex.book(AAPL).stale


def test_the_l1_stream_is_a_faithful_market() -> None:
    """After every step's messages bid < ask (within a step BID and ASK are separate ticks, as from
    TWS), every print is at the quote of its moment, sizes are whole lots."""
    sim = _sim(seed=11)
    out = Outbox()
    states: dict[int, list[float | None]] = {}
    for n, inst in enumerate(i for i in sim.exchange.universe if i.sec_type == "STK"):
        _l1(sim, inst.con_id, out, n + 1)
        states[n + 1] = [None, None]
    prints = seen = 0
    for _ in range(3000):
        sim.feed._step_next()
        touched = set()
        for m in out.sent[seen:]:
            assert isinstance(m, TickPrice | TickSize | TickString)
            state = states[m.req_id]
            touched.add(m.req_id)
            if isinstance(m, TickPrice) and m.tick_type in (1, 2):
                state[m.tick_type - 1] = m.price
                assert m.size is not None and m.size > 0 and m.size % 100 == 0
            elif isinstance(m, TickPrice) and m.tick_type == 4:
                assert m.price in state and m.size is not None and m.size % 100 == 0
                prints += 1
        seen = len(out.sent)
        for rid in touched:
            bid, ask = states[rid]
            assert bid is not None and ask is not None and bid < ask
    assert prints > 1000


async def test_a_client_streams_synthetic_symbols_from_ibkr_sim_symbols() -> None:
    async with sim_process("--symbols", "40", "--tick-rate", "2000", "--pacing-limit", "0") as port:
        from ibkr.client import IBKRClient
        from ibkr.config import ConnectionConfig

        client = IBKRClient(ConnectionConfig(port=port, client_id=5, heartbeat_interval=0))
        await client.connect()
        try:
            contract = await client.qualify_contract(Stock("SYN008"))
            assert contract.con_id == SYNTHETIC_CON_ID + 8
            ticker = await client.subscribe_market_data(contract)
            await until(lambda: ticker.bid is not None and ticker.ask is not None, what="a quote of SYN008")
            assert ticker.bid < ticker.ask  # type: ignore[operator]
        finally:
            await client.aclose()


async def test_in_process_simulator_takes_symbols() -> None:
    async with running_sim(symbols=50, pacing_limit=0) as sim, connected_client(sim) as client:
        contract = await client.qualify_contract(Stock("SYN018"))
        assert contract.con_id == SYNTHETIC_CON_ID + 18 and len(sim.exchange.universe) == 50


async def _median_write(per_write: int) -> int:
    """The median number of feed messages per write at 20,000 messages/s (messages of one write
    share their recorded send time)."""
    async with (
        running_sim(tick_rate=20_000, write_messages=per_write, record_send_times=True, pacing_limit=0) as sim,
        connected_client(sim) as client,
    ):
        for symbol in ("AAPL", "MSFT", "SPY", "QQQ", "NVDA", "TSLA"):
            await client.subscribe_market_data(Stock(symbol))
        times = sim.session(1).send_times
        assert times is not None
        start = len(times)
        await until(lambda: len(times) >= start + 2000, what="2,000 feed messages")
        writes: dict[int, int] = {}
        for t in times[start:]:
            writes[t] = writes.get(t, 0) + 1
        sizes = sorted(writes.values())
        return sizes[len(sizes) // 2]


async def test_the_feed_writes_every_write_messages() -> None:
    """At a high rate the feed writes as it produces, every ``write_messages`` messages (plus the
    rest of the step that reached it), not once per pump iteration (~20 messages at 20,000/s)."""
    small, large = await _median_write(4), await _median_write(32)
    assert small < 8
    assert large >= 2 * small
