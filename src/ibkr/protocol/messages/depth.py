"""Market depth: REQ_MKT_DEPTH, its cancel, and the book rows MARKET_DEPTH and MARKET_DEPTH_L2.

Layouts per tws-protocol.md 4.3 and 5.3. The rows are on the decoding hot path: each has a fast
decoder and a one-string encoder next to its layout (see ``market_data.py`` and ``fast.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ibkr.protocol.fields import (
    BOOL,
    FLOAT,
    INT,
    SIZE,
    STR,
    F,
    Version,
    encode_layout,
)
from ibkr.protocol.ids import SV, In, Out
from ibkr.protocol.message import ClientMessage, Message, ServerMessage, fast_decoder, register
from ibkr.protocol.messages.fast import INTS, PRICES, Slow, check_ints, fast_size, parse_price, price_text, size_text
from ibkr.protocol.models import CONTRACT_REQ, TAG_VALUE_TEXT, Contract, TagValue

__all__ = [
    "ReqMktDepth",
    "CancelMktDepth",
    "MarketDepth",
    "MarketDepthL2",
]


# --- requests ------------------------------------------------------------------------------------


@register
@dataclass(slots=True)
class ReqMktDepth(ClientMessage):
    """REQ_MKT_DEPTH (10). The contract block has its primaryExchange slot from
    SV.MKT_DEPTH_PRIM_EXCHANGE (always, at the versions we speak); ``is_smart_depth`` from
    SV.SMART_DEPTH. ``mkt_depth_options`` is "internal use" (the official client sends ``""``)."""

    ID = Out.REQ_MKT_DEPTH
    LAYOUT = (
        F("_v", Version(5)),
        F("req_id", INT),
        F("contract", CONTRACT_REQ),
        F("num_rows", INT),
        F("is_smart_depth", BOOL, since=SV.SMART_DEPTH),
        F("mkt_depth_options", TAG_VALUE_TEXT),
    )

    req_id: int = 0
    contract: Contract = field(default_factory=Contract)
    num_rows: int = 0
    is_smart_depth: bool = False
    mkt_depth_options: list[TagValue] = field(default_factory=list)


@register
@dataclass(slots=True)
class CancelMktDepth(ClientMessage):
    ID = Out.CANCEL_MKT_DEPTH
    LAYOUT = (F("_v", Version(1)), F("req_id", INT), F("is_smart_depth", BOOL, since=SV.SMART_DEPTH))

    req_id: int = 0
    is_smart_depth: bool = False


# --- market depth --------------------------------------------------------------------------------


@register
@dataclass(slots=True)
class MarketDepth(ServerMessage):
    """MARKET_DEPTH (12): one row of a single-venue book. ``operation`` 0 insert, 1 update,
    2 delete; ``side`` 0 ask, 1 bid."""

    ID = In.MARKET_DEPTH
    LAYOUT = (
        F("_v", Version(1)),
        F("req_id", INT),
        F("position", INT),
        F("operation", INT),
        F("side", INT),
        F("price", FLOAT),
        F("size", SIZE),
    )

    req_id: int = 0
    position: int = 0
    operation: int = 0
    side: int = 0
    price: float = 0.0
    size: float | None = None

    def encode_fields(self, sv: int, out: list[str]) -> None:
        try:
            check_ints(self.req_id, self.position, self.operation, self.side)
            out.append(
                f"1\0{self.req_id}\0{self.position}\0{self.operation}\0{self.side}\0"
                f"{price_text(self.price)}\0{size_text(self.size)}"
            )
        except Slow:
            encode_layout(self, self.LAYOUT, sv, out)


@fast_decoder(In.MARKET_DEPTH)
def _decode_market_depth(f: list[bytes], sv: int) -> Message:
    _, version, req_id, position, operation, side, price, size = f
    if version != b"1":
        int(version)
    return MarketDepth(
        INTS.get(req_id) or int(req_id),
        INTS[position],
        INTS[operation],
        INTS[side],
        PRICES.get(price) or parse_price(price),
        fast_size(size),
    )


@register
@dataclass(slots=True)
class MarketDepthL2(ServerMessage):
    """MARKET_DEPTH_L2 (13): one row of a market-maker or SMART book; ``is_smart_depth`` is on the
    wire from SV.SMART_DEPTH."""

    ID = In.MARKET_DEPTH_L2
    LAYOUT = (
        F("_v", Version(1)),
        F("req_id", INT),
        F("position", INT),
        F("market_maker", STR),
        F("operation", INT),
        F("side", INT),
        F("price", FLOAT),
        F("size", SIZE),
        F("is_smart_depth", BOOL, since=SV.SMART_DEPTH),
    )

    req_id: int = 0
    position: int = 0
    market_maker: str = ""
    operation: int = 0
    side: int = 0
    price: float = 0.0
    size: float | None = None
    is_smart_depth: bool = False

    def encode_fields(self, sv: int, out: list[str]) -> None:
        try:
            check_ints(self.req_id, self.position, self.operation, self.side)
            mm = self.market_maker
            if sv < SV.SMART_DEPTH or type(mm) is not str or "\0" in mm:
                raise Slow
            out.append(
                f"1\0{self.req_id}\0{self.position}\0{mm}\0{self.operation}\0{self.side}\0"
                f"{price_text(self.price)}\0{size_text(self.size)}\0{'1' if self.is_smart_depth else '0'}"
            )
        except Slow:
            encode_layout(self, self.LAYOUT, sv, out)


@fast_decoder(In.MARKET_DEPTH_L2)
def _decode_market_depth_l2(f: list[bytes], sv: int) -> Message:
    if sv < SV.SMART_DEPTH:
        raise Slow
    _, version, req_id, position, market_maker, operation, side, price, size, smart = f
    if version != b"1":
        int(version)
    if smart != b"1" and smart != b"0":
        raise Slow
    return MarketDepthL2(
        INTS.get(req_id) or int(req_id),
        INTS[position],
        market_maker.decode(),  # bad UTF-8 raises: the layout replaces it
        INTS[operation],
        INTS[side],
        PRICES.get(price) or parse_price(price),
        fast_size(size),
        smart == b"1",
    )
