"""Account state: positions, account values and portfolio, account summary, PnL.

* **Positions** (REQ_POSITIONS): the first ``get_positions`` subscribes and waits for
  POSITION_END; the subscription then stays on, so ``client.positions`` stays current and every
  change is emitted as a ``position`` event. After a reconnect the list is downloaded again and
  replaces the old one at POSITION_END (a position closed meanwhile disappears).
* **Account values and portfolio** (REQ_ACCT_DATA, TWS's ``reqAccountUpdates``): one account at a
  time (TWS's rule). ``get_account_values`` subscribes and waits for ACCT_DOWNLOAD_END; the
  subscription stays on: ``client.account_values`` and ``client.portfolio`` stay current
  (``account_value`` and ``portfolio`` events).
* **Account summary** (REQ_ACCOUNT_SUMMARY): a one-shot request, cancelled once complete.
* **PnL** (REQ_PNL / REQ_PNL_SINGLE): streams of ``Pnl`` / ``PnlSingle``; ``get_pnl`` returns the
  first value (or the latest of a running stream).

Quantities are ``Decimal``; money values ``float``. Zero positions are dropped from the lists.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from ibkr.client.base import ClientBase
from ibkr.client.requests import Subscription
from ibkr.errors import ConfigError, IBKRError, NotConnectedError, RequestTimeout
from ibkr.protocol.message import Message
from ibkr.protocol.messages import account as wire
from ibkr.protocol.models import Contract
from ibkr.transport.pacing import Priority

__all__ = [
    "AccountMixin",
    "Position",
    "AccountValue",
    "PortfolioItem",
    "AccountSummaryItem",
    "Pnl",
    "PnlSingle",
]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Position:
    account: str
    contract: Contract
    position: Decimal
    avg_cost: float


@dataclass(frozen=True, slots=True)
class AccountValue:
    """One account key (``NetLiquidation``, ``CashBalance``...). ``value`` is TWS's text."""

    account: str
    key: str
    value: str
    currency: str

    @property
    def number(self) -> float | None:
        """The value as a number, None when it is not one (``AccountType`` and the like)."""
        try:
            return float(self.value)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class PortfolioItem:
    account: str
    contract: Contract
    position: Decimal
    market_price: float
    market_value: float
    average_cost: float
    unrealized_pnl: float
    realized_pnl: float


@dataclass(frozen=True, slots=True)
class AccountSummaryItem:
    account: str
    tag: str
    value: str
    currency: str


@dataclass(frozen=True, slots=True)
class Pnl:
    """Daily, unrealized and realized PnL of an account (None: TWS has no value yet)."""

    account: str
    model_code: str
    daily_pnl: float | None
    unrealized_pnl: float | None
    realized_pnl: float | None


@dataclass(frozen=True, slots=True)
class PnlSingle:
    """PnL and market value of one position."""

    account: str
    model_code: str
    con_id: int
    position: Decimal | None
    daily_pnl: float | None
    unrealized_pnl: float | None
    realized_pnl: float | None
    value: float | None


