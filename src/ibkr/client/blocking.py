"""BlockingClient: IBKRClient for code that is not asyncio, usable from any thread.

The client runs on its own event loop in a background thread (``ibkr-client-loop``). Every public
call is submitted to that loop (``asyncio.run_coroutine_threadsafe``) and blocks the calling
thread until it completes, so any number of threads can share one ``BlockingClient``::

    with BlockingClient(ConnectionConfig(port=7497)) as ib:
        order_id = ib.place_order(symbol="AAPL", quantity=100, order_type="LMT", side="BUY", price=150.0)
        for pos in ib.get_positions():
            print(pos)

**Callbacks run on the loop thread**, not on the thread that registered them (``on(...)``,
``ticker.on_update``, ``subscription.add_callback``, order handle callbacks): keep them short and
hand work to your own threads (e.g. a ``queue.Queue``). Objects returned by the client
(``Ticker``, ``DepthBook``, ``OrderHandle``) are updated on the loop thread; reading their fields
from another thread is safe (each read sees a whole value) but two reads may straddle an update.
``iterate(stream)`` turns any subscription, ticker or depth book into a plain blocking iterator.

Every public method of ``IBKRClient`` is available: the common ones are written out below, the
others are forwarded by name (coroutine methods block until done; plain methods run on the loop).
Calling a ``BlockingClient`` method from one of its own callbacks (the loop thread) raises
``RuntimeError`` instead of deadlocking. No ``nest_asyncio``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
from collections.abc import Callable, Coroutine, Iterator
from decimal import Decimal
from typing import Any, TypeVar

from ibkr.client.account import AccountSummaryItem, AccountValue, Pnl, Position
from ibkr.client.base import LatencyReport
from ibkr.client.market import Ticker
from ibkr.config import ConnectionConfig
from ibkr.errors import RequestTimeout
from ibkr.protocol.messages.historical import Bar
from ibkr.protocol.models import Contract
from ibkr.runtime import new_event_loop

__all__ = ["BlockingClient"]

T = TypeVar("T")

_CLOSE_TIMEOUT = 10.0


class BlockingClient:
    """A thread-safe blocking facade over an ``IBKRClient`` running on a private event loop."""

    def __init__(self, config: ConnectionConfig | None = None, *, timeout: float | None = None) -> None:
        """``timeout``: the longest any call blocks (None: each request's own timeout applies,
        plus a margin). Nothing is connected until ``connect()`` (or ``with``)."""
        from ibkr.client import IBKRClient

        self.config = config or ConnectionConfig()
        self.timeout = timeout
        self._loop = new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run_loop, name="ibkr-client-loop", daemon=True)
        self._thread.start()
        self._ready.wait()
        self._closed = False

        async def make() -> IBKRClient:
            return IBKRClient(self.config)

        self.client: IBKRClient = self._call(make())

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(self._ready.set)
        self._loop.run_forever()

    # --- running things on the loop ---------------------------------------------------------------

    def _limit(self, timeout: float | None) -> float | None:
        t = timeout if timeout is not None else self.timeout
        if t is None:
            # the call's own timeout fires first; this only guards against a stuck loop
            return self.config.request_timeout + self.config.connect_timeout + 5.0
        return t

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("BlockingClient methods cannot be called from the client's loop thread (a callback)")
        if not self._thread.is_alive():
            coro.close()
            raise RuntimeError("the BlockingClient is closed")
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        limit = self._limit(timeout)
        try:
            return fut.result(limit)
        except concurrent.futures.TimeoutError:
            fut.cancel()
            raise RequestTimeout(f"the call did not complete within {limit}s") from None

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` on the loop thread and return its result (awaited if it is
        awaitable). For anything the facade does not write out."""

        async def run() -> Any:
            result = fn(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            return result

        return self._call(run(), timeout)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "client":
            raise AttributeError(name)
        if isinstance(inspect.getattr_static(type(self.client), name, None), property):
            return self.call(getattr, self.client, name)  # computed on the loop thread
        attr = getattr(self.client, name)
        if inspect.iscoroutinefunction(attr):

            def blocking(*args: Any, **kwargs: Any) -> Any:
                return self._call(attr(*args, **kwargs))

            blocking.__name__ = name
            blocking.__doc__ = attr.__doc__
            return blocking
        if callable(attr):

            def on_loop(*args: Any, **kwargs: Any) -> Any:
                return self.call(attr, *args, **kwargs)

            on_loop.__name__ = name
            on_loop.__doc__ = attr.__doc__
            return on_loop
        return self.call(getattr, self.client, name)

    def iterate(self, stream: Any, timeout: float | None = None) -> Iterator[Any]:
        """Blocking iteration over a ``Subscription``, ``Ticker`` or ``DepthBook`` (anything async
        iterable): each ``next()`` waits up to ``timeout`` (None: forever) for the next item."""
        ait = self.call(stream.__aiter__)
        try:
            while True:
                fut = asyncio.run_coroutine_threadsafe(_anext(ait), self._loop)
                try:
                    done, item = fut.result(timeout)
                except concurrent.futures.TimeoutError:
                    fut.cancel()
                    raise RequestTimeout(f"no item within {timeout}s") from None
                if done:
                    return
                yield item
        finally:
            if self._thread.is_alive() and hasattr(ait, "aclose"):
                asyncio.run_coroutine_threadsafe(ait.aclose(), self._loop)

    # --- lifecycle --------------------------------------------------------------------------------

    def connect(self, timeout: float | None = None) -> None:
        self._call(self.client.connect(timeout), timeout or self.config.connect_timeout + 5.0)

    def close(self) -> None:
        """Close the connection and stop the loop thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(self.client.aclose(), self._loop).result(_CLOSE_TIMEOUT)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(_CLOSE_TIMEOUT)
        if not self._thread.is_alive():
            self._loop.close()

    disconnect = close

    def __enter__(self) -> BlockingClient:
        if not self.client.is_connected():
            self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def is_connected(self) -> bool:
        return self.client.is_connected()

    # --- the common calls, written out -----------------------------------------------------------

    def on(self, event: str, callback: Callable[[Any], Any]) -> Callable[[], None]:
        """Register ``callback`` for a client event (``order``, ``fill``, ``position``, ``warning``,
        ``connection``...). It runs **on the loop thread**. Returns an unregister function."""
        remove: Callable[[], None] = self.call(self.client.events.on, event, callback)
        return lambda: self.call(remove)

    def place_order(
        self,
        symbol: str | None = None,
        quantity: Decimal | float | int = 0,
        order_type: str = "MKT",
        side: str = "BUY",
        price: float | None = None,
        **kwargs: Any,
    ) -> int:
        return self._call(self.client.place_order(symbol, quantity, order_type, side, price, **kwargs))

    def cancel_order(self, order_id: int, **kwargs: Any) -> Any:
        return self._call(self.client.cancel_order(order_id, **kwargs))

    def wait_filled(self, order_id: int, timeout: float | None = None) -> Any:
        """Block until the order is filled (raises ``OrderRejected`` if it ended otherwise)."""
        handle = self.client.order(order_id)
        return self._call(handle.wait_filled(timeout), None if timeout is None else timeout + 1.0)

    def qualify_contract(self, contract: Contract, timeout: float | None = None) -> Contract:
        return self._call(self.client.qualify_contract(contract, timeout))

    def get_positions(self, timeout: float | None = None) -> list[Position]:
        return self._call(self.client.get_positions(timeout))

    @property
    def positions(self) -> list[Position]:
        result: list[Position] = self.call(lambda: self.client.positions)
        return result

    def get_account_values(
        self, account: str | None = None, timeout: float | None = None
    ) -> dict[tuple[str, str], AccountValue]:
        return self._call(self.client.get_account_values(account, timeout))

    def get_account_summary(
        self, tags: str = "All", group: str = "All", timeout: float | None = None
    ) -> list[AccountSummaryItem]:
        return self._call(self.client.get_account_summary(tags, group, timeout))

    def get_pnl(self, account: str | None = None, timeout: float | None = None) -> Pnl:
        return self._call(self.client.get_pnl(account, timeout=timeout))

    def subscribe_market_data(self, contract: Contract, generic_ticks: str = "", **kwargs: Any) -> Ticker:
        return self._call(self.client.subscribe_market_data(contract, generic_ticks, **kwargs))

    def snapshot(self, contract: Contract, generic_ticks: str = "", **kwargs: Any) -> Ticker:
        return self._call(self.client.snapshot(contract, generic_ticks, **kwargs))

    def cancel_market_data(self, ticker: Ticker) -> None:
        self.call(self.client.cancel_market_data, ticker)

    def get_historical_data(self, contract: Contract, **kwargs: Any) -> list[Bar]:
        return self._call(self.client.get_historical_data(contract, **kwargs))

    def get_latency_report(self) -> LatencyReport:
        report: LatencyReport = self.call(self.client.get_latency_report)
        return report


async def _anext(ait: Any) -> tuple[bool, Any]:
    try:
        return False, await ait.__anext__()
    except StopAsyncIteration:
        return True, None
