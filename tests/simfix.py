"""Shared helpers for end-to-end tests: a running simulator and a client connected to it.

Everything listens on 127.0.0.1 with port 0 (a free port); nothing here sleeps to wait for
something an event can signal: ``until`` awaits a condition re-checked on every loop turn that
follows real I/O, bounded by a timeout that only turns a hang into a failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from ibkr.client import IBKRClient
from ibkr.config import ConnectionConfig
from ibkr.sim import SimConfig, Simulator


@asynccontextmanager
async def running_sim(**kwargs: Any) -> AsyncIterator[Simulator]:
    kwargs.setdefault("ports", (0,))
    async with Simulator(SimConfig(**kwargs)) as sim:
        yield sim


def client_config(sim: Simulator, **kwargs: Any) -> ConnectionConfig:
    kwargs.setdefault("client_id", 1)
    kwargs.setdefault("reconnect_initial_delay", 0.05)
    kwargs.setdefault("reconnect_max_delay", 0.5)
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


async def until(predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    """Wait until ``predicate()`` holds, yielding to the loop between checks (no fixed sleeps)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


@asynccontextmanager
async def sim_process(*args: str) -> AsyncIterator[int]:
    """``ibkr sim`` in its own process (real arrival timing, as TWS sees it); yields its port."""
    import re
    import sys

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ibkr",
        "sim",
        "--port",
        "0",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert m, f"unexpected first line from ibkr sim: {line!r}"
        yield int(m.group(1))
    finally:
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()