class AccountMixin(ClientBase):
    HANDLERS: ClassVar[dict[type[Message], str]] = {
        wire.PositionData: "_on_position",
        wire.PositionEnd: "_on_position_end",
        wire.AcctValue: "_on_acct_value",
        wire.PortfolioValue: "_on_portfolio_value",
        wire.AcctUpdateTime: "_on_acct_update_time",
        wire.AcctDownloadEnd: "_on_acct_download_end",
        wire.AccountSummary: "_on_account_summary",
        wire.AccountSummaryEnd: "_on_account_summary_end",
        wire.Pnl: "_on_pnl",
        wire.PnlSingle: "_on_pnl_single",
    }

    def _account_init(self) -> None:
        self._positions: dict[tuple[str, int], Position] = {}
        #: positions seen since the (re)subscription, until POSITION_END
        self._positions_loading: dict[tuple[str, int], Position] | None = None
        self._positions_subscribed = False
        self._positions_ready: asyncio.Future[None] | None = None
        #: account -> (key, currency) -> value
        self.account_values: dict[str, dict[tuple[str, str], AccountValue]] = {}
        #: account -> con_id -> portfolio row
        self._portfolio: dict[str, dict[int, PortfolioItem]] = {}
        self.account_update_time = ""
        #: the account REQ_ACCT_DATA is subscribed to (TWS serves one at a time)
        self.account_subscribed: str | None = None
        self._acct_ready: dict[str, asyncio.Future[None]] = {}
        #: request id -> (account, model code) / (account, model code, con_id) of PnL streams
        self._pnl_keys: dict[int, tuple[str, str]] = {}
        self._pnl_single_keys: dict[int, tuple[str, str, int]] = {}
        #: latest PnL per account, and per (account, con_id), from running streams
        self.pnl: dict[str, Pnl] = {}
        self.pnl_single: dict[tuple[str, int], PnlSingle] = {}

    def _account(self, account: str | None) -> str:
        acct = account or self.config.account or (self.accounts[0] if self.accounts else "")
        if not acct:
            raise ConfigError("no account given and TWS reported no managed account")
        return acct

    # --- positions ------------------------------------------------------------------------------

    @property
    def positions(self) -> list[Position]:
        """Current non-zero positions of every account (after the first ``get_positions``)."""
        return list(self._positions.values())

    async def get_positions(self, timeout: float | None = None) -> list[Position]:
        """Every non-zero position of every account. The first call subscribes (REQ_POSITIONS)
        and waits for POSITION_END; later calls return the current state at once."""
        if not self._positions_subscribed or self._positions_ready is None:
            self._positions_ready = asyncio.get_running_loop().create_future()
            self._positions_loading = {}
            self._positions_subscribed = True
            try:
                self._send(wire.ReqPositions(), slot=0)
            except IBKRError:
                self._positions_subscribed = False
                self._positions_ready = None
                raise
        ready = self._positions_ready
        try:
            async with asyncio.timeout(self._timeout(timeout)):
                await asyncio.shield(ready)
        except TimeoutError:
            raise RequestTimeout("REQ_POSITIONS got no POSITION_END") from None
        return self.positions

    def cancel_positions(self) -> None:
        """Stop the positions subscription (``client.positions`` stops updating)."""
        if self._positions_subscribed:
            self._positions_subscribed = False
            self._positions_ready = None
            with contextlib.suppress(IBKRError):
                self._send(wire.CancelPositions(), slot=0)

    def _on_position(self, slot: int, m: wire.PositionData) -> None:
        if slot != 0:
            return
        pos = Position(m.account, m.contract, m.position if m.position is not None else _ZERO, m.avg_cost)
        key = (m.account, m.contract.con_id)
        if pos.position == 0:
            self._positions.pop(key, None)
            if self._positions_loading is not None:
                self._positions_loading.pop(key, None)
        else:
            self._positions[key] = pos
            if self._positions_loading is not None:
                self._positions_loading[key] = pos
        self.events.emit("position", pos)

    def _on_position_end(self, slot: int, m: wire.PositionEnd) -> None:
        if slot != 0:
            return
        if self._positions_loading is not None:
            self._positions = self._positions_loading
            self._positions_loading = None
        if self._positions_ready is not None and not self._positions_ready.done():
            self._positions_ready.set_result(None)

    # --- account values and portfolio -----------------------------------------------------------

    async def get_account_values(
        self, account: str | None = None, timeout: float | None = None
    ) -> dict[tuple[str, str], AccountValue]:
        """The values of ``account`` (default: the configured or first managed account), keyed
        by ``(key, currency)``, e.g. ``values["NetLiquidation", "USD"]``. Subscribes to the
        account's updates (REQ_ACCT_DATA) and keeps them on; see ``account_values``."""
        acct = self._account(account)
        fut = self._acct_ready.get(acct)
        if self.account_subscribed != acct or fut is None:
            fut = asyncio.get_running_loop().create_future()
            self._acct_ready = {acct: fut}
            self.account_subscribed = acct
            self._send(wire.ReqAcctData(subscribe=True, acct_code=acct), slot=0)
        try:
            async with asyncio.timeout(self._timeout(timeout)):
                await asyncio.shield(fut)
        except TimeoutError:
            raise RequestTimeout(f"REQ_ACCT_DATA for {acct} got no ACCT_DOWNLOAD_END") from None
        return dict(self.account_values.get(acct, {}))

    async def get_portfolio(self, account: str | None = None, timeout: float | None = None) -> list[PortfolioItem]:
        """The portfolio rows of ``account`` (subscribes like ``get_account_values``)."""
        acct = self._account(account)
        await self.get_account_values(acct, timeout)
        return list(self._portfolio.get(acct, {}).values())

    @property
    def portfolio(self) -> list[PortfolioItem]:
        """Current non-zero portfolio rows of the subscribed account(s)."""
        return [item for rows in self._portfolio.values() for item in rows.values()]

    def cancel_account_updates(self) -> None:
        acct = self.account_subscribed
        if acct is not None:
            self.account_subscribed = None
            self._acct_ready = {}
            with contextlib.suppress(IBKRError):
                self._send(wire.ReqAcctData(subscribe=False, acct_code=acct), slot=0)

    def _on_acct_value(self, slot: int, m: wire.AcctValue) -> None:
        v = AccountValue(m.account_name, m.key, m.value, m.currency)
        self.account_values.setdefault(m.account_name, {})[(m.key, m.currency)] = v
        self.events.emit("account_value", v)

    def _on_portfolio_value(self, slot: int, m: wire.PortfolioValue) -> None:
        item = PortfolioItem(
            m.account_name,
            m.contract,
            m.position if m.position is not None else _ZERO,
            m.market_price,
            m.market_value,
            m.average_cost,
            m.unrealized_pnl,
            m.realized_pnl,
        )
        rows = self._portfolio.setdefault(m.account_name, {})
        if item.position == 0:
            rows.pop(m.contract.con_id, None)
        else:
            rows[m.contract.con_id] = item
        self.events.emit("portfolio", item)

    def _on_acct_update_time(self, slot: int, m: wire.AcctUpdateTime) -> None:
        self.account_update_time = m.time_stamp

    def _on_acct_download_end(self, slot: int, m: wire.AcctDownloadEnd) -> None:
        fut = self._acct_ready.get(m.account_name)
        if fut is None and len(self._acct_ready) == 1:
            fut = next(iter(self._acct_ready.values()))
        if fut is not None and not fut.done():
            fut.set_result(None)

    # --- account summary ------------------------------------------------------------------------

    async def get_account_summary(
        self, tags: str = "All", group: str = "All", timeout: float | None = None
    ) -> list[AccountSummaryItem]:
        """REQ_ACCOUNT_SUMMARY until ACCOUNT_SUMMARY_END, then cancelled. ``tags`` is a comma list
        of TWS tags (``NetLiquidation,BuyingPower``), ``$LEDGER``..., or ``All`` (every tag)."""
        tag_list = _ALL_SUMMARY_TAGS if tags == "All" else tags
        rid_box: list[int] = []

        def build(rid: int) -> wire.ReqAccountSummary:
            rid_box.append(rid)
            return wire.ReqAccountSummary(req_id=rid, group_name=group, tags=tag_list)

        items: list[AccountSummaryItem] = await self._request(
            "account summary",
            build,
            timeout=timeout,
            cancel=lambda rid: wire.CancelAccountSummary(req_id=rid),
        )
        # TWS keeps the summary subscribed (updates every 3 minutes) until it is cancelled
        with contextlib.suppress(IBKRError):
            self._send(wire.CancelAccountSummary(req_id=rid_box[0]), slot=0)
        return items

    def _on_account_summary(self, slot: int, m: wire.AccountSummary) -> None:
        self._item(m.req_id, AccountSummaryItem(m.account, m.tag, m.value, m.currency))

    def _on_account_summary_end(self, slot: int, m: wire.AccountSummaryEnd) -> None:
        self._end(m.req_id)

    # --- PnL ------------------------------------------------------------------------------------

    def pnl_stream(self, account: str | None = None, model_code: str = "") -> Subscription[Pnl]:
        """PnL of ``account`` about once a second (REQ_PNL); ``client.unsubscribe(sub)`` stops it."""
        acct = self._account(account)
        sub: Subscription[Pnl] = self._subscribe(
            "pnl",
            lambda rid: wire.ReqPnl(req_id=rid, account=acct, model_code=model_code),
            lambda rid: wire.CancelPnl(req_id=rid),
        )
        self._pnl_keys[sub.req_id] = (acct, model_code)
        return sub

    async def get_pnl(self, account: str | None = None, model_code: str = "", timeout: float | None = None) -> Pnl:
        """The account's PnL: the latest value of a running stream, else a stream's first value."""
        acct = self._account(account)
        if not model_code:
            for rid, key in self._pnl_keys.items():
                if key == (acct, "") and rid in self._subs and acct in self.pnl:
                    return self.pnl[acct]
        sub = self.pnl_stream(acct, model_code)
        try:
            value: Pnl = await self._first(sub, timeout, "PnL")
        finally:
            self.unsubscribe(sub)
            self._pnl_keys.pop(sub.req_id, None)
        return value

    def pnl_single_stream(
        self, con_id: int, account: str | None = None, model_code: str = ""
    ) -> Subscription[PnlSingle]:
        """PnL of one position (REQ_PNL_SINGLE); ``client.unsubscribe(sub)`` stops it."""
        acct = self._account(account)
        sub: Subscription[PnlSingle] = self._subscribe(
            "pnl single",
            lambda rid: wire.ReqPnlSingle(req_id=rid, account=acct, model_code=model_code, con_id=con_id),
            lambda rid: wire.CancelPnlSingle(req_id=rid),
        )
        self._pnl_single_keys[sub.req_id] = (acct, model_code, con_id)
        return sub

    async def get_pnl_single(
        self, con_id: int, account: str | None = None, model_code: str = "", timeout: float | None = None
    ) -> PnlSingle:
        """PnL of one position: the latest of a running stream, else a stream's first value."""
        acct = self._account(account)
        if not model_code:
            for rid, key in self._pnl_single_keys.items():
                if key == (acct, "", con_id) and rid in self._subs and (acct, con_id) in self.pnl_single:
                    return self.pnl_single[acct, con_id]
        sub = self.pnl_single_stream(con_id, acct, model_code)
        try:
            value: PnlSingle = await self._first(sub, timeout, "single-position PnL")
        finally:
            self.unsubscribe(sub)
            self._pnl_single_keys.pop(sub.req_id, None)
        return value

    async def _first(self, sub: Subscription[Any], timeout: float | None, what: str) -> Any:
        try:
            async with asyncio.timeout(self._timeout(timeout)):
                return await asyncio.shield(sub.first)
        except TimeoutError:
            raise RequestTimeout(f"no {what} from TWS (request {sub.req_id})") from None

    def _on_pnl(self, slot: int, m: wire.Pnl) -> None:
        key = self._pnl_keys.get(m.req_id)
        if key is None:
            return
        value = Pnl(key[0], key[1], m.daily_pnl, m.unrealized_pnl, m.realized_pnl)
        if not key[1]:
            self.pnl[key[0]] = value
        self._item(m.req_id, value)

    def _on_pnl_single(self, slot: int, m: wire.PnlSingle) -> None:
        key = self._pnl_single_keys.get(m.req_id)
        if key is None:
            return
        value = PnlSingle(key[0], key[1], key[2], m.position, m.daily_pnl, m.unrealized_pnl, m.realized_pnl, m.value)
        if not key[1]:
            self.pnl_single[key[0], key[2]] = value
        self._item(m.req_id, value)

    # --- lifecycle ------------------------------------------------------------------------------

    async def aclose(self) -> None:
        closed = NotConnectedError("the client was closed")
        for fut in (self._positions_ready, *self._acct_ready.values()):
            if fut is not None and not fut.done():
                fut.set_exception(closed)
                fut.exception()  # retrieved: nobody may be waiting
        self._positions_subscribed = False
        self._positions_ready = None
        self.account_subscribed = None
        self._acct_ready = {}
        await super().aclose()

    # --- reconnect ------------------------------------------------------------------------------

    async def _after_reconnect(self, slot: int, session: Any) -> None:
        await super()._after_reconnect(slot, session)
        if slot != 0:
            return
        # REQ_POSITIONS and REQ_ACCT_DATA carry no request id: the base does not resend them.
        # (``session``, not ``_send``: the slot is not marked up until the listeners are done.)
        with contextlib.suppress(IBKRError):
            if self._positions_subscribed:
                self._positions_loading = {}
                session.send(wire.ReqPositions(), Priority.CONTROL)
            if self.account_subscribed is not None:
                session.send(wire.ReqAcctData(subscribe=True, acct_code=self.account_subscribed), Priority.CONTROL)


#: what "All" means for REQ_ACCOUNT_SUMMARY (TWS takes no wildcard; these are its documented tags)
_ALL_SUMMARY_TAGS = ",".join(
    (
        "AccountType",
        "NetLiquidation",
        "TotalCashValue",
        "SettledCash",
        "AccruedCash",
        "BuyingPower",
        "EquityWithLoanValue",
        "PreviousDayEquityWithLoanValue",
        "GrossPositionValue",
        "RegTEquity",
        "RegTMargin",
        "SMA",
        "InitMarginReq",
        "MaintMarginReq",
        "AvailableFunds",
        "ExcessLiquidity",
        "Cushion",
        "FullInitMarginReq",
        "FullMaintMarginReq",
        "FullAvailableFunds",
        "FullExcessLiquidity",
        "LookAheadNextChange",
        "LookAheadInitMarginReq",
        "LookAheadMaintMarginReq",
        "LookAheadAvailableFunds",
        "LookAheadExcessLiquidity",
        "HighestSeverity",
        "DayTradesRemaining",
        "Leverage",
    )
)
