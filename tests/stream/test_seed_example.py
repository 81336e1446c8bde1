"""The seed's IBKRDataStream example, as written, inside an async main, against the simulator."""

from __future__ import annotations

import pytest

from tests.simfix import running_sim, until

pytestmark = pytest.mark.timeout(60)


async def test_seed_data_stream_example_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    async with running_sim(tick_rate=2000) as sim:
        from ibkr_client import ConnectionConfig, IBKRClient

        client = IBKRClient(ConnectionConfig(host="127.0.0.1", port=sim.port, client_id=1))
        await client.connect()
        try:
            # --- the seed's example ---
            from ibkr_data_stream import DataType, IBKRDataStream, StreamConfig

            # Configure streaming
            config = StreamConfig(
                buffer_size=10000,
                batch_size=100,
                batch_timeout_ms=10.0,
                conflation_ms=0,  # No conflation for lowest latency
                use_native_parsing=True,
            )

            # Create stream handler
            stream = IBKRDataStream(client, config)

            # Define callback
            async def on_market_data(data):  # type: ignore[no-untyped-def]
                if data["type"] == "tick":
                    print(f"Price update: {data['updates']}")
                elif data["type"] == "snapshot":
                    snapshot = data["snapshot"]
                    print(f"Bid: {snapshot.bid}, Ask: {snapshot.ask}, Spread: {snapshot.spread}")

            # Subscribe to data
            await stream.subscribe(
                symbol="AAPL", data_types=[DataType.TRADES, DataType.QUOTES, DataType.DEPTH], callback=on_market_data
            )

            # Get current snapshot
            snapshot = stream.get_snapshot("AAPL")

            # Get statistics
            stats = stream.get_statistics()
            # --- end of the example ---

            assert snapshot.symbol == "AAPL" and stats.symbols["AAPL"].slots == (0,)
            await until(lambda: stream.get_statistics().batches >= 3, what="three deliveries")
            out = capsys.readouterr().out
            assert "Price update: [" in out and "Bid: " in out and "Spread: " in out
            snap = stream.get_snapshot("AAPL")
            assert snap.bid is not None and snap.ask is not None and snap.spread == pytest.approx(snap.ask - snap.bid)
            assert len(snap.bids) == len(snap.asks) == 10
            stats = stream.get_statistics()
            assert stats["callback_errors"] == 0 and stats.latency.count > 0
            await stream.aclose()
        finally:
            await client.aclose()


def test_seed_module_exports() -> None:
    import ibkr_data_stream
    from ibkr import stream

    for name in ibkr_data_stream.__all__:
        assert getattr(ibkr_data_stream, name) is getattr(stream, name)
