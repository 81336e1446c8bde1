"""The seed's example, as written, inside an async main, against the simulator over loopback TCP."""

from __future__ import annotations

import pytest

from tests.client.helpers import AAPL, running_sim

pytestmark = pytest.mark.timeout(60)


async def test_seed_example_runs_as_written() -> None:
    async with running_sim() as sim:
        # --- the seed's example (only the port is the simulator's) ---
        from ibkr_client import ConnectionConfig, IBKRClient

        config = ConnectionConfig(host="127.0.0.1", port=sim.port, client_id=1, auto_reconnect=True)
        client = IBKRClient(config)
        await client.connect()
        order_id = await client.place_order(symbol="AAPL", quantity=100, order_type="LMT", side="BUY", price=150.00)
        positions = await client.get_positions()
        latency_report = client.get_latency_report()
        # --- end of the example ---
        try:
            # 150.00 is far below the simulated AAPL price: the order is accepted and rests
            order = sim.exchange.order(1, order_id)
            assert order is not None and order.status in ("PreSubmitted", "Submitted")
            assert client.order(order_id).status in ("PreSubmitted", "Submitted")
            assert client.order(order_id).contract.con_id == AAPL
            assert positions == []
            assert latency_report["order_ack"].count == 1
            assert set(latency_report) >= {"order_ack", "order_fill", "tick_to_callback", "request_rtt"}
        finally:
            await client.aclose()


def test_seed_module_exports() -> None:
    import ibkr_client
    from ibkr import client

    for name in ibkr_client.__all__:
        assert getattr(ibkr_client, name) is getattr(client, name)
    assert set(client.__all__) <= set(ibkr_client.__all__)
