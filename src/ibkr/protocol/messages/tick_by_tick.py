"""Tick-by-tick data: REQ_TICK_BY_TICK_DATA, its cancel and TICK_BY_TICK (one class per tick type).

Layouts per tws-protocol.md 4.3 and 5.3. TICK_BY_TICK is on the decoding hot path: it has a fast
decoder and a one-string encoder next to its layouts (see ``market_data.py`` and ``fast.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ibkr.errors import EncodeError
from ibkr.protocol.fields import (
    BOOL,
    FLOAT,
    INT,
    SIZE,
    STR,
    F,
    Reader,
    decode_layout,
    encode_layout,
)
from ibkr.protocol.ids import SV, In, Out
from ibkr.protocol.message import ClientMessage, Message, ServerMessage, fast_decoder, register
from ibkr.protocol.messages.fast import INTS, PRICES, Slow, check_ints, fast_size, parse_price, price_text, size_text
from ibkr.protocol.models import CONTRACT_REQ, Contract

__all__ = [
    "ReqTickByTickData",
    "CancelTickByTickData",
    "TickByTick",
    "TickByTickNone",
    "TickByTickLast",
    "TickByTickBidAsk",
    "TickByTickMidPoint",
]


# --- requests ------------------------------------------------------------------------------------


@register
@dataclass(slots=True)
class ReqTickByTickData(ClientMessage):
    """REQ_TICK_BY_TICK_DATA (97), no version field. ``tick_type`` is ``Last``, ``AllLast``,
    ``BidAsk`` or ``MidPoint``; the last two fields exist from SV.TICK_BY_TICK_IGNORE_SIZE."""

    ID = Out.REQ_TICK_BY_TICK_DATA
    SINCE = SV.TICK_BY_TICK
    LAYOUT = (
        F("req_id", INT),
        F("contract", CONTRACT_REQ),
        F("tick_type", STR),
        F("number_of_ticks", INT, since=SV.TICK_BY_TICK_IGNORE_SIZE),
        F("ignore_size", BOOL, since=SV.TICK_BY_TICK_IGNORE_SIZE),
    )

    req_id: int = 0
    contract: Contract = field(default_factory=Contract)
    tick_type: str = ""
    number_of_ticks: int = 0
    ignore_size: bool = False


@register
@dataclass(slots=True)
class CancelTickByTickData(ClientMessage):
    ID = Out.CANCEL_TICK_BY_TICK_DATA
    SINCE = SV.TICK_BY_TICK
    LAYOUT = (F("req_id", INT),)

    req_id: int = 0


# --- tick-by-tick --------------------------------------------------------------------------------
# (The fast texts write a literal digit after a NUL as "\x003": "\03" would be an octal escape.)


@register
@dataclass(slots=True)
class TickByTick(ServerMessage):
    """TICK_BY_TICK (99), no version field: ``req_id, tick_type, time`` and then fields that depend
    on the tick type. Decoding returns the subclass for the type: ``TickByTickNone`` (0),
    ``TickByTickLast`` (1 Last, 2 AllLast), ``TickByTickBidAsk`` (3), ``TickByTickMidPoint`` (4).
    The official decoder reads type 0 and reports nothing; we return it so nothing is hidden."""

    ID = In.TICK_BY_TICK
    SINCE = SV.TICK_BY_TICK
    #: the tick types a class may carry (the base class itself carries none: use a subclass)
    TICK_TYPES: ClassVar[tuple[int, ...]] = ()
    LAYOUT: ClassVar[tuple[F, ...]] = (F("req_id", INT), F("tick_type", INT), F("time", INT))

    req_id: int = 0
    tick_type: int = 0
    time: int = 0

    def encode_fields(self, sv: int, out: list[str]) -> None:
        if self.tick_type not in self.TICK_TYPES:
            raise EncodeError(
                f"{type(self).__name__} cannot carry tick type {self.tick_type!r} (allowed: {self.TICK_TYPES})",
                field="tick_type",
            )
        try:
            out.append(self._fast_text())
        except Slow:
            encode_layout(self, self.LAYOUT, sv, out)

    def _fast_text(self) -> str:
        raise Slow

    @classmethod
    def decode_fields(cls, r: Reader, sv: int) -> TickByTick:
        start = r.pos
        INT.decode(r, "req_id", sv)
        tick_type = INT.decode(r, "tick_type", sv)
        sub = _TICK_BY_TICK_CLASSES.get(tick_type)
        if sub is None:
            raise r.error(f"unknown tick-by-tick type {tick_type}", "tick_type", r.fields[r.pos - 1])
        r.pos = start
        return sub(**decode_layout(r, sub.LAYOUT, sv))


@dataclass(slots=True)
class TickByTickNone(TickByTick):
    """Tick type 0: only the time follows."""

    TICK_TYPES = (0,)

    def _fast_text(self) -> str:
        check_ints(self.req_id, self.time)
        return f"{self.req_id}\x000\x00{self.time}"


@dataclass(slots=True)
class TickByTickLast(TickByTick):
    """Types 1 (Last) and 2 (AllLast). ``attr_mask``: bit 0 pastLimit, bit 1 unreported."""

    TICK_TYPES = (1, 2)
    LAYOUT = (
        *TickByTick.LAYOUT,
        F("price", FLOAT),
        F("size", SIZE),
        F("attr_mask", INT),
        F("exchange", STR),
        F("special_conditions", STR),
    )

    tick_type: int = 1
    price: float = 0.0
    size: float | None = None
    attr_mask: int = 0
    exchange: str = ""
    special_conditions: str = ""

    @property
    def past_limit(self) -> bool:
        return bool(self.attr_mask & 1)

    @property
    def unreported(self) -> bool:
        return bool(self.attr_mask & 2)

    def _fast_text(self) -> str:
        check_ints(self.req_id, self.tick_type, self.time, self.attr_mask)
        exchange, conditions = self.exchange, self.special_conditions
        if type(exchange) is not str or type(conditions) is not str or "\0" in exchange or "\0" in conditions:
            raise Slow
        return (
            f"{self.req_id}\0{self.tick_type}\0{self.time}\0{price_text(self.price)}\0"
            f"{size_text(self.size)}\0{self.attr_mask}\0{exchange}\0{conditions}"
        )


@dataclass(slots=True)
class TickByTickBidAsk(TickByTick):
    """Type 3. ``attr_mask``: bit 0 bidPastLow, bit 1 askPastHigh (HISTORICAL_TICKS_BID_ASK has the
    bits the other way round, tws-protocol.md 10)."""

    TICK_TYPES = (3,)
    LAYOUT = (
        *TickByTick.LAYOUT,
        F("bid_price", FLOAT),
        F("ask_price", FLOAT),
        F("bid_size", SIZE),
        F("ask_size", SIZE),
        F("attr_mask", INT),
    )

    tick_type: int = 3
    bid_price: float = 0.0
    ask_price: float = 0.0
    bid_size: float | None = None
    ask_size: float | None = None
    attr_mask: int = 0

    @property
    def bid_past_low(self) -> bool:
        return bool(self.attr_mask & 1)

    @property
    def ask_past_high(self) -> bool:
        return bool(self.attr_mask & 2)

    def _fast_text(self) -> str:
        check_ints(self.req_id, self.time, self.attr_mask)
        return (
            f"{self.req_id}\x003\x00{self.time}\0{price_text(self.bid_price)}\0{price_text(self.ask_price)}\0"
            f"{size_text(self.bid_size)}\0{size_text(self.ask_size)}\0{self.attr_mask}"
        )


@dataclass(slots=True)
class TickByTickMidPoint(TickByTick):
    TICK_TYPES = (4,)
    LAYOUT = (*TickByTick.LAYOUT, F("mid_point", FLOAT))

    tick_type: int = 4
    mid_point: float = 0.0

    def _fast_text(self) -> str:
        check_ints(self.req_id, self.time)
        return f"{self.req_id}\x004\x00{self.time}\0{price_text(self.mid_point)}"


_TICK_BY_TICK_CLASSES: dict[int, type[TickByTick]] = {
    t: cls for cls in (TickByTickNone, TickByTickLast, TickByTickBidAsk, TickByTickMidPoint) for t in cls.TICK_TYPES
}


@fast_decoder(In.TICK_BY_TICK)
def _decode_tick_by_tick(f: list[bytes], sv: int) -> Message:
    n = len(f)
    t = f[2]
    if n == 9:
        if t == b"3":
            _, req_id, _, time, bid, ask, bid_size, ask_size, mask = f
            return TickByTickBidAsk(
                INTS.get(req_id) or int(req_id),
                3,
                int(time),
                PRICES.get(bid) or parse_price(bid),
                PRICES.get(ask) or parse_price(ask),
                fast_size(bid_size),
                fast_size(ask_size),
                INTS[mask],
            )
        if t == b"1" or t == b"2":
            _, req_id, _, time, price, size, mask, exchange, conditions = f
            return TickByTickLast(
                INTS.get(req_id) or int(req_id),
                INTS[t],
                int(time),
                PRICES.get(price) or parse_price(price),
                fast_size(size),
                INTS[mask],
                exchange.decode(),  # bad UTF-8 raises: the layout replaces it
                conditions.decode(),
            )
    elif n == 5 and t == b"4":
        _, req_id, _, time, mid = f
        return TickByTickMidPoint(INTS.get(req_id) or int(req_id), 4, int(time), PRICES.get(mid) or parse_price(mid))
    elif n == 4 and t == b"0":
        return TickByTickNone(INTS.get(f[1]) or int(f[1]), 0, int(f[3]))
    raise Slow
