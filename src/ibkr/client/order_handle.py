"""Order handles and order validation: what a placed order looks like to the user.

``OrderHandle`` tracks one order's status, fills (with their commissions) and errors; it can be
awaited (acknowledged, filled, done, a given status) and iterated, and it stays the same object
across reconnects. ``validate_order`` is the shape check every order passes before any byte is sent.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ibkr.errors import IBKRError, OrderRejected, OrderValidationError, RequestTimeout, TWSError
from ibkr.protocol.messages.executions import CommissionReport
from ibkr.protocol.models import Contract
from ibkr.protocol.order_models import Execution, Order, OrderState

__all__ = [
    "Fill",
    "Reconciliation",
    "OrderHandle",
    "validate_order",
    "ORDER_TYPES",
    "SIDES",
    "TIFS",
    "TERMINAL_STATUSES",
    "NEEDS_LIMIT",
    "decimal_quantity",
    "price_value",
]

ORDER_TYPES = frozenset(
    {
        "MKT",
        "LMT",
        "STP",
        "STP LMT",
        "TRAIL",
        "TRAIL LIMIT",
        "MOC",
        "LOC",
        "MIT",
        "LIT",
        "REL",
        "PEG MID",
        "MIDPRICE",
        "MTL",
    }
)
NEEDS_LIMIT = frozenset({"LMT", "STP LMT", "LOC", "LIT", "TRAIL LIMIT"})
_NEEDS_AUX = frozenset({"STP", "STP LMT", "MIT", "LIT"})
SIDES = frozenset({"BUY", "SELL", "SSHORT"})
TIFS = frozenset({"DAY", "GTC", "IOC", "GTD", "OPG", "FOK", "DTC"})
TERMINAL_STATUSES = frozenset({"Filled", "Cancelled", "ApiCancelled", "Inactive"})
_ACK_STATUSES = frozenset(
    {"PreSubmitted", "Submitted", "Filled", "PendingCancel", "Cancelled", "ApiCancelled", "Inactive"}
)


def _expire(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


@dataclass(slots=True)
class Fill:
    """One execution of an order and its commission report (which TWS sends just after)."""

    contract: Contract
    execution: Execution
    commission: CommissionReport | None = None
    received_ns: int = 0


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What the reconciliation after a reconnect found."""

    open_orders: int
    replayed_executions: int
    new_fills: int
    resolved: tuple[int, ...]
    lost: tuple[int, ...]


