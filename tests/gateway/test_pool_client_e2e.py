"""IBKRClient on top of a gateway pool: load spread over five connections (each under its own
pacing budget while the total is more than one connection may send), and failover of a live
client from a stopped primary endpoint to a backup endpoint over the same exchange."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from ibkr.client import IBKRClient, Stock
from ibkr.client.events import ConnectionState
from ibkr.config import ConnectionConfig, GatewayConfig
from ibkr.gateway import IBKRGateway
from ibkr.protocol.order_models import Order
from tests.simfix import running_sim, until

pytestmark = pytest.mark.timeout(90)


def pool_config(primary: int, backups: list[tuple[str, int]] | None = None, n: int = 1) -> GatewayConfig:
    return GatewayConfig(
        primary_host="127.0.0.1",
        primary_port=primary,
        backup_hosts=backups or [],
        max_connections=n,
        client_id_base=11,
        reconnect_initial_delay=0.05,
        reconnect_max_delay=0.3,
        failback_interval=0.2,
    )


async def test_load_spreads_over_five_connections_within_each_budget() -> None:
    async with running_sim(pacing_limit=50) as sim:
        gateway = IBKRGateway(pool_config(sim.port, n=5), raw_queue=False)
        client = IBKRClient(ConnectionConfig(port=sim.port, request_timeout=60), gateway=gateway)
        await client.connect()
        try:
            spy = await client.qualify_contract(Stock("SPY"))
            out_before = [c.messages_out for c in gateway.statistics().connections]
            n = 150  # three seconds' worth for one connection at 45/s
            results = await asyncio.gather(
                *(client.get_historical_data(spy, duration="1800 S", bar_size="5 mins") for _ in range(n))
            )
            assert all(len(bars) == 6 for bars in results)
            sent = [c.messages_out - b for c, b in zip(gateway.statistics().connections, out_before, strict=True)]
            assert sum(sent) == n
            assert min(sent) > 0, f"a connection got no requests: {sent}"
            assert max(sent) <= 45, f"a connection was asked for more than one second of its budget: {sent}"
            assert sim.stats.pacing_violations == 0
            assert {s.client_id for s in sim.sessions} == {11, 12, 13, 14, 15}
            # market-data subscriptions spread too: each connection carries its share
            tickers = [
                await client.subscribe_market_data(Stock(sym)) for sym in ("AAPL", "MSFT", "AMZN", "NVDA", "TSLA")
            ]
            loads = [c.load for c in gateway.statistics().connections]
            assert loads == [1, 1, 1, 1, 1]
            await asyncio.gather(*(t.wait_update(timeout=20) for t in tickers))
        finally:
            await client.aclose()
            await gateway.aclose()


async def test_client_fails_over_to_backup_and_keeps_orders_and_data() -> None:
    async with running_sim(ports=(0, 0), tick_rate=500) as sim:
        primary, backup = sim.ports
        gateway = IBKRGateway(pool_config(primary, [("127.0.0.1", backup)]), raw_queue=False)
        client = IBKRClient(ConnectionConfig(port=primary, request_timeout=20), gateway=gateway)
        await client.connect()
        try:
            aapl = await client.qualify_contract(Stock("AAPL"))
            ticker = await client.subscribe_market_data(aapl)
            await ticker.wait_update(timeout=20)
            q = sim.exchange.quote(aapl.con_id)
            resting = await client.submit_order(
                aapl,
                Order(action="BUY", total_quantity=Decimal(50), order_type="LMT", lmt_price=round(q.bid * 0.95, 2)),
            )
            states: list[ConnectionState] = []
            client.events.on("connection", lambda e: states.append(e.state))
            reconciled = asyncio.get_running_loop().create_future()
            client.events.on("reconciled", lambda r: reconciled.done() or reconciled.set_result(r))

            await sim.faults.stop_endpoint(0)  # the primary gateway dies mid-stream
            result = await asyncio.wait_for(reconciled, 30)
            assert gateway.statistics().connections[0].endpoint.endswith(f":{backup}")
            assert gateway.statistics().failovers == 1
            assert result.open_orders == 1 and result.lost == ()
            assert ConnectionState.RECONNECTING in states and client.state is ConnectionState.CONNECTED
            # the subscription flows again over the backup, after a visible gap
            await until(lambda: ticker.gaps == 1, what="gap marker")
            before = ticker.updates
            await ticker.wait_update(timeout=20)
            assert ticker.updates > before
            # the order handle is the same object and keeps receiving its updates
            assert client.order(resting.order_id) is resting
            await client.modify_order(resting.order_id, price=round(sim.exchange.quote(aapl.con_id).ask * 1.01, 2))
            await resting.wait_filled(timeout=20)
            assert resting.filled == Decimal(50)
            assert {f.execution.exec_id for f in resting.fills} == {
                e.exec_id for e in sim.exchange.executions(client_id=11)
            }
        finally:
            await client.aclose()
            await gateway.aclose()
