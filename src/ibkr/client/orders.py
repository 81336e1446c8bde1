"""Orders: validation, ids, handles that follow an order to its end, and reconciliation.

* **Validation** happens before anything is sent: side, order type, TIF, quantity (> 0, finite),
  prices (a limit order needs a limit price; no NaN or infinity), then the configured pre-trade
  limits (max quantity, max notional, a price band around the last price). A failing order raises
  ``OrderValidationError`` and no byte goes out.
* **Order ids** come from NEXT_VALID_ID and only ever grow: after a reconnect or a gateway restart
  that rolls NEXT_VALID_ID back, the client keeps the higher of its own counter and TWS's.
* **OrderHandle** tracks status, fills (with commissions) and errors; it can be awaited (until
  acknowledged, filled, done or a given status) and stays the same object across reconnects.
* **Reconciliation** after a reconnect: REQ_OPEN_ORDERS refreshes every open order; REQ_EXECUTIONS
  replays the day's executions of this client id, and each execution id is delivered once only
  (exactly-once fills); orders neither open nor executed are looked up among completed orders, and
  an order TWS never received is failed explicitly, never dropped silently.
* **1100** (TWS lost IB) pauses placement: by ``OrderPolicy`` the order waits for 1101 / 1102 (or
  the socket to come back), or fails at once with ``NotConnectedError``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from decimal import Decimal
from typing import Any, ClassVar

from ibkr.client.base import ClientBase
from ibkr.client.contracts import ContractsMixin, Stock
from ibkr.client.order_handle import (
    NEEDS_LIMIT,
    Fill,
    OrderHandle,
    Reconciliation,
    decimal_quantity,
    price_value,
    validate_order,
)
from ibkr.client.requests import PendingRequest
from ibkr.config import OrderPolicy
from ibkr.error_codes import Severity, classify, exception_for
from ibkr.errors import (
    CancelRejected,
    IBKRError,
    LiveTradingNotAllowed,
    NotConnectedError,
    OrderValidationError,
    RequestTimeout,
)
from ibkr.gateway import is_paper_account
from ibkr.metrics import ORDER_ACK, ORDER_FILL
from ibkr.protocol.message import Message
from ibkr.protocol.messages.executions import CommissionReport, ExecutionData, ExecutionDataEnd, ReqExecutions
from ibkr.protocol.messages.open_order import CompletedOrder, OpenOrder
from ibkr.protocol.messages.orders import (
    CancelOrder,
    CompletedOrdersEnd,
    OpenOrderEnd,
    OrderBound,
    OrderStatus,
    PlaceOrder,
    ReqCompletedOrders,
    ReqGlobalCancel,
    ReqOpenOrders,
)
from ibkr.protocol.messages.system import ErrMsg, NextValidId
from ibkr.protocol.models import Contract
from ibkr.protocol.order_models import Execution, ExecutionFilter, Order, OrderState
from ibkr.transport.pacing import Priority

__all__ = ["OrdersMixin"]

_CANCELLED = 202


class OrdersMixin(ContractsMixin, ClientBase):
    HANDLERS: ClassVar[dict[type[Message], str]] = {
        OpenOrder: "_on_open_order",
        OrderStatus: "_on_order_status",
        OpenOrderEnd: "_on_open_order_end",
        ExecutionData: "_on_execution",
        ExecutionDataEnd: "_on_execution_end",
        CommissionReport: "_on_commission",
        CompletedOrder: "_on_completed_order",
        CompletedOrdersEnd: "_on_completed_orders_end",
        OrderBound: "_on_order_bound",
    }

    def _orders_init(self) -> None:
        self._orders: dict[int, OrderHandle] = {}
        self._next_order_id = 0
        self._exec_ids: set[str] = set()
        self._fills_by_exec: dict[str, Fill] = {}
        self._early_commissions: dict[str, CommissionReport] = {}
        self._open_collect: PendingRequest[int] | None = None
        self._completed_collect: PendingRequest[CompletedOrder] | None = None
        self._open_lock = asyncio.Lock()
        self._what_if: dict[int, asyncio.Future[OrderState]] = {}
        self.fills: list[Fill] = []
        self._stray_cancels: dict[int, asyncio.Future[None]] = {}

    # --- ids --------------------------------------------------------------------------------------

    def _on_next_valid_id(self, slot: int, m: NextValidId) -> None:
        if slot == 0:
            # never go back: a gateway restart may roll NEXT_VALID_ID back below ids already used
            self._next_order_id = max(self._next_order_id, m.order_id)

    def next_order_id(self) -> int:
        """Reserve the next order id (strictly increasing for the life of this client)."""
        oid = self._next_order_id
        self._next_order_id = oid + 1
        return oid

    @property
    def client_id(self) -> int:
        return self.gateway.client_id_of(0) if self._gateway is not None else self.config.client_id

    # --- placing ----------------------------------------------------------------------------------

    async def place_order(
        self,
        symbol: str | None = None,
        quantity: Decimal | float | int = 0,
        order_type: str = "MKT",
        side: str = "BUY",
        price: float | None = None,
        *,
        stop_price: float | None = None,
        tif: str = "DAY",
        contract: Contract | None = None,
        account: str | None = None,
        outside_rth: bool = False,
        order_ref: str = "",
        wait_ack: bool = True,
        timeout: float | None = None,
    ) -> int:
        """Place an order and return its order id (the seed's shortcut; see ``submit_order``).

        ``symbol`` is a US stock on SMART unless ``contract`` is given. With ``wait_ack`` (the
        default) it returns once TWS acknowledged the order and raises ``OrderRejected`` if TWS
        refused it.
        """
        if contract is None:
            if symbol is None:
                raise OrderValidationError("place_order needs a symbol or a contract")
            contract = Stock(symbol)
        order = Order(
            action=str(side).upper(),
            total_quantity=decimal_quantity(quantity, "quantity"),
            order_type=str(order_type).upper(),
            lmt_price=price_value(price, "limit price") if str(order_type).upper() in NEEDS_LIMIT else None,
            aux_price=price_value(stop_price, "stop price"),
            tif=str(tif).upper(),
            outside_rth=outside_rth,
            order_ref=order_ref,
            account=account or "",
        )
        if price is not None and order.lmt_price is None and order.order_type not in ("MKT",):
            order.lmt_price = price_value(price, "limit price")
        if order.order_type in ("STP",) and order.aux_price is None and price is not None:
            order.aux_price = price_value(price, "stop price")
        handle = await self.submit_order(contract, order, wait_ack=wait_ack, timeout=timeout)
        return handle.order_id

    async def submit_order(
        self, contract: Contract, order: Order, *, wait_ack: bool = True, timeout: float | None = None
    ) -> OrderHandle:
        """Validate, qualify the contract, apply the pre-trade checks, send, and (by default)
        wait for TWS's acknowledgement. Returns the order's handle."""
        validate_order(order)
        if not contract.con_id:
            contract = await self.qualify_contract(contract, timeout)
        await self._pre_trade_checks(contract, order)
        order.account = order.account or self.config.account or (self.accounts[0] if self.accounts else "")
        if order.account and not is_paper_account(order.account) and not self.config.allow_live:
            raise LiveTradingNotAllowed(f"account {order.account} is not a paper account; pass allow_live=True")
        await self._order_gate(timeout)
        oid = self.next_order_id()
        order.order_id = oid
        handle = OrderHandle(oid, contract, order)
        self._orders[oid] = handle
        handle.submitted_ns = time.monotonic_ns()
        try:
            self._send(PlaceOrder(order_id=oid, contract=contract, order=order), slot=0, priority=Priority.ORDER)
        except IBKRError:
            self._orders.pop(oid, None)
            raise
        handle._touch("submitted")
        if wait_ack:
            await handle.wait_ack(self._timeout(timeout))
        return handle

    async def what_if(self, contract: Contract, order: Order, timeout: float | None = None) -> OrderState:
        """TWS's margin and commission preview of ``order``; nothing is placed."""
        validate_order(order)
        if not contract.con_id:
            contract = await self.qualify_contract(contract, timeout)
        await self._order_gate(timeout)
        oid = self.next_order_id()
        preview = replace(order, order_id=oid, what_if=True)
        fut: asyncio.Future[OrderState] = asyncio.get_running_loop().create_future()
        self._what_if[oid] = fut
        try:
            self._send(PlaceOrder(order_id=oid, contract=contract, order=preview), slot=0, priority=Priority.ORDER)
            async with asyncio.timeout(self._timeout(timeout)):
                return await fut
        except TimeoutError:
            raise RequestTimeout(f"what-if order {oid} got no answer") from None
        finally:
            self._what_if.pop(oid, None)

    async def bracket_order(
        self,
        contract: Contract,
        side: str,
        quantity: Decimal | float | int,
        entry_price: float,
        take_profit: float,
        stop_loss: float,
        *,
        tif: str = "GTC",
        timeout: float | None = None,
    ) -> tuple[OrderHandle, OrderHandle, OrderHandle]:
        """Entry (LMT) with a take-profit (LMT) and a stop-loss (STP) attached: the children wait
        for the entry to fill and cancel each other (TWS's parent/child OCA semantics). Only the
        last child is transmitted, so TWS activates all three together."""
        side = side.upper()
        exit_side = "SELL" if side == "BUY" else "BUY"
        qty = decimal_quantity(quantity, "quantity")
        if not contract.con_id:
            contract = await self.qualify_contract(contract, timeout)
        parent = Order(
            action=side, total_quantity=qty, order_type="LMT", lmt_price=entry_price, tif=tif, transmit=False
        )
        p = await self.submit_order(contract, parent, wait_ack=False, timeout=timeout)
        tp = Order(
            action=exit_side,
            total_quantity=qty,
            order_type="LMT",
            lmt_price=take_profit,
            tif=tif,
            parent_id=p.order_id,
            transmit=False,
        )
        t = await self.submit_order(contract, tp, wait_ack=False, timeout=timeout)
        sl = Order(
            action=exit_side,
            total_quantity=qty,
            order_type="STP",
            aux_price=stop_loss,
            tif=tif,
            parent_id=p.order_id,
            transmit=True,
        )
        s = await self.submit_order(contract, sl, wait_ack=False, timeout=timeout)
        for h in (p, t, s):
            await h.wait_ack(self._timeout(timeout))
        return p, t, s

    async def modify_order(
        self,
        order_id: int,
        *,
        price: float | None = None,
        stop_price: float | None = None,
        quantity: Decimal | float | int | None = None,
        tif: str | None = None,
        timeout: float | None = None,
    ) -> OrderHandle:
        """Change a working order (TWS: the same order id sent again with new values)."""
        handle = self._handle(order_id)
        if handle.is_done:
            raise OrderValidationError(f"order {order_id} is {handle.status}; it cannot be modified")
        order = replace(handle.order)
        if price is not None:
            order.lmt_price = price_value(price, "limit price")
        if stop_price is not None:
            order.aux_price = price_value(stop_price, "stop price")
        if quantity is not None:
            order.total_quantity = decimal_quantity(quantity, "quantity")
        if tif is not None:
            order.tif = tif.upper()
        order.transmit = True
        validate_order(order)
        await self._pre_trade_checks(handle.contract, order)
        await self._order_gate(timeout)
        self._send(
            PlaceOrder(order_id=order_id, contract=handle.contract, order=order), slot=0, priority=Priority.ORDER
        )
        handle.order = order
        handle._touch("modify sent")
        return handle

    async def cancel_order(self, order_id: int, *, wait: bool = True, timeout: float | None = None) -> OrderHandle:
        """Cancel an order; with ``wait``, until TWS reports it Cancelled (raises
        ``CancelRejected`` when TWS refuses, e.g. the order already filled)."""
        handle = self._orders.get(order_id)
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if handle is not None:
            if handle.status in ("Cancelled", "ApiCancelled"):
                return handle
            handle._cancel_waiters.append(fut)
        else:
            self._stray_cancels[order_id] = fut
        self._send(CancelOrder(order_id=order_id), slot=0, priority=Priority.ORDER)
        if not wait:
            return handle if handle is not None else OrderHandle(order_id, Contract(), Order())
        try:
            async with asyncio.timeout(self._timeout(timeout)):
                await fut
        except TimeoutError:
            raise RequestTimeout(f"cancel of order {order_id} not confirmed") from None
        finally:
            self._stray_cancels.pop(order_id, None)
            if handle is not None and fut in handle._cancel_waiters:
                handle._cancel_waiters.remove(fut)
        return handle if handle is not None else OrderHandle(order_id, Contract(), Order())

    async def cancel_all_orders(self) -> None:
        """REQ_GLOBAL_CANCEL: every open order of the account, from every client."""
        await self._order_gate(None)
        self._send(ReqGlobalCancel(), slot=0, priority=Priority.ORDER)

    # --- guards -----------------------------------------------------------------------------------

    async def _order_gate(self, timeout: float | None) -> None:
        """Orders wait (QUEUE) or fail (FAIL) while the socket or TWS's link to IB is down."""
        gw = self._gateway
        up = gw is not None and gw.slot_up(0) and self._ib_link.is_set()
        if up:
            return
        if self.config.order_policy is OrderPolicy.FAIL or gw is None:
            raise NotConnectedError("not connected to IB (socket down or error 1100); order not sent")
        try:
            async with asyncio.timeout(self._timeout(timeout)):
                await gw.wait_up(0)
                await self._ib_link.wait()
        except TimeoutError:
            raise NotConnectedError("connectivity did not come back in time; order not sent") from None

    def _reference_price(self, contract: Contract) -> float | None:
        """Last known price of the contract (the market-data mixin provides it)."""
        return None

    async def _pre_trade_checks(self, contract: Contract, order: Order) -> None:
        c = self.config
        qty = order.total_quantity or Decimal(0)
        if c.max_order_quantity is not None and qty > c.max_order_quantity:
            raise OrderValidationError(f"quantity {qty} exceeds the configured maximum {c.max_order_quantity}")
        if c.max_order_notional is None and c.price_band is None:
            return
        ref = self._reference_price(contract)
        price = order.lmt_price or order.aux_price or ref
        mult = float(contract.multiplier) if contract.multiplier else 1.0
        if c.max_order_notional is not None:
            if price is None:
                raise OrderValidationError("max_order_notional is set but no price is known for this order")
            notional = float(qty) * price * mult
            if notional > c.max_order_notional:
                raise OrderValidationError(
                    f"notional {notional:,.2f} exceeds the configured maximum {c.max_order_notional:,.2f}"
                )
        if c.price_band is not None and ref:
            for p in (order.lmt_price, order.aux_price):
                if p is not None and abs(p - ref) / ref > c.price_band:
                    raise OrderValidationError(
                        f"price {p} is more than {c.price_band:.1%} away from the last price {ref}"
                    )

    def _handle(self, order_id: int) -> OrderHandle:
        h = self._orders.get(order_id)
        if h is None:
            raise OrderValidationError(f"no order {order_id} is known to this client")
        return h

    def order(self, order_id: int) -> OrderHandle:
        return self._handle(order_id)

    @property
    def orders(self) -> list[OrderHandle]:
        return list(self._orders.values())

    def open_orders(self) -> list[OrderHandle]:
        return [h for h in self._orders.values() if not h.is_done]

    # --- incoming ---------------------------------------------------------------------------------

    def _adopt(self, order_id: int, contract: Contract, order: Order) -> OrderHandle:
        handle = self._orders.get(order_id)
        if handle is None:
            handle = OrderHandle(order_id, contract, order)
            self._orders[order_id] = handle
        return handle

    def _record_ack(self, handle: OrderHandle) -> None:
        if not handle._ack.done() and handle.submitted_ns:
            self.latency.histogram(ORDER_ACK).record(time.monotonic_ns() - handle.submitted_ns)

    def _status(self, handle: OrderHandle, status: str) -> None:
        if status == "Filled" and handle.status != "Filled" and handle.submitted_ns:
            self.latency.histogram(ORDER_FILL).record(time.monotonic_ns() - handle.submitted_ns)
        handle._set_status(status)

    def _on_open_order(self, slot: int, m: OpenOrder) -> None:
        oid = m.order.order_id
        fut = self._what_if.get(oid)
        if fut is not None and m.order.what_if:
            if not fut.done():
                fut.set_result(m.order_state)
            return
        if slot != 0:
            return
        self._next_order_id = max(self._next_order_id, oid + 1)
        handle = self._adopt(oid, m.contract, m.order)
        handle.order_state = m.order_state
        handle.perm_id = m.order.perm_id or handle.perm_id
        if handle.contract.con_id == 0 or m.contract.con_id:
            handle.contract = m.contract
        self._record_ack(handle)
        self._status(handle, m.order_state.status)
        handle._touch("open order")
        if self._open_collect is not None:
            self._open_collect.add(oid)
        self.events.emit("order", handle)

    def _on_order_status(self, slot: int, m: OrderStatus) -> None:
        if slot != 0:
            return
        handle = self._orders.get(m.order_id)
        if handle is None:
            return
        self._record_ack(handle)
        handle.filled = m.filled if m.filled is not None else handle.filled
        handle.remaining = m.remaining if m.remaining is not None else handle.remaining
        handle.avg_fill_price = m.avg_fill_price
        handle.last_fill_price = m.last_fill_price
        handle.perm_id = m.perm_id or handle.perm_id
        handle.why_held = m.why_held
        self._status(handle, m.status)
        handle._touch("status")
        self.events.emit("order", handle)

    def _on_open_order_end(self, slot: int, m: OpenOrderEnd) -> None:
        if self._open_collect is not None and slot == 0:
            self._open_collect.finish()

    def _on_execution(self, slot: int, m: ExecutionData) -> None:
        ex = m.execution
        if m.req_id != -1:
            self._item(m.req_id, (m.contract, ex))
        if ex.exec_id in self._exec_ids:
            return  # already delivered (a replay after a reconnect, or the pushed copy)
        if slot != 0:
            return
        self._exec_ids.add(ex.exec_id)
        fill = Fill(m.contract, ex, self._early_commissions.pop(ex.exec_id, None), time.monotonic_ns())
        self._fills_by_exec[ex.exec_id] = fill
        self.fills.append(fill)
        handle = self._orders.get(ex.order_id) if ex.client_id == self.client_id else None
        if handle is not None:
            handle.fills.append(fill)
            handle.last_fill_price = ex.price
            handle._touch("fill")
            for cb in list(handle.on_fill):
                cb(handle, fill)
        self.events.emit("fill", fill)

    def _on_execution_end(self, slot: int, m: ExecutionDataEnd) -> None:
        self._end(m.req_id)

    def _on_commission(self, slot: int, m: CommissionReport) -> None:
        fill = self._fills_by_exec.get(m.exec_id)
        if fill is None:
            self._early_commissions[m.exec_id] = m
            return
        if fill.commission is None:
            fill.commission = m
            handle = self._orders.get(fill.execution.order_id)
            if handle is not None:
                handle._touch("commission")

    def _on_completed_order(self, slot: int, m: CompletedOrder) -> None:
        if self._completed_collect is not None and slot == 0:
            self._completed_collect.add(m)

    def _on_completed_orders_end(self, slot: int, m: CompletedOrdersEnd) -> None:
        if self._completed_collect is not None and slot == 0:
            self._completed_collect.finish()

    def _on_order_bound(self, slot: int, m: OrderBound) -> None:
        self._next_order_id = max(self._next_order_id, m.order_id + 1)

    def _on_order_error(self, slot: int, m: ErrMsg, severity: Severity) -> bool:
        if slot != 0:
            return False
        handle = self._orders.get(m.id)
        stray = self._stray_cancels.get(m.id)
        if handle is None and stray is None:
            fut = self._what_if.get(m.id)
            if fut is not None and severity in (Severity.ERROR, Severity.FATAL):
                if not fut.done():
                    fut.set_exception(
                        exception_for(m.error_code, m.error_string, m.id, m.advanced_order_reject_json, order=True)
                    )
                return True
            return False
        info = classify(m.error_code)
        exc = exception_for(
            m.error_code, m.error_string, m.id, m.advanced_order_reject_json, error_time=m.error_time, order=True
        )
        if m.error_code == _CANCELLED:
            if handle is not None:
                handle._set_status("Cancelled")
                handle._touch("cancelled")
                self.events.emit("order", handle)
            return True
        if isinstance(exc, CancelRejected):
            waiters = handle._cancel_waiters if handle is not None else [stray] if stray is not None else []
            for w in waiters:
                if w is not None and not w.done():
                    w.set_exception(exc)
            if handle is not None:
                handle.warnings.append(exc)
                handle._touch(f"cancel rejected {m.error_code}")
            return True
        if handle is None:
            return False
        effective = info.severity_for(handle._ack.done() and not handle.is_done)
        if effective in (Severity.INFO, Severity.WARNING):
            handle.warnings.append(exc)
            self._warn(m, effective)
            handle._touch(f"warning {m.error_code}")
            return True
        handle._fail(exc)
        if not handle.is_done and not handle._ack.done():
            handle.status = "Inactive"
        self.events.emit("order", handle)
        return True

    # --- queries and reconciliation ---------------------------------------------------------------

    async def refresh_open_orders(self, timeout: float | None = None) -> list[OrderHandle]:
        """REQ_OPEN_ORDERS: TWS's current view of this client's open orders (handles updated)."""
        async with self._open_lock:
            pending: PendingRequest[int] = PendingRequest(-1, "open orders")
            self._open_collect = pending
            try:
                self._send(ReqOpenOrders(), slot=0)
                async with asyncio.timeout(self._timeout(timeout)):
                    ids = await pending.future
            except TimeoutError:
                raise RequestTimeout("REQ_OPEN_ORDERS got no OPEN_ORDER_END") from None
            finally:
                self._open_collect = None
        return [self._orders[i] for i in dict.fromkeys(ids) if i in self._orders]

    async def get_completed_orders(self, api_only: bool = True, timeout: float | None = None) -> list[CompletedOrder]:
        async with self._open_lock:
            pending: PendingRequest[CompletedOrder] = PendingRequest(-1, "completed orders")
            self._completed_collect = pending
            try:
                self._send(ReqCompletedOrders(api_only=api_only), slot=0)
                async with asyncio.timeout(self._timeout(timeout)):
                    return await pending.future
            except TimeoutError:
                raise RequestTimeout("REQ_COMPLETED_ORDERS got no COMPLETED_ORDERS_END") from None
            finally:
                self._completed_collect = None

    async def get_executions(
        self, flt: ExecutionFilter | None = None, timeout: float | None = None
    ) -> list[tuple[Contract, Execution]]:
        """REQ_EXECUTIONS with ``flt`` (default: this client's executions of the day). New ones
        are also delivered as fills to their orders, exactly once."""
        f = flt or ExecutionFilter(client_id=self.client_id)
        items: list[tuple[Contract, Execution]] = await self._request(
            "executions", lambda rid: ReqExecutions(req_id=rid, filter=f), timeout=timeout
        )
        return items

    async def _after_reconnect(self, slot: int, session: Any) -> None:
        await super()._after_reconnect(slot, session)
        if slot != 0:
            return
        self.spawn(self._reconcile())

    async def _reconcile(self) -> Reconciliation:
        before = len(self._exec_ids)
        open_handles = await self.refresh_open_orders()
        open_ids = {h.order_id for h in open_handles}
        replayed = await self.get_executions()
        stale = [h for h in self._orders.values() if not h.is_done and h.order_id not in open_ids]
        resolved: list[int] = []
        lost: list[int] = []
        if stale:
            completed = {c.order.order_id: c for c in await self.get_completed_orders(api_only=True)}
            completed_perm = {c.order.perm_id: c for c in completed.values() if c.order.perm_id}
            for h in stale:
                c = completed.get(h.order_id) or (completed_perm.get(h.perm_id) if h.perm_id else None)
                if c is not None:
                    h._set_status(c.order_state.status or "Filled")
                    h._touch("reconciled from completed orders")
                    resolved.append(h.order_id)
                elif h.filled_from_executions >= (h.order.total_quantity or Decimal(0)) > 0:
                    h.filled = h.filled_from_executions
                    h.remaining = Decimal(0)
                    h._set_status("Filled")
                    h._touch("reconciled from executions")
                    resolved.append(h.order_id)
                elif not h._ack.done():
                    # sent just before the connection dropped and never seen by TWS
                    h._fail(NotConnectedError(f"order {h.order_id} was not received by TWS before the disconnect"))
                    h.status = "Inactive"
                    h._touch("lost in the disconnect")
                    lost.append(h.order_id)
        result = Reconciliation(
            len(open_ids), len(replayed), len(self._exec_ids) - before, tuple(resolved), tuple(lost)
        )
        self.events.emit("reconciled", result)
        return result
