"""Busy polling (``ConnectionConfig.busy_poll_ms``, ``ibkr.transport.busypoll``): the loop keeps
polling for the window after each read and sleeps again once the stream is quiet for a window."""

from __future__ import annotations

import asyncio
import math

import pytest

from ibkr.config import ConnectionConfig, GatewayConfig
from ibkr.errors import ConfigError
from ibkr.protocol.models import Contract
from ibkr.transport.busypoll import BusyPoll
from tests.simfix import connected_client, running_sim, until

pytestmark = pytest.mark.timeout(60)


async def test_a_kick_keeps_the_loop_polling_for_the_window_then_it_sleeps_again() -> None:
    bp = BusyPoll(0.02)
    assert not bp.active
    bp.kick()
    assert bp.active and bp.episodes == 1
    turns = 0
    while bp.active:  # each turn of the loop is one poll while the window lasts
        await asyncio.sleep(0)
        turns += 1
    assert bp.spins > 0 and turns >= bp.spins
    # a window has passed since the kick: the loop was kept awake at least that long
    assert bp.last_ns > 0
    bp.kick()  # a new read after quiet: a new stretch
    assert bp.active and bp.episodes == 2
    bp.stop()
    assert not bp.active
    spins = bp.spins
    await asyncio.sleep(0)
    assert bp.spins == spins  # stopped: the pending poll was cancelled


async def test_kicks_within_the_window_extend_one_stretch() -> None:
    bp = BusyPoll(0.05)
    bp.kick()
    for _ in range(20):
        await asyncio.sleep(0)
        bp.kick()
    assert bp.episodes == 1 and bp.active
    bp.stop()


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_a_bad_window_is_refused(bad: float) -> None:
    with pytest.raises(ConfigError, match="busy_poll_ms"):
        ConnectionConfig(busy_poll_ms=bad)
    with pytest.raises(ConfigError, match="busy_poll_ms"):
        GatewayConfig(busy_poll_ms=bad)
    with pytest.raises(ValueError):
        BusyPoll(0.0)


def test_the_environment_sets_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ConnectionConfig().busy_poll_ms == 0.0
    monkeypatch.setenv("IB_BUSY_POLL_MS", "2.5")
    assert ConnectionConfig().busy_poll_ms == 2.5
    assert GatewayConfig().busy_poll_ms == 2.5
    assert ConnectionConfig(busy_poll_ms=0).busy_poll_ms == 0  # an explicit argument wins
    monkeypatch.setenv("IB_BUSY_POLL_MS", "fast")
    with pytest.raises(ConfigError, match="IB_BUSY_POLL_MS"):
        ConnectionConfig()


async def test_a_client_with_busy_polling_polls_while_ticks_arrive_and_stops_on_close() -> None:
    async with running_sim() as sim:
        async with connected_client(sim, busy_poll_ms=20) as client:
            bp = client.gateway.busy_poll
            assert bp is not None
            aapl = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD")
            ticker = await client.subscribe_market_data(aapl)
            await until(lambda: ticker.updates > 5 and bp.spins > 0, what="ticks while polling")
            assert bp.episodes >= 1
        assert not bp.active  # the gateway's close stopped it


async def test_without_busy_polling_there_is_no_poller() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        assert client.gateway.busy_poll is None
