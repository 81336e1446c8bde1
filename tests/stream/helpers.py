"""Helpers of the data-stream end-to-end tests: a simulator with its feed stopped (the test
moves the market with ``sim.feed.pump``), a connected client, and a recording callback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ibkr.client import IBKRClient
from ibkr.config import StreamConfig
from ibkr.sim import Simulator
from ibkr.stream import IBKRDataStream
from tests.simfix import connected_client, running_sim

AAPL, MSFT = 265598, 272093


@asynccontextmanager
async def stream_setup(
    config: StreamConfig | None = None, **sim_kwargs: Any
) -> AsyncIterator[tuple[Simulator, IBKRClient, IBKRDataStream]]:
    sim_kwargs.setdefault("pacing_limit", 0)
    async with running_sim(**sim_kwargs) as sim, connected_client(sim) as client:
        sim.faults.stall_feed()
        stream = IBKRDataStream(client, config or StreamConfig(batch_timeout_ms=0))
        try:
            yield sim, client, stream
        finally:
            await stream.aclose()


async def settle(client: IBKRClient) -> None:
    """A round trip: everything the simulator sent before it has been dispatched (and the
    stream's flush, scheduled by that dispatch, has run)."""
    await client.get_server_time()
    await asyncio.sleep(0)


class Recorder:
    """A callback keeping every message; ``updates`` flattens the tick batches."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.changed = asyncio.Event()

    def __call__(self, data: dict[str, Any]) -> None:
        self.messages.append(data)
        self.changed.set()

    @property
    def batches(self) -> list[list[Any]]:
        return [m["updates"] for m in self.messages if m["type"] == "tick"]

    @property
    def updates(self) -> list[Any]:
        return [u for b in self.batches for u in b]

    async def wait_for(self, predicate: Any, timeout: float = 15.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


def spy_on_sink(client: IBKRClient, rid: int) -> list[Any]:
    """What of request id ``rid`` still reaches its Python sink (``on_l1`` / ``on_depth``) from now
    on, in order (the compiled dispatch applies the rest itself)."""
    seen: list[Any] = []
    python_sink = client._sinks[rid]

    def spy(m: Any) -> None:
        seen.append(m)
        python_sink(m)

    client._sinks[rid] = spy
    return seen
