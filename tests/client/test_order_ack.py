"""OrderHandle.wait_ack against the simulator: every waiter resumes on the acknowledgement or the
rejection, a waiter that times out or is cancelled leaves the order's own acknowledgement intact,
and no waiter is left behind."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from ibkr.client import IBKRClient, OrderHandle, Stock
from ibkr.errors import OrderRejected, RequestTimeout
from ibkr.protocol.order_models import Order
from ibkr.sim import Simulator
from ibkr.sim.clock import ManualClock
from tests.client.helpers import connected_client, running_sim

pytestmark = pytest.mark.timeout(60)


async def _resting(sim: Simulator, client: IBKRClient) -> OrderHandle:
    """A BUY LMT far below the market, placed without waiting for its acknowledgement."""
    aapl = await client.qualify_contract(Stock("AAPL"))
    q = sim.exchange.quote(aapl.con_id)
    order = Order(action="BUY", total_quantity=Decimal(1), order_type="LMT", lmt_price=round(q.bid * 0.8, 2))
    return await client.submit_order(aapl, order, wait_ack=False)


async def test_a_timed_out_wait_leaves_the_ack_to_a_later_wait() -> None:
    clock = ManualClock()
    async with running_sim(clock=clock) as sim, connected_client(sim) as client:
        sim.faults.delay_acks(2.0)  # new orders stay PendingSubmit until the clock passes 2 s
        handle = await _resting(sim, client)
        with pytest.raises(RequestTimeout):
            await handle.wait_ack(0.05)
        assert handle.status == "PendingSubmit" and not handle._ack.done() and handle._ack_waiters == []
        later = asyncio.ensure_future(handle.wait_ack(15))
        clock.advance(2.5)
        assert await later is handle
        assert handle.status in ("PreSubmitted", "Submitted") and handle.acked_ns > 0
        assert handle._ack_waiters == []
        assert await handle.wait_ack(0) is handle  # already acknowledged: returns at once


async def test_a_cancelled_waiter_does_not_cancel_the_ack_and_others_still_wake() -> None:
    clock = ManualClock()
    async with running_sim(clock=clock) as sim, connected_client(sim) as client:
        sim.faults.delay_acks(2.0)
        handle = await _resting(sim, client)
        first = asyncio.ensure_future(handle.wait_ack(15))
        second = asyncio.ensure_future(handle.wait_ack(None))
        await asyncio.sleep(0)  # both are waiting now
        assert len(handle._ack_waiters) == 2
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        assert not handle._ack.cancelled() and len(handle._ack_waiters) == 1
        clock.advance(2.5)
        assert await second is handle
        assert handle.status in ("PreSubmitted", "Submitted") and handle._ack_waiters == []


async def test_every_waiter_gets_the_rejection() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        sim.faults.reject_next_order(201, "Order rejected - reason:Simulated")
        handle = await _resting(sim, client)
        waits = [asyncio.ensure_future(handle.wait_ack(15)) for _ in range(2)]
        for w in waits:
            with pytest.raises(OrderRejected) as err:
                await w
            assert err.value.code == 201
        with pytest.raises(OrderRejected):
            await handle.wait_ack(15)  # and a wait after the fact
        assert handle.status == "Inactive" and handle._ack_waiters == []
