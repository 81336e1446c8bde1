"""IBKRGateway end to end over loopback: the seed example, the raw API, bad endpoints, TLS with a
test CA, a stalled connection replaced, failover to a backup endpoint and fail back."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import trustme

from ibkr.config import ConnectionMode, GatewayConfig
from ibkr.errors import CertificateError, ConfigError, ConnectError, NotTWSError
from ibkr.gateway import IBKRGateway
from ibkr.protocol import frame
from ibkr.protocol.message import encode_payload
from ibkr.protocol.messages.system import CurrentTime, ReqCurrentTime
from tests.simfix import running_sim, until

pytestmark = pytest.mark.timeout(60)


def fast(**kwargs: object) -> GatewayConfig:
    base: dict[str, object] = {
        "primary_host": "127.0.0.1",
        "reconnect_initial_delay": 0.05,
        "reconnect_max_delay": 0.3,
        "connect_timeout": 5.0,
        "failback_interval": 0.1,
    }
    base.update(kwargs)
    return GatewayConfig(**base)  # type: ignore[arg-type]


async def test_seed_example_as_written() -> None:
    async with running_sim() as sim:
        # the seed's example, ports adjusted to the simulator (the backups never need resolving
        # while the primary serves)
        config = GatewayConfig(
            primary_host="127.0.0.1",
            primary_port=sim.port,
            backup_hosts=[("backup1.ib.com", 4101), ("backup2.ib.com", 4101)],
            connection_mode=ConnectionMode.DIRECT,
            load_balance=True,
            max_connections=5,
        )
        gateway = IBKRGateway(config)
        await gateway.connect()
        try:
            sv = gateway.session(0).server_version
            message_bytes = frame(encode_payload(ReqCurrentTime(), sv))
            await gateway.send_message(message_bytes)
            response = None
            while response is None or not isinstance(response.message, CurrentTime):
                response = await gateway.receive_message(timeout=1.0)
                assert response is not None, "no answer to REQ_CURRENT_TIME"
            assert response.message.time > 1_600_000_000
            stats = await gateway.get_statistics()
            assert stats.connected == 5
            assert len({c.client_id for c in stats.connections}) == 5
            assert stats.messages_out >= 1 and stats.messages_in >= 5
            assert len(sim.sessions) == 5
        finally:
            await gateway.aclose()


async def test_receive_message_times_out_with_none_and_typed_send() -> None:
    async with running_sim() as sim, IBKRGateway(fast(primary_port=sim.port)) as gw:
        while await gw.receive_message(timeout=0.05) is not None:
            pass  # drain the start-up notices
        assert await gw.receive_message(timeout=0.05) is None
        await gw.send_message(ReqCurrentTime())
        got = await gw.receive_message(timeout=5)
        assert got is not None and isinstance(got.message, CurrentTime)
        with pytest.raises(ConfigError):
            await gw.send_message(b"\x00\x00\x00\x09short")


@pytest.mark.parametrize("n", [0, 33])
def test_max_connections_bounds(n: int) -> None:
    with pytest.raises(ConfigError, match="between 1 and 32"):
        GatewayConfig(max_connections=n)


@pytest.mark.parametrize("mode", [ConnectionMode.WEBSOCKET, ConnectionMode.FIX])
def test_later_modes_say_so(mode: ConnectionMode) -> None:
    with pytest.raises(ConfigError, match="not available yet"):
        GatewayConfig(connection_mode=mode)


async def free_port() -> int:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return port


async def test_refused_port_is_a_connect_error() -> None:
    gw = IBKRGateway(fast(primary_port=await free_port(), max_reconnect_attempts=0))
    with pytest.raises(ConnectError, match="cannot connect"):
        await gw.connect(timeout=5)


async def test_a_port_that_is_not_tws() -> None:
    async def chatter(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(chatter, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        gw = IBKRGateway(fast(primary_port=port, max_reconnect_attempts=0, connect_timeout=2.0))
        with pytest.raises(NotTWSError):
            await gw.connect(timeout=5)
    finally:
        server.close()


async def test_pool_keeps_serving_from_what_works() -> None:
    async with running_sim() as sim:
        dead = await free_port()
        gw = IBKRGateway(fast(primary_port=dead, backup_hosts=[("127.0.0.1", sim.port)], max_connections=2))
        async with gw:
            stats = gw.statistics()
            assert stats.connected == 2
            assert all(c.endpoint.endswith(f":{sim.port}") for c in stats.connections)


# --- TLS ------------------------------------------------------------------------------------------


@asynccontextmanager
async def tls_front(target_port: int, ca: trustme.CA) -> AsyncIterator[int]:
    """A TLS terminator (what stunnel does in front of TWS) for the simulator."""
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(server_ctx)

    async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            dst.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_w), pipe(up_r, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_tls_with_a_test_ca(tmp_path: Path) -> None:
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    async with running_sim() as sim, tls_front(sim.port, ca) as tls_port:
        cfg = fast(primary_port=tls_port, connection_mode=ConnectionMode.SSL, ssl_ca_file=str(ca_file))
        async with IBKRGateway(cfg) as gw:
            t = await gw.session(0).current_time(timeout=5)
            assert t > 1_600_000_000
            assert gw.statistics().connections[0].endpoint.startswith("tls://")


async def test_tls_refuses_an_untrusted_certificate(tmp_path: Path) -> None:
    served_by, trusted = trustme.CA(), trustme.CA()
    ca_file = tmp_path / "other-ca.pem"
    trusted.cert_pem.write_to_path(str(ca_file))
    async with running_sim() as sim, tls_front(sim.port, served_by) as tls_port:
        cfg = fast(
            primary_port=tls_port,
            connection_mode=ConnectionMode.SSL,
            ssl_ca_file=str(ca_file),
            max_reconnect_attempts=0,
        )
        with pytest.raises(CertificateError, match="not trusted"):
            await IBKRGateway(cfg).connect(timeout=5)


# --- health, failover, failback ---------------------------------------------------------------------


async def test_stalled_connection_is_detected_and_replaced() -> None:
    async with running_sim() as sim:
        cfg = fast(primary_port=sim.port, heartbeat_interval=0.1, stall_timeout=0.3)
        async with IBKRGateway(cfg, raw_queue=False) as gw:
            first = gw.session(0)
            sim.faults.stall(client_id=cfg.client_id_base)
            await until(lambda: gw.statistics().connections[0].stalls_detected >= 1, what="stall detection")
            await gw.wait_up(0, timeout=10)
            await until(lambda: gw.session(0) is not first and gw.slot_up(0), what="replacement session")
            assert await gw.session(0).current_time(timeout=5) > 0
            assert gw.statistics().reconnects >= 1


async def test_failover_to_backup_and_fail_back() -> None:
    async with running_sim(ports=(0, 0)) as sim:
        primary, backup = sim.ports
        cfg = fast(primary_port=primary, backup_hosts=[("127.0.0.1", backup)], failback=True)
        async with IBKRGateway(cfg, raw_queue=False) as gw:
            assert gw.statistics().connections[0].endpoint.endswith(f":{primary}")
            await sim.faults.stop_endpoint(0)
            await until(
                lambda: gw.slot_up(0) and gw.statistics().connections[0].endpoint.endswith(f":{backup}"),
                what="failover",
            )
            assert gw.statistics().failovers == 1
            assert await gw.session(0).current_time(timeout=5) > 0
            await sim.faults.start_endpoint(0)
            await until(
                lambda: gw.slot_up(0) and gw.statistics().connections[0].endpoint.endswith(f":{primary}"),
                what="failback",
            )
            assert await gw.session(0).current_time(timeout=5) > 0
