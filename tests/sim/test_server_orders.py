"""Orders through the simulator over loopback TCP: lifecycle messages, modify, cancel, brackets,
what-if, rejections, open / completed orders, executions with filters, the master client, and
the matching invariants seen from a client (fills within displayed size and limits, positions =
sum of executions)."""

from __future__ import annotations

from decimal import Decimal

from ibkr.protocol.messages.depth import MarketDepth, ReqMktDepth
from ibkr.protocol.messages.executions import CommissionReport, ExecutionData, ExecutionDataEnd, ReqExecutions
from ibkr.protocol.messages.open_order import CompletedOrder, OpenOrder
from ibkr.protocol.messages.orders import (
    CancelOrder,
    CompletedOrdersEnd,
    OpenOrderEnd,
    OrderStatus,
    PlaceOrder,
    ReqAllOpenOrders,
    ReqAutoOpenOrders,
    ReqCompletedOrders,
    ReqGlobalCancel,
    ReqOpenOrders,
)
from ibkr.protocol.messages.system import CurrentTime, ReqCurrentTime
from ibkr.protocol.order_models import ExecutionFilter
from ibkr.sim import ManualClock, SimConfig, Simulator
from ibkr.sim.book import DepthOp, Level, apply_depth_ops
from tests.protocol.pair import ready_client
from tests.sim.wire import AAPL, SPY, Wire, lmt, mkt, of


def _mid(sim: Simulator, con_id: int = 265598) -> float:
    return sim.exchange.quote(con_id).mid


async def test_limit_order_rests_then_market_order_fills(sim: Simulator, client: Wire) -> None:
    price = round(_mid(sim) * 0.95, 2)
    client.send(PlaceOrder(1, AAPL, lmt("BUY", 100, price)))
    oo = await client.expect(OpenOrder)
    assert oo.order.order_id == 1 and oo.order_state.status == "PreSubmitted" and oo.order.perm_id
    assert oo.contract.con_id == 265598 and oo.order.lmt_price == price
    st = await client.expect(OrderStatus, lambda s: s.status == "Submitted")
    assert st.remaining == Decimal(100) and st.client_id == 1
    client.send(PlaceOrder(2, AAPL, mkt("BUY", 200)))
    msgs = await client.until(CommissionReport)
    (ex,) = of(msgs, ExecutionData)
    assert ex.req_id == -1 and ex.execution.order_id == 2 and ex.execution.side == "BOT"
    assert msgs[-1].exec_id == ex.execution.exec_id and msgs[-1].commission > 0
    done = [s for s in of(msgs, OrderStatus) if s.order_id == 2 and s.status == "Filled"]
    assert done[0].filled == Decimal(200) and done[0].avg_fill_price > 0


async def test_modify_then_cancel(sim: Simulator, client: Wire) -> None:
    price = round(_mid(sim) * 0.9, 2)
    client.send(PlaceOrder(5, AAPL, lmt("BUY", 100, price)))
    await client.expect(OrderStatus, lambda s: s.status == "Submitted")
    client.send(PlaceOrder(5, AAPL, lmt("BUY", 300, round(price + 0.01, 2))))
    oo = await client.expect(OpenOrder, lambda o: o.order.total_quantity == Decimal(300))
    assert oo.order.lmt_price == round(price + 0.01, 2)
    client.send(CancelOrder(5))
    st = await client.expect(OrderStatus, lambda s: s.status == "Cancelled")
    assert st.order_id == 5
    assert (await client.error(202, 5)).error_string.startswith("Order Canceled")
    client.send(CancelOrder(5))
    await client.error(10148, 5)
    client.send(CancelOrder(77))
    await client.error(10147, 77)


async def test_duplicate_id_and_filled_order_errors(sim: Simulator, client: Wire) -> None:
    client.send(PlaceOrder(1, AAPL, mkt("BUY", 100)))
    await client.expect(OrderStatus, lambda s: s.status == "Filled")
    client.send(PlaceOrder(1, AAPL, mkt("BUY", 100)))
    await client.error(104, 1)
    client.send(PlaceOrder(2, AAPL, lmt("BUY", 100, 1.234)))
    await client.error(110, 2)


async def test_bracket_children_wait_for_the_parent(sim: Simulator, client: Wire) -> None:
    mid = _mid(sim)
    parent = lmt("BUY", 100, round(mid * 1.01, 2), transmit=False)
    take = lmt("SELL", 100, round(mid * 1.3, 2), parent_id=10, transmit=False)
    stop = lmt("SELL", 100, round(mid * 0.7, 2), parent_id=10, transmit=True)
    client.send(PlaceOrder(10, AAPL, parent), PlaceOrder(11, AAPL, take), PlaceOrder(12, AAPL, stop))
    await client.expect(OrderStatus, lambda s: s.order_id == 10 and s.status == "Filled")
    await client.expect(OrderStatus, lambda s: s.order_id == 11 and s.status == "Submitted")
    client.send(CancelOrder(11))
    await client.expect(OrderStatus, lambda s: s.order_id == 11 and s.status == "Cancelled")


