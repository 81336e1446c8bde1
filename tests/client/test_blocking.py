"""BlockingClient from plain threads against the simulator (which runs on the test's own loop):
blocking calls, several threads at once, callbacks on the loop thread, iteration, closing."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from ibkr.client import BlockingClient, Stock, Ticker
from ibkr.config import ConnectionConfig
from ibkr.errors import ContractNotFound
from tests.client.helpers import AAPL, client_config, running_sim

pytestmark = pytest.mark.timeout(60)


def scenario(config: ConnectionConfig) -> dict[str, Any]:
    """Runs in a plain thread: no event loop here."""
    out: dict[str, Any] = {}
    with BlockingClient(config) as ib:
        out["connected"] = ib.is_connected()
        out["contract"] = ib.qualify_contract(Stock("AAPL"))
        oid = ib.place_order(symbol="AAPL", quantity=100, order_type="MKT", side="BUY")
        ib.wait_filled(oid, timeout=15)
        out["positions"] = ib.get_positions()
        out["values"] = ib.get_account_values()
        out["snapshot"] = ib.snapshot(Stock("MSFT"))
        out["bars"] = ib.get_historical_data(Stock("AAPL"), duration="3600 S", bar_size="5 mins")
        try:
            ib.qualify_contract(Stock("NOSUCH"))
        except ContractNotFound as exc:
            out["error"] = exc
        # forwarded by name: a coroutine method, a plain method, a property
        out["summary"] = ib.get_account_summary("NetLiquidation")
        out["fills"] = ib.fills
        out["server_time"] = ib.get_server_time()

        # callbacks run on the loop thread
        ticker: Ticker = ib.subscribe_market_data(Stock("AAPL"))
        seen = threading.Event()
        threads: list[str] = []

        def on_update(t: Ticker) -> None:
            threads.append(threading.current_thread().name)
            seen.set()

        ticker.on_update.append(on_update)
        assert seen.wait(15)
        out["callback_threads"] = set(threads)
        out["iterated"] = next(iter(ib.iterate(ticker, timeout=15)))
        ib.cancel_market_data(ticker)
        out["ticker_active"] = ticker.active

        # several threads share the client
        with ThreadPoolExecutor(4) as pool:
            out["parallel"] = list(pool.map(lambda _: ib.get_positions(), range(8)))
        out["latency"] = ib.get_latency_report()
    out["closed"] = not ib.is_connected()
    ib.close()  # idempotent
    return out


async def test_blocking_client_from_a_plain_thread() -> None:
    async with running_sim() as sim:
        out = await asyncio.to_thread(scenario, client_config(sim))
    assert out["connected"] and out["closed"]
    assert out["contract"].con_id == AAPL
    assert [(p.contract.con_id, p.position) for p in out["positions"]] == [(AAPL, Decimal(100))]
    assert out["values"]["NetLiquidation", "USD"].number > 0
    assert not out["snapshot"].active and out["snapshot"].bid is not None
    assert len(out["bars"]) == 12
    assert isinstance(out["error"], ContractNotFound)
    assert [i.tag for i in out["summary"]] == ["NetLiquidation"]
    assert len(out["fills"]) >= 1 and out["server_time"] > 0
    assert out["callback_threads"] == {"ibkr-client-loop"}
    assert isinstance(out["iterated"], Ticker) and out["ticker_active"] is False
    assert all(p == out["positions"] for p in out["parallel"])
    assert out["latency"]["order_ack"].count == 1


def test_calls_from_the_loop_thread_are_refused() -> None:
    ib = BlockingClient(ConnectionConfig(port=4002))
    try:
        result: list[BaseException] = []

        def inside() -> None:
            try:
                ib.get_latency_report()
            except RuntimeError as exc:
                result.append(exc)

        ib.call(inside)
        assert len(result) == 1 and "loop thread" in str(result[0])
    finally:
        ib.close()
    with pytest.raises(RuntimeError, match="closed"):
        ib.get_latency_report()
