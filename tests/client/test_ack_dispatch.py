"""A read is cut after an early ORDER_STATUS: what comes before it (and the status) is delivered at
once, the rest on the next loop iteration, before any later read and before the close; messages
stay in order and none is lost. Against the simulator: a session connected over loopback, fed
reads made of frames the protocol core encodes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from decimal import Decimal

import pytest

from ibkr.client import IBKRClient, Stock
from ibkr.protocol.framing import frame
from ibkr.protocol.message import Message, ServerMessage, encode_payload
from ibkr.protocol.messages.market_data import TickPrice
from ibkr.protocol.messages.open_order import OpenOrder
from ibkr.protocol.messages.orders import OrderStatus
from ibkr.protocol.order_models import Order
from ibkr.sim import translate
from ibkr.sim.clock import ManualClock
from ibkr.transport.session import Received, Session, _cut_after_status
from tests.client.helpers import connected_client, running_sim
from tests.simfix import until

pytestmark = pytest.mark.timeout(60)


class Batches:
    """A gateway listener that keeps every batch it is handed."""

    def __init__(self) -> None:
        self.batches: list[list[Message]] = []

    def on_messages(self, slot: int, msgs: Received) -> None:
        self.batches.append([m for m in msgs if isinstance(m, Message)])

    def on_session_up(self, slot: int, session: Session, first: bool) -> Awaitable[None] | None:
        return None

    def on_session_down(self, slot: int, reason: BaseException | None) -> None:
        pass


def _status(order_id: int, status: str = "Submitted") -> OrderStatus:
    return OrderStatus(order_id=order_id, status=status, filled=Decimal(0), remaining=Decimal(1), client_id=1)


def _tick(req_id: int) -> TickPrice:
    return TickPrice(req_id=req_id, tick_type=1, price=100.0 + req_id, size=1.0, attr_mask=0)


def _read(session: Session, *msgs: ServerMessage) -> memoryview:
    sv = session.server_version
    return memoryview(b"".join(frame(encode_payload(m, sv)) for m in msgs))


def _ids(batches: list[list[Message]]) -> list[tuple[str, int]]:
    return [(type(m).__name__, getattr(m, "order_id", getattr(m, "req_id", 0))) for b in batches for m in b]


async def _listening(client: IBKRClient) -> tuple[Session, Batches]:
    batches = Batches()
    client.gateway.add_listener(batches)
    return client.gateway.session(0), batches


async def test_a_read_is_cut_after_its_first_status_and_the_rest_follows_next_iteration() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        session, seen = await _listening(client)
        session._on_data(_read(session, _tick(1), _status(901), _tick(2), _status(902, "Filled"), _tick(3)))
        assert _ids(seen.batches) == [("TickPrice", 1), ("OrderStatus", 901)]  # at once
        await asyncio.sleep(0)
        assert _ids(seen.batches[1:]) == [("TickPrice", 2), ("OrderStatus", 902), ("TickPrice", 3)]
        assert len(seen.batches) == 2  # the rest in one batch, not cut again


async def test_reads_without_an_early_status_or_with_nothing_after_it_stay_whole() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        session, seen = await _listening(client)
        session._on_data(_read(session, *(_tick(i) for i in range(1, 5)), _status(903), _tick(9)))
        session._on_data(_read(session, _tick(10), _status(904)))  # the status ends the read
        assert [len(b) for b in seen.batches] == [6, 2]


async def test_the_rest_goes_before_a_later_read_and_before_the_close() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        session, seen = await _listening(client)
        session._on_data(_read(session, _status(905), _tick(1)))
        session._on_data(_read(session, _tick(2)))  # arrives before the loop turned
        assert _ids(seen.batches) == [("OrderStatus", 905), ("TickPrice", 1), ("TickPrice", 2)]
        session._on_data(_read(session, _status(906), _tick(3)))
        session._on_stream_close(None)  # what the stream calls when the socket goes
        assert _ids(seen.batches)[-2:] == [("OrderStatus", 906), ("TickPrice", 3)]
        await asyncio.sleep(0)
        assert _ids(seen.batches)[-1] == ("TickPrice", 3)  # delivered once


async def test_submit_order_resumes_before_the_submitted_pair_is_dispatched() -> None:
    clock = ManualClock()  # with acks delayed and the clock still, the simulator never answers
    async with running_sim(clock=clock) as sim, connected_client(sim) as client:
        sim.faults.delay_acks(60.0)
        aapl = await client.qualify_contract(Stock("AAPL"))
        limit = round(sim.exchange.quote(aapl.con_id).bid * 0.8, 2)
        order = Order(action="BUY", total_quantity=Decimal(1), order_type="LMT", lmt_price=limit)
        handle = await client.submit_order(aapl, order, wait_ack=False)
        await until(lambda: sim.exchange.order(1, handle.order_id) is not None, what="the order at the simulator")
        held = sim.exchange.order(1, handle.order_id)
        assert held is not None and held.status == "PendingSubmit"
        # its acknowledgement as TWS writes it (one read): the PreSubmitted pair, the Submitted pair
        pre, sub = held.snapshot(), held.snapshot()
        pre.status, sub.status = "PreSubmitted", "Submitted"
        session, seen = await _listening(client)

        async def status_on_resume() -> str:
            await handle.wait_ack(15)
            return handle.status

        wait = asyncio.ensure_future(status_on_resume())
        await asyncio.sleep(0)
        ack = (translate.open_order(pre), translate.order_status(pre))
        session._on_data(_read(session, *ack, translate.open_order(sub), translate.order_status(sub)))
        assert [type(m) for b in seen.batches for m in b] == [OpenOrder, OrderStatus]
        assert await wait == "PreSubmitted"  # the waiter ran before the Submitted pair was dispatched
        assert handle.status == "Submitted" and [len(b) for b in seen.batches] == [2, 2]


def _frames(*payloads: bytes) -> memoryview:
    return memoryview(b"".join(frame(p) for p in payloads))


@pytest.mark.parametrize(
    ("payloads", "cut_after"),
    [
        ((b"3\0a\0", b"1\0b\0"), 1),  # ORDER_STATUS first, more follows
        ((b"5\0a\0", b"3\0a\0", b"5\0b\0", b"3\0b\0"), 2),  # an acknowledgement: after the first pair
        ((b"1\0", b"1\0", b"1\0", b"3\0a\0", b"1\0"), 4),  # the 4th frame is still looked at
        ((b"1\0", b"1\0", b"1\0", b"1\0", b"3\0a\0", b"1\0"), 0),  # the 5th is not
        ((b"1\0", b"3\0a\0"), 0),  # the status ends the read: nothing to put off
        ((b"30\0a\0", b"1\0"), 0),  # id 30, not 3
        ((b"3", b"1\0"), 0),  # a payload too short to be an ORDER_STATUS
        ((b"4\0a\0", b"3\0a\0"), 0),
    ],
)
def test_where_a_read_is_cut(payloads: tuple[bytes, ...], cut_after: int) -> None:
    data = _frames(*payloads)
    expected = len(_frames(*payloads[:cut_after])) if cut_after else 0
    assert _cut_after_status(data) == expected
    if cut_after:
        assert _cut_after_status(data[: expected + 2]) == expected  # the next frame may be partial
        assert _cut_after_status(data[: expected - 1]) == 0  # the status frame itself partial
