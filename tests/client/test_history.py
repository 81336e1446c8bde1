"""Historical and real-time bars end to end against the simulator over loopback TCP. The
simulator's clock is manual where bars must close: the test moves time, nothing sleeps."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from typing import Any

import pytest

from ibkr.client import Bar, Stock, Subscription
from ibkr.errors import ConfigError, ContractNotFound, HistoricalDataError, RequestError
from ibkr.protocol.messages.historical import RealTimeBars
from ibkr.sim.clock import ManualClock
from tests.client.helpers import connected_client, feed_keys, running_sim, settle

pytestmark = pytest.mark.timeout(60)


def check_bar(b: Bar) -> None:
    assert b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high
    assert b.volume is not None and b.volume >= 0


async def test_historical_bars_count_and_order() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        bars = await client.get_historical_data(Stock("AAPL"), duration="1 D", bar_size="5 mins", format_date=2)
        assert len(bars) == 24 * 12
        times = [int(b.date) for b in bars]
        assert all(later - earlier == 300 for earlier, later in pairwise(times))
        for b in bars:
            check_bar(b)
        minutes = await client.get_historical_data(
            Stock("MSFT"), duration="3600 S", bar_size="1 min", what_to_show="MIDPOINT", use_rth=False
        )
        assert len(minutes) == 60
        assert minutes[0].date < minutes[-1].date  # text dates sort in time order
        assert client.get_latency_report()["request_rtt"].count >= 2


async def test_historical_errors_fail_the_request() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        with pytest.raises(HistoricalDataError) as err:
            await client.get_historical_data(Stock("AAPL"), duration="10 Y", bar_size="1 secs")
        assert err.value.code == 162
        with pytest.raises(RequestError) as bad:
            await client.get_historical_data(Stock("AAPL"), bar_size="7 parsecs")
        assert bad.value.code == 321
        with pytest.raises(ContractNotFound):
            await client.get_historical_data(Stock("NOSUCH"))
        with pytest.raises(ConfigError):
            await client.get_historical_data(Stock("AAPL"), what_to_show="VIBES")
        assert not client._pending


async def next_item(it: Any) -> Any:
    return await asyncio.wait_for(it.__anext__(), 15)


async def test_keep_up_to_date_stream_sends_initial_bars_then_updates() -> None:
    clock = ManualClock()
    async with running_sim(clock=clock) as sim, connected_client(sim) as client:
        aapl = await client.qualify_contract(Stock("AAPL"))
        sub: Subscription[Bar] = client.historical_bars_stream(
            aapl, duration="3600 S", bar_size="5 mins", format_date=2
        )
        it = sub.__aiter__()
        initial = [await next_item(it) for _ in range(12)]
        times = [int(b.date) for b in initial]
        assert times == sorted(times) and len(set(times)) == 12
        clock.advance(300)  # a new 5-minute bar starts: its forming state is sent
        update = await next_item(it)
        assert isinstance(update, Bar) and int(update.date) == times[-1] + 300
        check_bar(update)
        client.unsubscribe(sub)
        await settle(client)
        assert sub.req_id not in feed_keys(sim, "hist")


async def test_stream_for_an_unknown_contract_ends_with_the_error() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        sub = client.historical_bars_stream(Stock("NOSUCH"))
        with pytest.raises(ContractNotFound):
            async for _ in sub:
                pass
        assert not sub.active and sub.req_id not in client._subs


async def test_real_time_bars_arrive_every_five_seconds() -> None:
    clock = ManualClock()
    async with running_sim(clock=clock) as sim, connected_client(sim) as client:
        sub: Subscription[RealTimeBars] = await client.real_time_bars(Stock("AAPL"), "MIDPOINT")
        it = sub.__aiter__()
        await settle(client)  # the simulator has the request before its clock moves
        clock.advance(5)
        first = await next_item(it)
        clock.advance(5)
        second = await next_item(it)
        assert isinstance(first, RealTimeBars) and isinstance(second, RealTimeBars)
        assert second.time == first.time + 5 and first.time % 5 == 0
        assert first.low <= first.close <= first.high
        client.unsubscribe(sub)
        await settle(client)
        assert sub.req_id not in feed_keys(sim, "rtb")
        with pytest.raises(ConfigError):
            await client.real_time_bars(Stock("AAPL"), "ADJUSTED_LAST")


async def test_below_historical_data_end_the_bars_message_completes_the_request() -> None:
    async with running_sim() as sim, connected_client(sim, max_server_version=187) as client:
        assert client.gateway.session(0).server_version == 187
        bars = await client.get_historical_data(Stock("AAPL"), duration="3600 S", bar_size="5 mins")
        assert len(bars) == 12
