"""IBKRClient orders end to end against the simulator over loopback TCP: placement, validation,
rejections, cancels, informational codes, 1100 pauses, reconnects with exactly-once fills,
gateway restarts with rolled-back ids, pacing priority, client-id conflicts and the live guard."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from ibkr.client import IBKRClient, OrderHandle, Stock
from ibkr.client.events import ConnectionState
from ibkr.config import ConnectionConfig, OrderPolicy
from ibkr.errors import (
    CancelRejected,
    ClientIdInUse,
    ContractNotFound,
    LiveTradingNotAllowed,
    NotConnectedError,
    OrderRejected,
    OrderValidationError,
)
from ibkr.protocol.order_models import Order
from tests.simfix import client_config, connected_client, running_sim, sim_process, until

pytestmark = pytest.mark.timeout(90)


def mid(sim: object, con_id: int) -> float:
    q = sim.exchange.quote(con_id)  # type: ignore[attr-defined]
    return float((q.bid + q.ask) / 2)


async def test_limit_order_rests_then_cancels() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        aapl = await client.qualify_contract(Stock("AAPL"))
        assert aapl.con_id == 265598
        far = round(mid(sim, aapl.con_id) * 0.8, 2)
        oid = await client.place_order(symbol="AAPL", quantity=100, order_type="LMT", side="BUY", price=far)
        handle = client.order(oid)
        assert handle.status in ("PreSubmitted", "Submitted")
        assert sim.exchange.order(1, oid) is not None
        await client.cancel_order(oid)
        assert handle.status == "Cancelled"
        assert handle.is_done and handle.fills == []
        # cancelling again is a no-op; cancelling an unknown order fails with TWS's code
        with pytest.raises(CancelRejected) as err:
            await client.cancel_order(oid + 1000)
        assert err.value.code == 10147


async def test_market_order_fills_with_commission_and_position() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        oid = await client.place_order(symbol="MSFT", quantity=200, order_type="MKT", side="BUY")
        handle = await client.order(oid).wait_filled(timeout=20)
        assert handle.filled == Decimal(200) and handle.remaining == 0
        await until(lambda: all(f.commission is not None for f in handle.fills), what="commissions")
        assert sum(f.execution.shares for f in handle.fills) == Decimal(200)
        assert handle.commission > 0
        vwap = sum(float(f.execution.shares) * f.execution.price for f in handle.fills) / 200
        assert handle.avg_fill_price == pytest.approx(vwap, rel=1e-9)
        sim_exec = {e.exec_id for e in sim.exchange.executions(client_id=1)}
        assert {f.execution.exec_id for f in handle.fills} == sim_exec
        positions = {p.instrument.symbol: p.position for p in sim.exchange.positions()}
        assert positions["MSFT"] == Decimal(200)
        report = client.get_latency_report()
        assert report["order_ack"].count == 1 and report["order_fill"].count == 1
        assert 0 < report["order_ack"].p50 <= report["order_ack"].max


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"side": "HOLD"}, "side"),
        ({"order_type": "MOO"}, "order type"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": -5}, "quantity"),
        ({"order_type": "LMT", "price": None}, "limit price"),
        ({"order_type": "LMT", "price": float("nan")}, "finite"),
        ({"order_type": "LMT", "price": float("inf")}, "finite"),
        ({"order_type": "STP"}, "stop"),
        ({"symbol": "AA PL!"}, "symbol"),
    ],
)
async def test_invalid_orders_are_rejected_before_the_wire(kwargs: dict[str, object], message: str) -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        args: dict[str, object] = {"symbol": "AAPL", "quantity": 10, "order_type": "MKT", "side": "BUY"}
        args.update(kwargs)
        before = client.gateway.session(0).stats.messages_out
        requests_before = sim.stats.requests
        with pytest.raises(OrderValidationError, match=message):
            await client.place_order(**args)  # type: ignore[arg-type]
        assert client.gateway.session(0).stats.messages_out == before
        assert sim.stats.requests == requests_before


async def test_pre_trade_limits() -> None:
    async with (
        running_sim() as sim,
        connected_client(sim, max_order_quantity=Decimal(500), max_order_notional=10_000.0) as client,
    ):
        with pytest.raises(OrderValidationError, match="maximum"):
            await client.place_order(symbol="AAPL", quantity=501, order_type="LMT", side="BUY", price=1.0)
        with pytest.raises(OrderValidationError, match="notional"):
            await client.place_order(symbol="AAPL", quantity=100, order_type="LMT", side="BUY", price=150.0)
        oid = await client.place_order(
            symbol="AAPL", quantity=10, order_type="LMT", side="BUY", price=round(mid(sim, 265598) * 0.9, 2)
        )
        assert client.order(oid).status in ("PreSubmitted", "Submitted")


async def test_unknown_contract_is_a_typed_error() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        with pytest.raises(ContractNotFound) as err:
            await client.place_order(symbol="NOSUCH", quantity=1, order_type="MKT", side="BUY")
        assert err.value.code == 200


async def test_rejection_raises_and_marks_the_handle() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        sim.faults.reject_next_order(201, "Order rejected - reason:Simulated margin check")
        with pytest.raises(OrderRejected) as err:
            await client.place_order(symbol="AAPL", quantity=1, order_type="MKT", side="BUY")
        assert err.value.code == 201
        handle = client.order(err.value.req_id)
        assert handle.error is err.value
        # the next order goes through
        oid = await client.place_order(symbol="AAPL", quantity=1, order_type="MKT", side="BUY")
        assert oid > handle.order_id


async def test_informational_codes_never_cancel_or_fail_an_order() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        far = round(mid(sim, 265598) * 0.7, 2)
        oid = await client.place_order(symbol="AAPL", quantity=5, order_type="LMT", side="BUY", price=far)
        handle = client.order(oid)
        seen: list[int] = []
        done = asyncio.get_running_loop().create_future()

        def on_warning(w: object) -> None:
            seen.append(w.code)  # type: ignore[attr-defined]
            if len(seen) == 7 and not done.done():
                done.set_result(None)

        client.events.on("warning", on_warning)
        sim.faults.notices([2104, 2106, 2158, 2103, 2105, 2157, 2108])
        await asyncio.wait_for(done, 10)
        assert seen == [2104, 2106, 2158, 2103, 2105, 2157, 2108]
        assert handle.status in ("PreSubmitted", "Submitted") and handle.error is None
        assert client.state is ConnectionState.CONNECTED
        assert sim.exchange.order(1, oid).status in ("PreSubmitted", "Submitted")  # type: ignore[union-attr]


async def test_1100_pauses_orders_until_1102() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        lost = asyncio.get_running_loop().create_future()
        client.events.on(
            "connection", lambda e: lost.done() or e.state is not ConnectionState.IB_DISCONNECTED or lost.set_result(e)
        )
        sim.faults.notices([1100])
        await asyncio.wait_for(lost, 10)
        placing = asyncio.ensure_future(client.place_order(symbol="AAPL", quantity=1, order_type="MKT", side="BUY"))
        await asyncio.sleep(0)  # let it reach the gate
        assert not placing.done()
        requests_before = sim.stats.requests
        sim.faults.notices([1102])
        oid = await asyncio.wait_for(placing, 15)
        assert sim.stats.requests > requests_before
        assert client.order(oid).status != "PendingSubmit"


async def test_1100_fails_fast_with_fail_policy() -> None:
    async with running_sim() as sim, connected_client(sim, order_policy=OrderPolicy.FAIL) as client:
        lost = asyncio.get_running_loop().create_future()
        client.events.on(
            "connection", lambda e: lost.done() or e.state is not ConnectionState.IB_DISCONNECTED or lost.set_result(e)
        )
        sim.faults.notices([1100])
        await asyncio.wait_for(lost, 10)
        with pytest.raises(NotConnectedError):
            await client.place_order(symbol="AAPL", quantity=1, order_type="MKT", side="BUY")


async def test_drop_while_filling_every_fill_exactly_once() -> None:
    """Orders keep filling in the simulator while the client is disconnected; after the reconnect
    the client has each execution exactly once and agrees with the exchange."""
    async with running_sim() as sim, connected_client(sim) as client:
        spy = await client.qualify_contract(Stock("SPY"))
        # one fill delivered live: the replay after the reconnect returns it again (dedupe)
        live = await client.submit_order(spy, Order(action="BUY", total_quantity=Decimal(100), order_type="MKT"))
        await live.wait_filled(timeout=20)
        q = sim.exchange.quote(spy.con_id)
        handles: list[OrderHandle] = [live]
        for k in range(1, 4):
            # resting limits a few ticks away: they fill only once the market moves onto them
            for action, price in (("BUY", q.bid - 0.01 * k), ("SELL", q.ask + 0.01 * k)):
                order = Order(action=action, total_quantity=Decimal(500), order_type="LMT", lmt_price=round(price, 2))
                handles.append(await client.submit_order(spy, order))
        reconciled = asyncio.get_running_loop().create_future()
        client.events.on("reconciled", lambda r: reconciled.done() or reconciled.set_result(r))
        # the gateway goes away: sockets reset, nobody can reconnect yet
        await sim.faults.stop_endpoint(0)
        steps = 0
        while any(sim.exchange.order(1, h.order_id).status != "Filled" for h in handles):  # type: ignore[union-attr]
            sim.exchange.step(spy.con_id)
            steps += 1
            assert steps < 20000, "the simulator never filled the orders"
        missed = {e.exec_id for e in sim.exchange.executions(client_id=1)} - {f.execution.exec_id for f in client.fills}
        assert missed, "nothing filled while disconnected: the test would prove nothing"
        await sim.faults.start_endpoint(0)
        result = await asyncio.wait_for(reconciled, 30)
        for h in handles:
            await h.wait_done(timeout=30)
        sim_execs = sim.exchange.executions(client_id=1)
        client_ids = [f.execution.exec_id for f in client.fills]
        assert len(client_ids) == len(set(client_ids)), "a fill was delivered twice"
        assert set(client_ids) == {e.exec_id for e in sim_execs}, "a fill was lost"
        assert result.new_fills == len(missed)
        assert result.replayed_executions == len(sim_execs)
        for h in handles:
            assert h.status == "Filled"
            assert h.filled_from_executions == h.order.total_quantity
        net = sum((f.execution.shares if f.execution.side == "BOT" else -f.execution.shares) for f in client.fills)
        positions = {p.instrument.symbol: p.position for p in sim.exchange.positions()}
        assert positions["SPY"] == net
        assert client.state is ConnectionState.CONNECTED


async def test_gateway_restart_never_reuses_order_ids() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        first = await client.place_order(symbol="AAPL", quantity=1, order_type="MKT", side="BUY")
        second = await client.place_order(symbol="AAPL", quantity=1, order_type="MKT", side="BUY")
        back = asyncio.get_running_loop().create_future()
        client.events.on("reconciled", lambda r: back.done() or back.set_result(r))
        await sim.faults.restart(rollback_ids=True)
        await asyncio.wait_for(back, 30)
        third = await client.place_order(symbol="AAPL", quantity=1, order_type="MKT", side="BUY")
        assert third > second > first
        assert client.order(third).error is None
        await client.order(third).wait_filled(timeout=20)


async def test_pacing_500_requests_no_error_100_and_orders_overtake() -> None:
    """500 requests offered at once to a simulator in its own process (so it counts arrivals as
    TWS does): no error 100, every request answered, and an order placed after them all is
    acknowledged long before the data requests are through."""
    async with sim_process() as port:
        # 40/s: TWS (and the simulator) count requests as they process them, so a receiver that
        # is short of CPU sees a paced stream compressed; 20% headroom keeps this test about the
        # client's pacing rather than about how loaded the machine running it is
        config = ConnectionConfig(host="127.0.0.1", port=port, client_id=3, request_timeout=60, pacing_rate=40)
        client = IBKRClient(config)
        await client.connect()
        try:
            errors: list[object] = []
            client.events.on("error", errors.append)
            aapl = await client.qualify_contract(Stock("AAPL"))
            answered: list[int] = []

            async def details(i: int) -> None:
                await client.get_contract_details(Stock("MSFT"))
                answered.append(i)

            tasks = [asyncio.ensure_future(details(i)) for i in range(500)]
            await asyncio.sleep(0)  # all 500 are queued in the pacer now
            oid = await client.place_order(contract=aapl, quantity=1, order_type="MKT", side="BUY")
            answered_when_acked = len(answered)
            await asyncio.wait_for(asyncio.gather(*tasks), 60)
            assert len(answered) == 500
            assert answered_when_acked < 100, "the order waited behind the data requests"
            assert not [e for e in errors if getattr(e, "code", None) == 100], "TWS-style error 100 received"
            assert client.order(oid).status != "PendingSubmit"
            assert client.gateway.session(0).pacer.statistics().delayed > 400
        finally:
            await client.aclose()


async def test_client_id_in_use() -> None:
    async with running_sim() as sim, connected_client(sim, client_id=7):
        clash = IBKRClient(client_config(sim, client_id=7, auto_reconnect=False))
        with pytest.raises(ClientIdInUse):
            await clash.connect()
        await clash.aclose()
        rotated = IBKRClient(client_config(sim, client_id=7, fallback_client_ids=(8,)))
        await rotated.connect()
        try:
            assert rotated.client_id == 8
            assert {s.client_id for s in sim.sessions} == {7, 8}
        finally:
            await rotated.aclose()


async def test_live_port_needs_opt_in() -> None:
    client = IBKRClient(ConnectionConfig(host="127.0.0.1", port=7496, allow_live=False))
    with pytest.raises(LiveTradingNotAllowed):
        await client.connect()
    gw_client = IBKRClient(ConnectionConfig(host="127.0.0.1", port=4001, allow_live=False))
    with pytest.raises(LiveTradingNotAllowed):
        await gw_client.connect()


async def test_non_paper_account_needs_opt_in() -> None:
    async with running_sim(accounts=("U1234567",)) as sim:
        client = IBKRClient(client_config(sim, auto_reconnect=False))
        with pytest.raises(LiveTradingNotAllowed):
            await client.connect()
        await client.aclose()
