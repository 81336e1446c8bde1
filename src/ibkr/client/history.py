"""Historical and real-time bars.

* ``get_historical_data``: REQ_HISTORICAL_DATA, answered by one HISTORICAL_DATA with every bar;
  from SV.HISTORICAL_DATA_END the answer is closed by HISTORICAL_DATA_END, below it the bars
  message is the whole answer. Errors for the request (162 no data / pacing, 200, 321...) fail it
  with the typed exception.
* ``historical_bars_stream``: the same request with keepUpToDate: a ``Subscription`` of ``Bar``
  items, the initial bars first, then HISTORICAL_DATA_UPDATE bars (the forming bar, sent again as
  it changes: an update whose ``date`` equals the previous bar's replaces it).
* ``real_time_bars``: REQ_REAL_TIME_BARS, a ``Subscription`` of ``RealTimeBars`` (5-second bars).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ibkr.client.base import ClientBase
from ibkr.client.contracts import ContractsMixin
from ibkr.client.requests import Subscription
from ibkr.errors import ConfigError, NotConnectedError
from ibkr.protocol.ids import SV
from ibkr.protocol.message import Message
from ibkr.protocol.messages.historical import (
    Bar,
    CancelHistoricalData,
    CancelRealTimeBars,
    HistoricalData,
    HistoricalDataEnd,
    HistoricalDataUpdate,
    RealTimeBars,
    ReqHistoricalData,
    ReqRealTimeBars,
)
from ibkr.protocol.models import Contract

__all__ = ["HistoricalMixin", "Bar", "RealTimeBars", "WHAT_TO_SHOW"]

WHAT_TO_SHOW = frozenset(
    {
        "TRADES",
        "MIDPOINT",
        "BID",
        "ASK",
        "BID_ASK",
        "ADJUSTED_LAST",
        "HISTORICAL_VOLATILITY",
        "OPTION_IMPLIED_VOLATILITY",
        "REBATE_RATE",
        "FEE_RATE",
        "YIELD_BID",
        "YIELD_ASK",
        "YIELD_BID_ASK",
        "YIELD_LAST",
        "SCHEDULE",
        "AGGTRADES",
    }
)
_REAL_TIME_WHAT = frozenset({"TRADES", "MIDPOINT", "BID", "ASK"})


def _check_what(what_to_show: str, allowed: frozenset[str]) -> str:
    w = what_to_show.upper()
    if w not in allowed:
        raise ConfigError(f"what_to_show {what_to_show!r} must be one of {sorted(allowed)}")
    return w


class HistoricalMixin(ContractsMixin, ClientBase):
    HANDLERS: ClassVar[dict[type[Message], str]] = {
        HistoricalData: "_on_historical_data",
        HistoricalDataEnd: "_on_historical_data_end",
        HistoricalDataUpdate: "_on_historical_data_update",
        RealTimeBars: "_on_real_time_bars",
    }

    async def get_historical_data(
        self,
        contract: Contract,
        end_date_time: str = "",
        duration: str = "1 D",
        bar_size: str = "5 mins",
        what_to_show: str = "TRADES",
        use_rth: bool = True,
        format_date: int = 1,
        timeout: float | None = None,
    ) -> list[Bar]:
        """Bars of ``contract`` ending at ``end_date_time`` (``""``: now), oldest first.

        ``duration`` like ``"1 D"``, ``"2 W"``, ``"3600 S"``; ``bar_size`` like ``"1 min"``,
        ``"5 mins"``, ``"1 day"``; ``format_date`` 1 (text dates) or 2 (epoch seconds)."""
        what = _check_what(what_to_show, WHAT_TO_SHOW)
        qualified = await self.qualify_contract(contract, timeout)
        bars: list[Bar] = await self._request(
            "historical data",
            lambda rid: ReqHistoricalData(
                req_id=rid,
                contract=qualified,
                end_date_time=end_date_time,
                duration_str=duration,
                bar_size_setting=bar_size,
                what_to_show=what,
                use_rth=use_rth,
                format_date=format_date,
                keep_up_to_date=False,
            ),
            timeout=timeout,
            data=True,
            cancel=lambda rid: CancelHistoricalData(req_id=rid),
        )
        return bars

    def historical_bars_stream(
        self,
        contract: Contract,
        duration: str = "1 D",
        bar_size: str = "5 mins",
        what_to_show: str = "TRADES",
        use_rth: bool = True,
        format_date: int = 1,
        keep_up_to_date: bool = True,
    ) -> Subscription[Bar]:
        """The bars up to now, then (with ``keep_up_to_date``) the forming bar as it changes.
        The contract is sent as given (TWS resolves it; an unknown one ends the stream with
        ``ContractNotFound``). Stop it with ``client.unsubscribe(sub)``. After a reconnect the
        request is sent again: a ``Gap`` item, then the initial bars again, then updates."""
        what = _check_what(what_to_show, WHAT_TO_SHOW)
        sub: Subscription[Bar] = self._subscribe(
            "historical bars",
            lambda rid: ReqHistoricalData(
                req_id=rid,
                contract=contract,
                end_date_time="",  # keepUpToDate needs an empty end
                duration_str=duration,
                bar_size_setting=bar_size,
                what_to_show=what,
                use_rth=use_rth,
                format_date=format_date,
                keep_up_to_date=keep_up_to_date,
            ),
            lambda rid: CancelHistoricalData(req_id=rid),
        )
        return sub

    async def real_time_bars(
        self,
        contract: Contract,
        what_to_show: str = "TRADES",
        use_rth: bool = False,
        *,
        timeout: float | None = None,
    ) -> Subscription[RealTimeBars]:
        """5-second bars (``RealTimeBars`` messages: ``time`` is the bar's start, epoch seconds)."""
        what = _check_what(what_to_show, _REAL_TIME_WHAT)
        qualified = await self.qualify_contract(contract, timeout)
        sub: Subscription[RealTimeBars] = self._subscribe(
            "real-time bars",
            lambda rid: ReqRealTimeBars(req_id=rid, contract=qualified, bar_size=5, what_to_show=what, use_rth=use_rth),
            lambda rid: CancelRealTimeBars(req_id=rid),
        )
        return sub

    # --- incoming -------------------------------------------------------------------------------

    def _server_version(self, slot: int) -> int:
        try:
            return self.gateway.session(slot).server_version
        except NotConnectedError:
            return SV.HISTORICAL_DATA_END

    def _on_historical_data(self, slot: int, m: HistoricalData) -> None:
        rid = m.req_id
        p = self._pending.get(rid)
        if p is not None:
            p.items.extend(m.bars)
        else:
            s: Subscription[Any] | None = self._subs.get(rid)
            if s is None:
                return
            for bar in m.bars:
                s.push(bar)
        if self._server_version(slot) < SV.HISTORICAL_DATA_END:
            self._end(rid)  # the bars message is the whole answer below this version

    def _on_historical_data_end(self, slot: int, m: HistoricalDataEnd) -> None:
        self._end(m.req_id)

    def _on_historical_data_update(self, slot: int, m: HistoricalDataUpdate) -> None:
        s = self._subs.get(m.req_id)
        if s is not None:
            s.push(m.bar)

    def _on_real_time_bars(self, slot: int, m: RealTimeBars) -> None:
        s = self._subs.get(m.req_id)
        if s is not None:
            s.push(m)