class OrderHandle:
    """A placed order, followed to its end. Await ``wait_ack()``, ``wait_filled()``,
    ``wait_done()`` or ``wait_for("Submitted")``; iterate ``updates()``; or register callbacks."""

    def __init__(self, order_id: int, contract: Contract, order: Order) -> None:
        self.order_id = order_id
        self.contract = contract
        self.order = order
        self.status = "PendingSubmit"
        self.filled = Decimal(0)
        self.remaining = order.total_quantity if order.total_quantity is not None else Decimal(0)
        self.avg_fill_price = 0.0
        self.last_fill_price = 0.0
        self.perm_id = 0
        self.why_held = ""
        self.order_state: OrderState | None = None
        self.fills: list[Fill] = []
        self.error: IBKRError | None = None
        self.warnings: list[TWSError] = []
        self.log: list[tuple[int, str, str]] = []
        self.submitted_ns = 0
        self.acked_ns = 0
        self.on_update: list[Callable[[OrderHandle], Any]] = []
        self.on_fill: list[Callable[[OrderHandle, Fill], Any]] = []
        loop = asyncio.get_running_loop()
        self._ack: asyncio.Future[None] = loop.create_future()
        #: futures of the coroutines in ``wait_ack``: True once acknowledged or failed, False on timeout
        self._ack_waiters: list[asyncio.Future[bool]] = []
        self._changed = asyncio.Event()
        self._cancel_waiters: list[asyncio.Future[None]] = []

    def __repr__(self) -> str:
        o = self.order
        return (
            f"OrderHandle({self.order_id} {o.action} {o.total_quantity} {self.contract.symbol} {o.order_type} "
            f"{self.status} filled={self.filled})"
        )

    @property
    def is_done(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_active(self) -> bool:
        return not self.is_done

    @property
    def commission(self) -> float:
        return sum(f.commission.commission for f in self.fills if f.commission is not None)

    @property
    def filled_from_executions(self) -> Decimal:
        return sum((f.execution.shares or Decimal(0) for f in self.fills), Decimal(0))

    # --- updates from the client --------------------------------------------------------------

    def _touch(self, what: str) -> None:
        self.log.append((time.monotonic_ns(), self.status, what))
        self._changed.set()
        for cb in list(self.on_update):
            cb(self)

    def _acknowledge(self) -> None:
        if not self._ack.done():
            self.acked_ns = time.monotonic_ns()
            self._ack.set_result(None)
            self._wake_ack_waiters()

    def _fail(self, exc: IBKRError) -> None:
        self.error = exc
        if not self._ack.done():
            self._ack.set_exception(exc)
            self._ack.exception()  # retrieved: a caller that did not wait must not warn
            self._wake_ack_waiters()
        self._touch(f"error {getattr(exc, 'code', '')}")

    def _wake_ack_waiters(self) -> None:
        waiters, self._ack_waiters = self._ack_waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(True)

    def _set_status(self, status: str) -> None:
        if status:
            self.status = status
        if status in _ACK_STATUSES:
            self._acknowledge()
        if status in ("Cancelled", "ApiCancelled"):
            for w in self._cancel_waiters:
                if not w.done():
                    w.set_result(None)

    # --- waiting --------------------------------------------------------------------------------

    async def wait_ack(self, timeout: float | None = 10.0) -> OrderHandle:
        """Until TWS acknowledged the order (OPEN_ORDER / ORDER_STATUS) or rejected it (raises)."""
        ack = self._ack
        if not ack.done():
            # A future of this waiter's own, resolved by the acknowledgement itself, and a plain
            # timer: the caller resumes on the loop iteration after the OPEN_ORDER / ORDER_STATUS
            # is dispatched (``shield`` + ``asyncio.timeout`` cost an extra iteration and ~10 us
            # on every order). Cancelling the caller cancels only its waiter, never the order's ack.
            loop = asyncio.get_running_loop()
            waiter: asyncio.Future[bool] = loop.create_future()
            self._ack_waiters.append(waiter)
            timer = loop.call_later(timeout, _expire, waiter) if timeout is not None else None
            try:
                acked = await waiter
            finally:
                if timer is not None:
                    timer.cancel()
                if waiter in self._ack_waiters:
                    self._ack_waiters.remove(waiter)
            if not acked:
                raise RequestTimeout(f"order {self.order_id} not acknowledged within {timeout}s")
        ack.result()  # the rejection, if it was rejected
        return self

    async def wait_for(self, *statuses: str, timeout: float | None = None) -> OrderHandle:
        """Until the status is one of ``statuses`` (or the order ended otherwise: then it returns
        too, so check ``status``)."""
        wanted = set(statuses)
        try:
            async with asyncio.timeout(timeout):
                while self.status not in wanted and not self.is_done:
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise RequestTimeout(
                f"order {self.order_id} did not reach {statuses} within {timeout}s (is {self.status})"
            ) from None
        return self

    async def wait_filled(self, timeout: float | None = None) -> OrderHandle:
        """Until completely filled; raises ``OrderRejected`` if it ended another way."""
        await self.wait_for("Filled", timeout=timeout)
        if self.status != "Filled":
            raise self.error or OrderRejected(0, f"order {self.order_id} ended {self.status}", self.order_id)
        return self

    async def wait_done(self, timeout: float | None = None) -> OrderHandle:
        return await self.wait_for(*TERMINAL_STATUSES, timeout=timeout)

    async def updates(self) -> AsyncIterator[OrderHandle]:
        """Yields the handle after every change, until the order is done."""
        seen = len(self.log)
        while True:
            if len(self.log) > seen:
                seen = len(self.log)
                yield self
                if self.is_done:
                    return
                continue
            if self.is_done:
                return
            self._changed.clear()
            await self._changed.wait()


def decimal_quantity(value: Any, what: str) -> Decimal:
    try:
        d = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise OrderValidationError(f"{what} {value!r} is not a number") from None
    if not d.is_finite():
        raise OrderValidationError(f"{what} {value!r} is not finite")
    return d


def price_value(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise OrderValidationError(f"{what} {value!r} is not a number")
    f = float(value)
    if math.isnan(f) or math.isinf(f):
        raise OrderValidationError(f"{what} {value!r} is not a finite price")
    return f


def validate_order(order: Order) -> None:
    """Shape checks TWS would otherwise reject after a round trip (or, worse, accept).

    The quantity is normalised to ``Decimal`` (an int or float quantity is accepted). Prices are
    checked where the order type uses them: TWS reports 0 for the prices an order does not use
    (an LMT order read back from OPEN_ORDER carries aux price 0), and those stay acceptable."""
    if order.action not in SIDES:
        raise OrderValidationError(f"side {order.action!r} must be one of {sorted(SIDES)}")
    if order.order_type not in ORDER_TYPES:
        raise OrderValidationError(f"order type {order.order_type!r} is not supported ({sorted(ORDER_TYPES)})")
    if order.tif and order.tif not in TIFS:
        raise OrderValidationError(f"time in force {order.tif!r} must be one of {sorted(TIFS)}")
    if order.total_quantity is None:
        raise OrderValidationError("quantity is missing")
    qty = decimal_quantity(order.total_quantity, "quantity")
    if qty <= 0:
        raise OrderValidationError(f"quantity {qty} must be a positive number")
    order.total_quantity = qty
    lmt = price_value(order.lmt_price, "limit price")
    aux = price_value(order.aux_price, "stop price")
    if order.order_type in NEEDS_LIMIT and lmt is None:
        raise OrderValidationError(f"a {order.order_type} order needs a limit price")
    if order.order_type in _NEEDS_AUX and aux is None:
        raise OrderValidationError(f"a {order.order_type} order needs a stop (aux) price")
    for name, p, used in (
        ("limit price", lmt, order.order_type in NEEDS_LIMIT),
        ("stop price", aux, order.order_type in _NEEDS_AUX),
    ):
        if used and p is not None and p <= 0:
            raise OrderValidationError(f"{name} {p} must be positive")
