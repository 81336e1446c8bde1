"""Faults of the simulator, each seen from a client over loopback TCP: drops (with and without
1100), stalls, 1-byte writes, notice sequences, several endpoints stopped and restarted on their
own, a whole restart keeping orders and fills with ids rolled back; and send-time recording."""

from __future__ import annotations

import asyncio

from ibkr.protocol.messages.executions import ExecutionData, ExecutionDataEnd, ReqExecutions
from ibkr.protocol.messages.market_data import ReqMktData, TickPrice
from ibkr.protocol.messages.open_order import OpenOrder
from ibkr.protocol.messages.orders import OpenOrderEnd, OrderStatus, PlaceOrder, ReqOpenOrders
from ibkr.protocol.messages.system import CurrentTime, ErrMsg, NextValidId, ReqCurrentTime, ReqIds
from ibkr.protocol.order_models import ExecutionFilter
from ibkr.sim import SimConfig, Simulator
from tests.sim.wire import AAPL, Wire, lmt, mkt, of


async def test_drop_without_notice_resets_only_that_client(sim: Simulator, client: Wire) -> None:
    other = await Wire.connect(sim.port, 2)
    assert sim.faults.drop(2) == 1
    await other.closed()
    assert not of(other.log, ErrMsg) or all(e.error_code != 1100 for e in of(other.log, ErrMsg))
    client.send(ReqIds())
    await client.expect(NextValidId)
    await other.close()


async def test_drop_with_1100_first(sim: Simulator, client: Wire) -> None:
    sim.faults.drop(1, with_1100=True)
    err = await client.error(1100)
    assert err.id == -1 and "lost" in err.error_string
    await client.closed()


async def test_stalled_client_gets_everything_in_order_after_resume(sim: Simulator, client: Wire) -> None:
    client.send(ReqMktData(1, AAPL), ReqCurrentTime())
    await client.expect(CurrentTime)
    assert sim.faults.stall(1) == 1
    client.send(ReqCurrentTime())
    probe = await Wire.connect(sim.port, 2)  # the simulator keeps serving others meanwhile
    probe.send(ReqCurrentTime())
    await probe.expect(CurrentTime)
    assert sim.session(1).faults.held  # the answer and the ticks are held back
    before = len(client.log)
    sim.faults.resume(1)
    await client.expect(CurrentTime)
    assert len(client.log) > before
    await probe.close()


async def test_one_byte_writes_split_every_frame(sim: Simulator, client: Wire) -> None:
    sim.faults.one_byte_writes(True, 1)
    reads = client.reads
    client.send(PlaceOrder(1, AAPL, mkt("BUY", 100)))
    await client.expect(OrderStatus, lambda s: s.status == "Filled")
    assert client.reads - reads > 50  # the frames arrived in many small reads and still decode
    sim.faults.one_byte_writes(False, 1)
    client.send(ReqCurrentTime())
    await client.expect(CurrentTime)


async def test_notice_sequences(sim: Simulator, client: Wire) -> None:
    other = await Wire.connect(sim.port, 2)
    sequence = [1100, 2103, 2105, 2110, 1102, 2104, 2106, 1101]
    assert sim.faults.notices(sequence) == 2
    for w in (client, other):
        await w.error(1100)  # after the startup notices
        got = [(await w.expect(ErrMsg, lambda e: e.error_code in sequence)).error_code for _ in sequence[1:]]
        assert got == sequence[1:]
    sim.faults.notices([1101], client_id=2)
    assert (await other.error(1101)).error_string.endswith("data lost.")
    await other.close()


async def test_several_endpoints_share_one_exchange_and_stop_on_their_own() -> None:
    async with Simulator(SimConfig(ports=(0, 0))) as sim:
        a_port, b_port = sim.ports
        assert a_port != b_port
        a = await Wire.connect(a_port, 1)
        b = await Wire.connect(b_port, 1)  # client ids are per endpoint
        a.send(PlaceOrder(1, AAPL, lmt("BUY", 100, round(sim.exchange.quote(265598).mid * 0.9, 2))))
        await a.expect(OrderStatus, lambda s: s.status == "Submitted")
        b.send(ReqOpenOrders())  # the same account, seen through the other gateway
        assert [o.order.order_id for o in of(await b.until(OpenOrderEnd), OpenOrder)] == [1]
        await sim.faults.stop_endpoint(1)
        await b.closed()
        a.send(ReqIds())
        await a.expect(NextValidId)
        try:
            await asyncio.open_connection("127.0.0.1", b_port)
            raise AssertionError("a stopped endpoint accepted a connection")
        except OSError:
            pass
        await sim.faults.start_endpoint(1)
        b2 = await Wire.connect(b_port, 1)
        assert b2.next_valid_id == 2
        await asyncio.gather(a.close(), b.close(), b2.close())


async def test_restart_keeps_orders_fills_and_positions_and_rolls_ids_back() -> None:
    async with Simulator(SimConfig(ports=(0,))) as sim:
        port = sim.port
        w = await Wire.connect(port, 1)
        w.send(PlaceOrder(5, AAPL, mkt("BUY", 100)))
        await w.expect(OrderStatus, lambda s: s.status == "Filled")
        w.send(PlaceOrder(6, AAPL, lmt("BUY", 100, round(sim.exchange.quote(265598).mid * 0.9, 2))))
        await w.expect(OrderStatus, lambda s: s.order_id == 6 and s.status == "Submitted")
        await sim.faults.restart()
        await w.closed()
        assert sim.port == port
        w2 = await Wire.connect(port, 1)
        assert w2.next_valid_id == 1  # rolled back: a client trusting it would collide
        w2.send(ReqOpenOrders())
        assert [o.order.order_id for o in of(await w2.until(OpenOrderEnd), OpenOrder)] == [6]
        w2.send(ReqExecutions(1, ExecutionFilter()))
        assert [e.execution.order_id for e in of(await w2.until(ExecutionDataEnd), ExecutionData)] == [5]
        w2.send(PlaceOrder(5, AAPL, mkt("BUY", 100)))
        await w2.error(104, 5)  # the old id is taken (a filled order)
        assert sim.exchange.account().positions[265598].quantity == 100
        await sim.faults.restart(rollback_ids=False)
        w3 = await Wire.connect(port, 1)
        assert w3.next_valid_id == 6  # above every id used since (5), not rolled back
        await asyncio.gather(w.close(), w2.close(), w3.close())


async def test_send_times_are_recorded_per_message_without_changing_the_wire() -> None:
    async with Simulator(SimConfig(ports=(0,), record_send_times=True)) as sim:
        w = await Wire.connect(sim.port, 1)
        w.send(ReqMktData(1, AAPL), ReqCurrentTime())
        await w.expect(CurrentTime)
        await w.expect(TickPrice)
        w.send(ReqCurrentTime())
        await w.expect(CurrentTime)
        times = sim.send_times(1)
        received = len([e for e in w.log if not type(e).__name__.endswith(("Hello", "Ready"))])
        assert len(times) >= received and list(times) == sorted(times)
        await w.close()
