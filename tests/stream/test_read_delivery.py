"""Where and when the stream delivers: in the socket callback of the read that brought the
updates, the first symbols of a long read before its end, every update once and in order, each
consumer only its kinds.

The client is connected to the simulator over loopback TCP; the reads under test are bytes the
protocol core's server role encoded for the client's request ids, handed to the client's session
where the socket callback hands a read (``Session._on_data``), so that what one read carries is
exact (TCP may cut or merge the simulator's writes).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ibkr.client import IBKRClient
from ibkr.config import StreamConfig
from ibkr.protocol.framing import frame
from ibkr.protocol.message import ServerMessage, encode_payload
from ibkr.protocol.messages.market_data import TickPrice, TickSize, TickString
from ibkr.stream import DataType, IBKRDataStream, Quote, StreamSubscription, Trade, typed
from ibkr.stream.stream import FLUSH_SYMBOLS
from tests.stream.helpers import settle, stream_setup

pytestmark = pytest.mark.timeout(60)

#: more symbols than FLUSH_SYMBOLS, so that a read of one run each is delivered in two steps
SYMBOLS = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA", "JPM", "V", "JNJ", "WMT", "KO"]
BID, ASK, LAST, BID_SIZE, LAST_SIZE, LAST_TIMESTAMP = 1, 2, 4, 0, 5, 45


class Calls:
    """A sync callback noting each call's symbol, updates and whether the client was still
    dispatching the read (a delivery before the end of the read)."""

    def __init__(self, client: IBKRClient) -> None:
        self.client = client
        self.calls: list[tuple[str, list[Any], bool]] = []
        #: the update lists as delivered
        self.lists: list[list[Any]] = []

    def __call__(self, data: dict[str, Any]) -> None:
        assert data["type"] == "tick"
        self.lists.append(data["updates"])
        self.calls.append((data["symbol"], [typed(u) for u in data["updates"]], self.client.dispatching))


def busy(sub: StreamSubscription) -> bool:
    return sub.busy


def l1_req_id(stream: IBKRDataStream, symbol: str) -> int:
    return stream._symbols[symbol].client_subs["l1"].req_id


def read_of(client: IBKRClient, msgs: list[ServerMessage]) -> memoryview:
    version = client.gateway.session(0).conn.server_version
    return memoryview(b"".join(frame(encode_payload(m, version)) for m in msgs))


def run_of(rid: int, i: int) -> list[ServerMessage]:
    """One symbol's messages of one exchange step: bid, bid size, a trade and its echo, a timestamp."""
    return [
        TickPrice(req_id=rid, tick_type=BID, price=100.0 + i, size=10.0 + i, attr_mask=0),
        TickSize(req_id=rid, tick_type=BID_SIZE, size=20.0 + i),
        TickPrice(req_id=rid, tick_type=LAST, price=100.5 + i, size=5.0, attr_mask=0),
        TickSize(req_id=rid, tick_type=LAST_SIZE, size=5.0),  # the echo of the LAST: no update
        TickString(req_id=rid, tick_type=LAST_TIMESTAMP, value="1700000000"),
    ]


async def test_a_read_is_delivered_in_its_socket_callback_first_symbols_before_its_end() -> None:
    async with stream_setup(StreamConfig(batch_timeout_ms=0)) as (_sim, client, stream):
        calls = Calls(client)
        for s in SYMBOLS:
            await stream.subscribe(s, [DataType.TRADES, DataType.QUOTES], calls, snapshots=False)
        await settle(client)
        calls.calls.clear()
        before = stream.get_statistics()
        msgs = [m for i, s in enumerate(SYMBOLS) for m in run_of(l1_req_id(stream, s), i)]
        client.gateway.session(0)._on_data(read_of(client, msgs))
        # everything was delivered before the read's callback returned: no loop turn needed
        assert [c[0] for c in calls.calls] == SYMBOLS
        for i, (symbol, updates, _) in enumerate(calls.calls):
            ask, ask_size = stream.get_snapshot(symbol).ask, stream.get_snapshot(symbol).ask_size
            assert updates == [
                Quote(symbol, 100.0 + i, ask, 10.0 + i, ask_size, client.batch_ns),
                Quote(symbol, 100.0 + i, ask, 20.0 + i, ask_size, client.batch_ns),
                Trade(symbol, 100.5 + i, 5.0, client.batch_ns),
            ]  # recv_ns: the read's receive time
        # runs went out FLUSH_SYMBOLS at a time as the next symbol began, the rest at the end
        mid_read = (len(SYMBOLS) - 1) // FLUSH_SYMBOLS * FLUSH_SYMBOLS
        assert 0 < mid_read < len(SYMBOLS)
        assert [c[2] for c in calls.calls] == [True] * mid_read + [False] * (len(SYMBOLS) - mid_read)
        stats = stream.get_statistics()
        assert stats.latency.count - before.latency.count == 3 * len(SYMBOLS)
        assert stats.batches - before.batches == len(SYMBOLS)


