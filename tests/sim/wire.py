"""A minimal test client: the protocol core in the client role over a real loopback socket.

``Wire.connect(port, client_id)`` does the handshake and START_API and returns once the connection
is ready. A reader task decodes everything into a queue; ``expect(cls, pred)`` waits for the next
message of a class (the ones skipped on the way stay in ``skipped``), ``until(end_cls)`` collects
everything up to an end marker. Waits are bounded by ``TIMEOUT`` only so that a broken simulator
fails a test instead of hanging it; nothing here sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from ibkr.errors import DecodeError
from ibkr.protocol import NEED_DATA, ClientConnection, ConnectionReady, ServerHello
from ibkr.protocol.message import Message
from ibkr.protocol.messages.system import ErrMsg
from ibkr.protocol.models import Contract
from ibkr.protocol.order_models import Order

M = TypeVar("M", bound=Message)
TIMEOUT = 10.0


class Closed(Exception):
    """The simulator closed the connection."""


class Wire:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: ClientConnection) -> None:
        self.reader = reader
        self.writer = writer
        self.conn = conn
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.log: list[Any] = []
        self.skipped: list[Any] = []
        self.next_valid_id = 0
        self.accounts: tuple[str, ...] = ()
        self.eof = asyncio.Event()
        self.bytes_in = 0
        self.reads = 0
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, port: int, *, max_version: int = 200) -> Wire:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        conn = ClientConnection(max_version=max_version)
        w = cls(reader, writer, conn)
        w._task = asyncio.get_running_loop().create_task(w._read_loop())
        writer.write(conn.initiate())
        return w

    @classmethod
    async def connect(cls, port: int, client_id: int = 1, *, max_version: int = 200) -> Wire:
        w = await cls.open(port, max_version=max_version)
        await w.expect(ServerHello)
        w.writer.write(w.conn.start_api(client_id))
        ready = await w.expect(ConnectionReady)
        w.next_valid_id, w.accounts = ready.next_valid_id, ready.accounts
        return w

    async def _read_loop(self) -> None:
        try:
            while True:
                data = await self.reader.read(65536)
                if not data:
                    break
                self.bytes_in += len(data)
                self.reads += 1
                self.conn.receive_data(data)
                while True:
                    try:
                        event = self.conn.next_event()
                    except DecodeError as exc:
                        event = exc
                    if event is NEED_DATA:
                        break
                    self.log.append(event)
                    self.queue.put_nowait(event)
        except (ConnectionError, OSError):
            pass
        finally:
            self.eof.set()
            self.queue.put_nowait(Closed())

    def send(self, *msgs: Message) -> None:
        for msg in msgs:
            self.writer.write(self.conn.send(msg))

    async def next(self) -> Any:
        item = await asyncio.wait_for(self.queue.get(), TIMEOUT)
        if isinstance(item, Closed):
            self.queue.put_nowait(item)
            raise Closed("connection closed by the simulator")
        return item

    async def expect(self, cls: type[M], pred: Callable[[M], bool] | None = None) -> M:
        """The next message of class ``cls`` (matching ``pred``); others go to ``skipped``."""
        while True:
            item = await self.next()
            if isinstance(item, cls) and (pred is None or pred(item)):
                return item
            self.skipped.append(item)

    async def error(self, code: int, req_id: int | None = None) -> ErrMsg:
        return await self.expect(ErrMsg, lambda e: e.error_code == code and (req_id is None or e.id == req_id))

    async def until(self, end: type[Message], pred: Callable[[Any], bool] | None = None) -> list[Any]:
        """Every message up to and including the next ``end`` (matching ``pred``)."""
        out = []
        while True:
            item = await self.next()
            out.append(item)
            if isinstance(item, end) and (pred is None or pred(item)):
                return out

    async def closed(self) -> None:
        await asyncio.wait_for(self.eof.wait(), TIMEOUT)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
            await self.writer.wait_closed()
        if self._task is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self._task, TIMEOUT)


def of(items: list[Any], cls: type[M]) -> list[M]:
    return [i for i in items if isinstance(i, cls)]


AAPL = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD")
SPY = Contract(symbol="SPY", sec_type="STK", exchange="SMART", currency="USD")
EURUSD = Contract(symbol="EUR", sec_type="CASH", exchange="IDEALPRO", currency="USD")


def lmt(action: str, qty: int, price: float, **kw: Any) -> Order:
    return Order(action=action, total_quantity=Decimal(qty), order_type="LMT", lmt_price=price, tif="DAY", **kw)


def mkt(action: str, qty: int, **kw: Any) -> Order:
    return Order(action=action, total_quantity=Decimal(qty), order_type="MKT", tif="DAY", **kw)
