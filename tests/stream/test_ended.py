"""A subscription TWS ends with an error reaches every consumer as an ``Ended`` update, instead of
the symbol silently going quiet."""

from __future__ import annotations

import asyncio
from typing import Any

from ibkr.config import StreamConfig
from ibkr.protocol.messages.market_data import ReqMktData
from ibkr.sim.session import SimSession
from ibkr.stream import DataType, Ended, IBKRDataStream
from tests.simfix import connected_client, running_sim


async def test_error_354_ends_the_l1_subscription_visibly() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        # the simulator answers market data for MSFT with TWS's "not subscribed" error
        original = sim.handlers[ReqMktData]

        def refuse(s: Any, session: SimSession, msg: ReqMktData) -> Any:
            if msg.contract.symbol == "MSFT":
                session.send_error(msg.req_id, 354, "Requested market data is not subscribed.")
                return None
            return original(s, session, msg)

        sim.handlers[ReqMktData] = refuse
        # typed updates (use_native_parsing=False); the tuple form carries the same fields
        stream = IBKRDataStream(client, StreamConfig(batch_size=1, batch_timeout_ms=1.0, use_native_parsing=False))
        got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def on_data(data: dict[str, Any]) -> None:
            for u in data.get("updates", ()):
                if isinstance(u, Ended) and not got.done():
                    got.set_result(u)

        await stream.subscribe(symbol="MSFT", data_types=[DataType.QUOTES, DataType.TRADES], callback=on_data)
        ended = await asyncio.wait_for(got, 10)
        assert ended.symbol == "MSFT" and ended.what == "l1" and ended.code == 354
        await stream.aclose()
