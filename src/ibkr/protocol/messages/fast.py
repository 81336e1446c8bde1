"""Hot-path helpers of the fast decoders and encoders (market data, depth, executions).

The fast decoders raise ``Slow`` (or let int()/float() raise) for anything they do not take
verbatim; ``message.decode_payload`` then runs the generic decoder, which either accepts the
unusual form or raises the precise DecodeError. Sizes outside (-2**31+1, 2**31-1) go the slow way
too: that range excludes NaN, infinities and every unset sentinel (2147483647,
9223372036854775807, ...).
"""

from __future__ import annotations

from decimal import Decimal

from ibkr.protocol.fields import UNSET_NUMERIC

__all__ = [
    "Slow",
    "INTS",
    "SIZES",
    "NOT_CACHED",
    "SIZE_LIMIT",
    "fast_size",
    "PRICES",
    "parse_price",
    "fast_qty",
    "size_text",
    "price_text",
    "check_ints",
]

SIZE_LIMIT = 2147483647.0
#: b"-1" .. b"4095" -> int / float: a dict lookup is ~4x cheaper than int() or float() on bytes,
#: and tick types, masks, depth rows, most request ids and most sizes are in this range. A key
#: is the canonical text only, so a lookup gives exactly what int() / float() would.
INTS: dict[bytes, int] = {str(i).encode(): i for i in range(-1, 4096)}
#: the same for sizes, plus every unset form (read as None, as SIZE does)
SIZES: dict[bytes, float | None] = {**{raw: float(i) for raw, i in INTS.items()}, **dict.fromkeys(UNSET_NUMERIC)}
NOT_CACHED = object()


class Slow(Exception):
    """Internal: this value is not for the shortcut; use the layout."""


def fast_size(raw: bytes) -> float | None:
    value = SIZES.get(raw, NOT_CACHED)
    if value is NOT_CACHED:
        value = float(raw)
        if not -SIZE_LIMIT < value < SIZE_LIMIT:
            raise Slow
    return value  # type: ignore[return-value]


#: raw price text -> float. Prices repeat (a book or tape moves around a few hundred ticks), and
#: a dict hit is ~5x cheaper than float() on bytes. The cache maps a text to exactly what float()
#: gives for it, so a hit is never wrong; it is dropped whole when full (the prices in play refill
#: it). Decoders write ``PRICES.get(raw) or parse_price(raw)`` (0.0 is simply never a hit).
PRICES: dict[bytes, float] = {}
_PRICES_MAX = 1 << 14


def parse_price(raw: bytes) -> float:
    """``float(raw)`` (what ``FLOAT`` reads for a non-empty text), remembered in ``PRICES``."""
    value = float(raw)
    if len(PRICES) >= _PRICES_MAX:
        PRICES.clear()
    PRICES[raw] = value
    return value


#: quantities repeat (0, 100, the order size): parsed ones are shared (Decimal is immutable)
_QTY_CACHE: dict[bytes, Decimal] = {}


def fast_qty(raw: bytes) -> Decimal | None:
    """What ``DEC`` reads from ``raw`` (ORDER_STATUS, EXECUTION_DATA), from a bounded cache."""
    d = _QTY_CACHE.get(raw)
    if d is not None:
        return d
    if raw in UNSET_NUMERIC:
        return None
    d = Decimal(raw.decode("ascii"))
    if not d.is_finite():
        raise ValueError(raw)
    if len(_QTY_CACHE) < 4096:
        _QTY_CACHE[raw] = d
    return d


def size_text(value: float | None) -> str:
    """SIZE's text for a plain float (``100``, ``0.5``), ``""`` for None; else ``Slow``."""
    if value is None:
        return ""
    if type(value) is not float or value - value != 0.0:
        raise Slow
    return str(int(value)) if value.is_integer() else repr(value)


def price_text(value: float) -> str:
    if type(value) is not float or value - value != 0.0:
        raise Slow
    return repr(value)


def check_ints(*values: object) -> None:
    for v in values:
        if type(v) is not int:
            raise Slow
