"""Fixtures of the simulator server tests: a running simulator on a free port and connected
clients (real loopback TCP, the protocol core in the client role)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ibkr.sim import SimConfig, Simulator
from tests.sim.wire import Wire


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(SimConfig(ports=(0,), tick_rate=5000.0, account_push_interval=0.05)) as s:
        yield s


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[Wire]:
    w = await Wire.connect(sim.port, 1)
    yield w
    await w.close()