async def test_what_if_returns_a_preview_and_keeps_no_order(sim: Simulator, client: Wire) -> None:
    client.send(PlaceOrder(3, AAPL, mkt("BUY", 100, what_if=True)))
    oo = await client.expect(OpenOrder)
    state = oo.order_state
    assert oo.order.what_if and state.commission_and_fees and state.commission_and_fees_currency == "USD"
    assert float(oo.order_state.init_margin_after) > 0
    assert sim.exchange.order(1, 3) is None


async def test_reject_next_order_fault(sim: Simulator, client: Wire) -> None:
    sim.faults.reject_next_order(201, "Order rejected - reason:Simulated")
    client.send(PlaceOrder(1, AAPL, mkt("BUY", 100)))
    err = await client.error(201, 1)
    assert err.error_string == "Order rejected - reason:Simulated"
    assert (await client.expect(OrderStatus)).status == "Inactive"
    client.send(PlaceOrder(2, AAPL, mkt("BUY", 100)))
    await client.expect(OrderStatus, lambda s: s.order_id == 2 and s.status == "Filled")


async def test_delay_acks_fault_holds_pending_submit_until_clock_time_passes() -> None:
    clock = ManualClock()
    async with Simulator(SimConfig(ports=(0,), pacing_limit=0), clock=clock) as sim:
        w = await Wire.connect(sim.port, 1)
        sim.faults.delay_acks(2.0)
        w.send(PlaceOrder(1, AAPL, lmt("BUY", 100, round(_mid(sim) * 0.9, 2))), ReqCurrentTime())
        await w.expect(CurrentTime)
        assert not of(w.skipped + w.log, OrderStatus)
        assert sim.exchange.order(1, 1).status == "PendingSubmit"  # type: ignore[union-attr]
        clock.advance(2.5)
        assert (await w.expect(OrderStatus)).status in ("PreSubmitted", "Submitted")
        await w.close()


async def test_open_all_and_completed_orders(sim: Simulator, client: Wire) -> None:
    other = await Wire.connect(sim.port, 2)
    low = round(_mid(sim) * 0.9, 2)
    client.send(PlaceOrder(1, AAPL, lmt("BUY", 100, low)), PlaceOrder(2, AAPL, mkt("BUY", 100)))
    other.send(PlaceOrder(1, SPY, lmt("BUY", 10, round(_mid(sim, 756733) * 0.9, 2))))
    await client.expect(OrderStatus, lambda s: s.order_id == 2 and s.status == "Filled")
    await other.expect(OrderStatus, lambda s: s.status == "Submitted")
    client.send(ReqOpenOrders())
    mine = await client.until(OpenOrderEnd)
    assert {(o.order.client_id, o.order.order_id) for o in of(mine, OpenOrder)} == {(1, 1)}
    client.send(ReqAllOpenOrders())
    everyone = await client.until(OpenOrderEnd)
    assert {(o.order.client_id, o.order.order_id) for o in of(everyone, OpenOrder)} == {(1, 1), (2, 1)}
    client.send(ReqCompletedOrders(False))
    done = of(await client.until(CompletedOrdersEnd), CompletedOrder)
    assert [d.order_state.status for d in done] == ["Filled"] and done[0].order_state.completed_time
    client.send(ReqGlobalCancel())
    await client.expect(OrderStatus, lambda s: s.order_id == 1 and s.status == "Cancelled")
    await other.expect(OrderStatus, lambda s: s.status == "Cancelled")
    await other.close()


async def test_master_client_sees_and_binds_other_clients_orders(sim: Simulator, client: Wire) -> None:
    master = await Wire.connect(sim.port, 0)
    master.send(ReqAutoOpenOrders(True), ReqOpenOrders())
    await master.expect(OpenOrderEnd)
    client.send(PlaceOrder(4, AAPL, mkt("BUY", 100)))
    assert (await master.expect(ExecutionData)).execution.client_id == 1
    st = await master.expect(OrderStatus, lambda s: s.status == "Filled")
    assert (st.client_id, st.order_id) == (1, 4)
    client.send(ReqAutoOpenOrders(True))
    await client.error(321)
    await master.close()


async def test_executions_with_filters_for_reconciliation(sim: Simulator, client: Wire) -> None:
    client.send(PlaceOrder(1, AAPL, mkt("BUY", 100)), PlaceOrder(2, SPY, mkt("SELL", 10)))
    await client.expect(OrderStatus, lambda s: s.order_id == 2 and s.status == "Filled")
    await client.close()
    again = await Wire.connect(sim.port, 1)
    again.send(ReqExecutions(9, ExecutionFilter()))
    msgs = await again.until(ExecutionDataEnd)
    execs = of(msgs, ExecutionData)
    assert {e.execution.order_id for e in execs} == {1, 2} and all(e.req_id == 9 for e in execs)
    assert len(of(msgs, CommissionReport)) == len(execs)
    assert isinstance(msgs[msgs.index(execs[0]) + 1], CommissionReport)
    for flt, expected in [
        (ExecutionFilter(symbol="SPY"), {2}),
        (ExecutionFilter(side="BUY"), {1}),
        (ExecutionFilter(sec_type="STK", acct_code="DU1234567"), {1, 2}),
        (ExecutionFilter(acct_code="DU0000000"), set()),
        (ExecutionFilter(time="20990101 00:00:00"), set()),
        (ExecutionFilter(time="20000101-00:00:00"), {1, 2}),
        (ExecutionFilter(client_id=2), set()),
    ]:
        again.send(ReqExecutions(10, flt))
        found = of(await again.until(ExecutionDataEnd), ExecutionData)
        assert {e.execution.order_id for e in found} == expected, flt
    other = await Wire.connect(sim.port, 2)
    other.send(ReqExecutions(1, ExecutionFilter()))
    assert not of(await other.until(ExecutionDataEnd), ExecutionData)  # not its fills
    await other.close()
    await again.close()


