"""Helpers of the client end-to-end tests: a simulator on a free loopback port, a client
connected to it, and a round trip that proves everything sent before it was dispatched."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ibkr.client import IBKRClient
from ibkr.config import ConnectionConfig
from ibkr.sim.clock import ManualClock
from ibkr.sim.server import SimConfig, Simulator
from tests.simfix import until

AAPL, MSFT = 265598, 272093


@asynccontextmanager
async def running_sim(clock: ManualClock | None = None, **kwargs: Any) -> AsyncIterator[Simulator]:
    """``clock``: a ManualClock makes the simulator's time (and so its bars) move only when the
    test advances it."""
    kwargs.setdefault("ports", (0,))
    async with Simulator(SimConfig(**kwargs), clock=clock) as sim:
        yield sim


def client_config(sim: Simulator, **kwargs: Any) -> ConnectionConfig:
    kwargs.setdefault("client_id", 1)
    kwargs.setdefault("request_timeout", 15.0)
    return ConnectionConfig(host="127.0.0.1", port=sim.port, **kwargs)


@asynccontextmanager
async def connected_client(sim: Simulator, **kwargs: Any) -> AsyncIterator[IBKRClient]:
    client = IBKRClient(client_config(sim, **kwargs))
    await client.connect()
    try:
        yield client
    finally:
        await client.aclose()


async def settle(client: IBKRClient) -> None:
    """Whatever the client sent before reached the simulator, and whatever the simulator sent
    before was dispatched: the session's pacer holds nothing (a round trip at control priority
    would overtake data-priority requests still queued there, such as cancels), then a round trip."""
    pacer = client.gateway.session(0).pacer
    await until(lambda: len(pacer) == 0, what="the pacer's queue drained")
    await client.get_server_time()


def feed_keys(sim: Simulator, kind: str) -> set[int]:
    """Request ids of the simulator's live market-data subscriptions of one kind."""
    return {rid for (_session, k, rid) in sim.feed.by_key if k == kind}