async def test_consumers_of_one_symbol_get_their_own_kinds_in_order() -> None:
    async with stream_setup(StreamConfig(batch_timeout_ms=0)) as (_sim, client, stream):
        trades, quotes, both, band = Calls(client), Calls(client), Calls(client), Calls(client)
        await stream.subscribe("AAPL", [DataType.TRADES], trades, snapshots=False)
        await stream.subscribe("AAPL", [DataType.QUOTES], quotes, snapshots=False)
        sub_all = await stream.subscribe("AAPL", [DataType.TRADES, DataType.QUOTES], both, snapshots=False)
        sub_band = await stream.subscribe(
            "AAPL", [DataType.TRADES, DataType.QUOTES], band, snapshots=False, price_band=(101.0, 1000.0)
        )
        await settle(client)
        for c in (trades, quotes, both, band):
            c.calls.clear()
            c.lists.clear()
        rid = l1_req_id(stream, "AAPL")
        client.gateway.session(0)._on_data(read_of(client, run_of(rid, 0) + run_of(rid, 1)))
        got = {name: [u for c in cb.calls for u in c[1]] for name, cb in
               (("trades", trades), ("quotes", quotes), ("both", both), ("band", band))}  # fmt: skip
        assert [type(u) for u in got["both"]] == [Quote, Quote, Trade] * 2
        assert got["trades"] == [u for u in got["both"] if type(u) is Trade]
        assert got["quotes"] == [u for u in got["both"] if type(u) is Quote]
        # the band keeps the second run (bid 101, trade at 101.5), not the first (bid 100, 100.5)
        assert got["band"] == got["both"][3:]
        assert sub_band.statistics().filtered == 3
        # every consumer owns its list: one callback's changes do not reach another
        lists = [x for cb in (trades, quotes, both, band) for x in cb.lists]
        assert len({id(x) for x in lists}) == len(lists) == 4
        assert sub_all.vwap == pytest.approx((100.5 * 5 + 101.5 * 5) / 10)
        assert sub_band.vwap == pytest.approx(101.5)


async def test_the_client_subscription_of_a_routed_symbol_sees_only_its_gaps() -> None:
    async with stream_setup(StreamConfig(batch_timeout_ms=0)) as (sim, client, stream):
        calls = Calls(client)
        await stream.subscribe("AAPL", [DataType.QUOTES], calls, snapshots=False)
        sub = stream._symbols["AAPL"].client_subs["l1"]
        rid = sub.req_id
        assert client._sinks[rid] == stream._symbols["AAPL"].on_l1
        sim.feed.pump(5)
        await settle(client)
        assert calls.calls and sub.count == 0  # the ticks went straight to the stream
        await stream.unsubscribe("AAPL")
        assert rid not in client._sinks and not client._subs
        # a late tick of the cancelled request id goes nowhere
        n = len(calls.calls)
        client.gateway.session(0)._on_data(read_of(client, run_of(rid, 0)))
        assert len(calls.calls) == n


async def test_a_busy_async_callback_gets_what_came_meanwhile_in_order() -> None:
    async with stream_setup(StreamConfig(batch_timeout_ms=0)) as (_sim, client, stream):
        release = asyncio.Event()
        hold = False
        got: list[Any] = []

        async def slow(data: dict[str, Any]) -> None:
            got.extend(typed(u) for u in data["updates"])
            if hold:  # suspends: the rest of the call runs in a task, the subscription is busy
                await release.wait()

        sub = await stream.subscribe("AAPL", [DataType.TRADES, DataType.QUOTES], slow, snapshots=False)
        await settle(client)
        assert not busy(sub)
        got.clear()
        hold = True
        rid = l1_req_id(stream, "AAPL")
        session = client.gateway.session(0)
        session._on_data(read_of(client, run_of(rid, 0)))
        assert busy(sub) and len(got) == 3
        for i in (1, 2):
            session._on_data(read_of(client, run_of(rid, i)))
        assert len(got) == 3  # queued while the callback is suspended
        release.set()
        while len(got) < 9:
            await asyncio.sleep(0)
        assert [u.bid if type(u) is Quote else u.price for u in got] == [
            p for i in range(3) for p in (100.0 + i, 100.0 + i, 100.5 + i)
        ]