async def test_fills_respect_displayed_size_limits_and_positions(sim: Simulator, client: Wire) -> None:
    """Seen from the wire: every fill is at a price the depth book showed, for no more than it
    showed; limit prices hold; the position is the signed sum of the executions."""
    client.send(ReqMktDepth(1, AAPL, num_rows=10))
    asks: list[Level] = []
    bids: list[Level] = []
    mid = _mid(sim)
    orders = [
        PlaceOrder(1, AAPL, mkt("BUY", 3000)),
        PlaceOrder(2, AAPL, lmt("SELL", 1500, round(mid * 0.999, 2))),
        PlaceOrder(3, AAPL, lmt("BUY", 800, round(mid * 1.001, 2))),
        PlaceOrder(4, AAPL, mkt("SELL", 700)),
    ]
    limits = {2: round(mid * 0.999, 2), 3: round(mid * 1.001, 2)}
    fills: list[ExecutionData] = []
    sent = False
    while len({f.execution.order_id for f in fills if f.execution.cum_qty == _qty(orders, f)}) < 4:
        m = await client.next()
        if isinstance(m, MarketDepth):
            ops = [DepthOp(m.position, m.operation, m.side, m.price, int(m.size or 0), "") for m in [m]]
            apply_depth_ops(asks, bids, ops)
            if len(asks) >= 10 and not sent:
                sent = True
                client.send(*orders)
        elif isinstance(m, ExecutionData):
            e = m.execution
            shown = {lv.price: lv.size for lv in (asks if e.side == "BOT" else bids)}
            assert e.price in shown and e.shares is not None and e.shares <= shown[e.price]
            limit = limits.get(e.order_id)
            if limit is not None:
                assert (e.price <= limit) if e.side == "BOT" else (e.price >= limit)
            fills.append(m)
        if isinstance(m, OrderStatus) and m.status == "Cancelled":
            raise AssertionError(m)
    signed = sum((f.execution.shares or 0) * (1 if f.execution.side == "BOT" else -1) for f in fills)
    assert sim.exchange.account().positions[265598].quantity == signed == Decimal(1600)


def _qty(orders: list[PlaceOrder], f: ExecutionData) -> Decimal | None:
    return next(o.order.total_quantity for o in orders if o.order_id == f.execution.order_id)


async def _fills(seed: int) -> list[tuple[float, Decimal | None]]:
    async with Simulator(SimConfig(ports=(0,), seed=seed, tick_rate=0.0), clock=ManualClock()) as sim:
        w = await Wire.connect(sim.port, 1)
        w.send(ReqMktDepth(1, AAPL, num_rows=10), ReqCurrentTime())
        await w.expect(CurrentTime)
        sim.feed.pump(25)
        w.send(PlaceOrder(1, AAPL, mkt("BUY", 4000)))
        await w.expect(OrderStatus, lambda s: s.status == "Filled")
        await w.close()
        return [(e.execution.price, e.execution.shares) for e in of(w.log, ExecutionData)]


async def test_same_seed_same_fills() -> None:
    a, b, c = await _fills(5), await _fills(5), await _fills(6)
    assert len(a) > 1 and a == b and a != c


async def test_acknowledgement_is_written_before_the_rest(sim: Simulator, client: Wire) -> None:
    """A new order's OPEN_ORDER + ORDER_STATUS PreSubmitted leave in a write of their own, before
    the simulator encodes what follows (Submitted): a client waiting for the ack does not wait
    for the rest of the simulator's work."""
    session = sim.session(1)
    writes: list[bytes] = []
    write = session.transport.write

    def spy(data: bytes | bytearray | memoryview) -> None:
        writes.append(bytes(data))
        write(data)

    session.transport.write = spy  # type: ignore[method-assign]
    client.send(PlaceOrder(7, AAPL, lmt("BUY", 100, round(_mid(sim) * 0.9, 2))))
    await client.expect(OrderStatus, lambda s: s.order_id == 7 and s.status == "Submitted")
    assert len(writes) == 2
    reader, _ = ready_client(client.conn.server_version)
    first, second = (reader.receive_messages(w) for w in writes)
    for msgs, status in ((first, "PreSubmitted"), (second, "Submitted")):
        oo, st = msgs
        assert isinstance(oo, OpenOrder) and isinstance(st, OrderStatus)
        assert oo.order.order_id == st.order_id == 7
        assert oo.order_state.status == st.status == status
