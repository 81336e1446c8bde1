"""The simulator's sessions over loopback TCP: handshake and START_API, client ids (326, the
32-client limit), session requests, pacing (100) and bad input."""

from __future__ import annotations

import asyncio
import struct

from ibkr.protocol import ServerHello
from ibkr.protocol.messages.contracts import ContractDataEnd, ReqContractData
from ibkr.protocol.messages.orders import OrderStatus, PlaceOrder
from ibkr.protocol.messages.system import (
    CurrentTime,
    CurrentTimeInMillis,
    ErrMsg,
    ManagedAccts,
    NextValidId,
    ReqCurrentTime,
    ReqCurrentTimeInMillis,
    ReqIds,
    ReqManagedAccts,
)
from ibkr.sim import SimConfig, Simulator
from tests.sim.wire import AAPL, Wire, lmt, of


async def test_start_api_answers_accounts_next_id_and_farm_notices(sim: Simulator) -> None:
    w = await Wire.connect(sim.port, 5)
    assert w.accounts == ("DU1234567",) and w.next_valid_id == 1
    notices = [await w.expect(ErrMsg) for _ in range(3)]
    assert [n.error_code for n in notices] == [2104, 2106, 2158]
    assert all(n.id == -1 and n.error_time > 0 for n in notices)  # error_time exists from sv 194
    head = [type(e).__name__ for e in w.log[:3]]
    assert head == ["ServerHello", "ManagedAccts", "NextValidId"]
    assert sim.session(5).server_version == 200
    await w.close()


async def test_an_older_client_gets_its_own_version(sim: Simulator) -> None:
    w = await Wire.connect(sim.port, 2, max_version=178)
    assert w.conn.server_version == 178
    notice = await w.expect(ErrMsg)
    assert notice.error_code == 2104 and notice.error_time == 0  # no error_time before sv 194
    w.send(ReqCurrentTime())
    assert (await w.expect(CurrentTime)).time > 0
    await w.close()


async def test_session_requests(sim: Simulator, client: Wire) -> None:
    client.send(ReqIds(), ReqCurrentTime(), ReqCurrentTimeInMillis(), ReqManagedAccts())
    assert (await client.expect(NextValidId)).order_id == 1
    now = await client.expect(CurrentTime)
    millis = await client.expect(CurrentTimeInMillis)
    assert abs(millis.time_millis // 1000 - now.time) <= 1
    assert (await client.expect(ManagedAccts)).accounts == ["DU1234567"]


async def test_duplicate_client_id_gets_326_and_is_closed(sim: Simulator, client: Wire) -> None:
    dup = await Wire.open(sim.port)
    await dup.expect(ServerHello)
    dup.writer.write(dup.conn.start_api(1))
    err = await dup.expect(ErrMsg)
    assert (err.id, err.error_code) == (-1, 326)
    assert err.error_string == "Unable to connect as the client id is already in use. Retry with a unique client id."
    await dup.closed()
    # the first client is unaffected
    client.send(ReqIds())
    await client.expect(NextValidId)
    await dup.close()


async def test_32_clients_at_once_and_a_33rd_refused(sim: Simulator) -> None:
    clients = await asyncio.gather(*(Wire.connect(sim.port, i) for i in range(32)))
    assert sim.endpoints[0].client_ids() == set(range(32))
    extra = await Wire.open(sim.port)
    await extra.closed()
    assert not any(isinstance(e, ServerHello) for e in extra.log)
    assert sim.stats.refused == 1
    for w in clients:
        w.send(ReqIds())
    await asyncio.gather(*(w.expect(NextValidId) for w in clients))
    await asyncio.gather(*(w.close() for w in clients), extra.close())


async def test_pacing_violation_gives_100_and_the_session_goes_on() -> None:
    async with Simulator(SimConfig(ports=(0,), pacing_limit=5)) as sim:
        w = await Wire.connect(sim.port, 1)
        w.send(*[ReqCurrentTime() for _ in range(8)])
        err = await w.error(100)
        assert "max=5" in err.error_string
        assert sim.stats.pacing_violations >= 1
        assert len(of(w.skipped, CurrentTime)) <= 5
        await w.close()


async def test_requests_before_start_api_are_ignored(sim: Simulator) -> None:
    w = await Wire.open(sim.port)
    await w.expect(ServerHello)
    w.send(ReqCurrentTime())
    w.writer.write(w.conn.start_api(3))
    await w.expect(NextValidId)
    assert not of(w.log, CurrentTime)
    await w.close()


async def test_garbage_instead_of_a_hello_is_disconnected(sim: Simulator) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    writer.write(b"GET / HTTP/1.1\r\n\r\n")
    assert await reader.read() == b""
    writer.close()


async def test_bad_frames_unknown_ids_and_bad_orders_leave_other_clients_and_orders_alone(sim: Simulator) -> None:
    good = await Wire.connect(sim.port, 1)
    good.send(PlaceOrder(1, AAPL, lmt("BUY", 100, 200.0)))
    await good.expect(OrderStatus, lambda s: s.status == "Submitted")
    bad = await Wire.connect(sim.port, 2)

    def raw(payload: bytes) -> None:
        bad.writer.write(struct.pack(">I", len(payload)) + payload)

    raw(b"9\x00abc\x00")  # REQ_CONTRACT_DATA with a non-numeric version and nothing else
    assert (await bad.error(320)).id == -1
    raw(b"999\x001\x00")  # an id TWS does not know
    assert "Unsupported" in (await bad.error(320)).error_string
    raw(b"3\x007\x00AAPL\x00")  # PLACE_ORDER cut short
    await bad.error(320)
    bad.send(PlaceOrder(8, AAPL, lmt("", 100, 200.0)))  # decodes, but no action
    assert (await bad.error(201, 8)).error_string.startswith("Order rejected")
    bad.send(ReqContractData(9, AAPL))
    await bad.expect(ContractDataEnd)  # still served
    bad.writer.write(b"\xff\xff\xff\xff garbage")  # a frame length far past the limit: dropped
    await bad.closed()
    good.send(ReqIds())
    await good.expect(NextValidId)
    assert sim.exchange.order(1, 1) is not None and sim.exchange.order(1, 1).status == "Submitted"  # type: ignore[union-attr]
    await asyncio.gather(good.close(), bad.close())


async def test_a_truncated_frame_then_eof_ends_only_that_session(sim: Simulator, client: Wire) -> None:
    other = await Wire.connect(sim.port, 2)
    other.writer.write(struct.pack(">I", 50) + b"9\x008\x00")
    other.writer.close()
    await other.closed()
    client.send(ReqIds())
    await client.expect(NextValidId)
    assert sim.endpoints[0].client_ids() == {1}
