"""Wire building blocks shared by the order messages (PLACE_ORDER, OPEN_ORDER, COMPLETED_ORDER...).

* Field kinds the core kinds do not cover: ``Num`` (a float written exactly as TWS writes it, text
  kept through ``WireFloat``), ``DecU`` (a quantity whose unset form is a sentinel), ``OPT_BOOL``,
  ``MISC_OPTIONS`` (a ``tag=value;`` string), ``Present`` (a 0/1 flag plus a group) and
  ``CONDITIONS`` (the polymorphic order-condition list of tws-protocol.md 4.5).
* Steps: the order messages spread their fields over several objects (message, contract, order,
  order state) and gate groups on values read earlier (``secType == BAG``, a non-empty
  ``deltaNeutralOrderType``...). A layout is a tuple of ``Fld`` (object + attribute + kind,
  version-gated) and ``When`` (a group written and read only if a predicate over the objects holds).
  ``encode_steps`` and ``decode_steps`` run one description in both directions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ibkr.errors import DecodeError, EncodeError
from ibkr.protocol.fields import (
    BOOL,
    INT,
    STR,
    UNSET_LONG,
    Const,
    F,
    Kind,
    ListOf,
    Reader,
    decode_layout,
    encode_layout,
    format_float,
)
from ibkr.protocol.models import TagValue
from ibkr.protocol.order_models import CONDITION_TYPES, OrderCondition, WireFloat

__all__ = [
    "Num",
    "NUM",
    "NUM_E",
    "NUM_R",
    "NUM_SHOW",
    "DecU",
    "DEC_LONG_MIN",
    "OPT_BOOL",
    "MISC_OPTIONS",
    "Present",
    "CONDITIONS",
    "Fld",
    "When",
    "Step",
    "encode_steps",
    "decode_steps",
    "Ctx",
    "on",
    "placeholder",
]

_UNSET_FLOAT_TEXT = frozenset(
    {
        "",
        "2147483647",
        "9223372036854775807",
        "-9223372036854775808",
        "1.7976931348623157E308",
        "1.7976931348623157e+308",
        "1.7976931348623157e308",
    }
)
_INFINITE_TEXT = frozenset({"Infinity", "Infinite", "inf"})
_UNSET_DEC = frozenset(t.encode() for t in _UNSET_FLOAT_TEXT)


class Num(Kind):
    """A float (price, amount, percentage) written as TWS writes it.

    ``unset_text`` is what ``None`` becomes on the wire; ``None`` for a required field (then
    every unset form reads as the sentinel value, as the official decoder does). ``zero_text``
    overrides how 0 is written (TWS writes ``0`` in ORDER_STATUS). On reading, a text that we would
    write differently comes back as a ``WireFloat`` keeping that text, so re-encoding is exact.
    """

    __slots__ = ("unset_text", "zero_text")

    def __init__(self, unset_text: str | None, zero_text: str | None = None) -> None:
        self.unset_text = unset_text
        self.zero_text = zero_text

    def to_text(self, value: Any) -> str:
        if value is None:
            if self.unset_text is None:
                raise TypeError("a required number is None")
            return self.unset_text
        if isinstance(value, WireFloat):
            return value.text
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise TypeError(f"expected a number, got {type(value).__name__}")
        if isinstance(value, int):
            return str(value)
        if value == 0 and self.zero_text is not None:
            return self.zero_text
        return format_float(float(value))

    def from_text(self, text: str) -> float | None:
        if self.unset_text is not None and (text in _UNSET_FLOAT_TEXT or text == self.unset_text):
            return None
        if not text:
            value = 0.0
        elif text in _INFINITE_TEXT:
            value = math.inf
        else:
            value = float(text)
            if value != value:
                raise ValueError("NaN")
        if self.to_text(value) != text:
            return WireFloat(value, text)
        return value

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        out.append(self.to_text(value))

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        return r.convert(name, lambda raw: self.from_text(raw.decode("ascii")))


#: required float, "" reads as 0.0
NUM = Num(None)
#: optional float written "" when unset (the official client's handle-empty fields)
NUM_E = Num("")
#: optional float written as Python's sentinel (the official client's plain double fields)
NUM_R = Num("1.7976931348623157e+308")
#: optional float written as TWS's (Java's) sentinel
NUM_SHOW = Num("1.7976931348623157E308")


class DecU(Kind):
    """A quantity whose unset value is written as a sentinel (TWS writes Long.MIN_VALUE)."""

    __slots__ = ("unset_text",)

    def __init__(self, unset_text: str) -> None:
        self.unset_text = unset_text

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        if value is None:
            out.append(self.unset_text)
        elif isinstance(value, Decimal | int) and not isinstance(value, bool):
            out.append(str(value))
        else:
            raise TypeError(f"expected Decimal, got {type(value).__name__}")

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        def conv(raw: bytes) -> Decimal | None:
            if raw in _UNSET_DEC:
                return None
            d = Decimal(raw.decode("ascii"))
            if not d.is_finite():
                raise ValueError("not a finite quantity")
            return d

        return r.convert(name, conv)


DEC_LONG_MIN = DecU(str(-UNSET_LONG - 1))


class _OptBool(Kind):
    """``None`` (TWS default) as ``""``, else ``1``/``0`` (usePriceMgmtAlgo, routeMarketableToBbo)."""

    __slots__ = ()

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        out.append("" if value is None else "1" if value else "0")

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        return r.convert(name, lambda raw: None if not raw else bool(int(raw)))


OPT_BOOL = _OptBool()


class _MiscOptions(Kind):
    """orderMiscOptions: one string field ``tag=value;tag=value;``."""

    __slots__ = ()

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        text = "".join(f"{tv.tag}={tv.value};" for tv in value or ())
        STR.encode(text, sv, out)

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        text = r.next(name).decode("utf-8", "replace")
        parts = text.split(";")
        if parts[-1] == "":
            parts.pop()
        return [TagValue(*part.partition("=")[::2]) for part in parts]


MISC_OPTIONS = _MiscOptions()


class Present(Kind):
    """An optional group behind a 0/1 flag (the delta-neutral contract): ``None`` is ``0``."""

    __slots__ = ("cls", "layout")

    def __init__(self, cls: Callable[..., Any], layout: Sequence[F]) -> None:
        self.cls = cls
        self.layout = tuple(layout)

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        if value is None:
            out.append("0")
        else:
            out.append("1")
            encode_layout(value, self.layout, sv, out)

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        if not BOOL.decode(r, name, sv):
            return None
        return self.cls(**decode_layout(r, self.layout, sv))


_CONDITION_LAYOUTS: dict[int, tuple[F, ...]] = {
    1: (F("is_more", BOOL), F("price", NUM), F("con_id", INT), F("exchange", STR), F("trigger_method", INT)),
    3: (F("is_more", BOOL), F("time", STR)),
    4: (F("is_more", BOOL), F("percent", NUM)),
    5: (F("sec_type", STR), F("exchange", STR), F("symbol", STR)),
    6: (F("is_more", BOOL), F("volume", INT), F("con_id", INT), F("exchange", STR)),
    7: (F("is_more", BOOL), F("change_percent", NUM_E), F("con_id", INT), F("exchange", STR)),
}


class _Condition(Kind):
    """One order condition: type, conjunction (``a`` and / ``o`` or), then its fields."""

    __slots__ = ()

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        if not isinstance(value, OrderCondition) or value.TYPE not in _CONDITION_LAYOUTS:
            raise TypeError(f"not an order condition: {value!r}")
        out.append(str(value.TYPE))
        out.append("a" if value.is_conjunction_connection else "o")
        encode_layout(value, _CONDITION_LAYOUTS[value.TYPE], sv, out)

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        kind = r.convert(f"{name}.type", int)
        cls = CONDITION_TYPES.get(kind)
        if cls is None:
            raise r.error(f"unknown order condition type {kind}", f"{name}.type")
        conj = r.next(f"{name}.conjunction")
        if conj not in (b"a", b"o"):
            raise r.error(f"condition conjunction {conj!r} is neither 'a' nor 'o'", f"{name}.conjunction", conj)
        try:
            values = decode_layout(r, _CONDITION_LAYOUTS[kind], sv)
        except DecodeError as exc:
            exc.field = f"{name}.{exc.field}"
            raise
        return cls(is_conjunction_connection=conj == b"a", **values)


CONDITIONS = ListOf(_Condition())


# --- steps ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fld:
    """Attribute ``name`` of the object ``obj`` (an attribute of the step context: ``m`` message,
    ``o`` order, ``c`` contract, ``s`` order state, ``x`` execution...) for ``since <= sv < until``.
    An empty name is a wire-only field (a placeholder kind such as ``Const``)."""

    obj: str
    name: str
    kind: Kind
    since: int = 0
    until: int = 1 << 30


@dataclass(frozen=True, slots=True)
class When:
    """``steps`` exist only if ``test(ctx)`` holds (evaluated on values already read or written)."""

    test: Callable[[Any], bool]
    steps: tuple[Step, ...]
    since: int = 0
    until: int = 1 << 30


Step = Fld | When


def encode_steps(steps: Sequence[Step], ctx: Any, sv: int, out: list[str]) -> None:
    for st in steps:
        if not st.since <= sv < st.until:
            continue
        if isinstance(st, When):
            if st.test(ctx):
                encode_steps(st.steps, ctx, sv, out)
            continue
        value = getattr(getattr(ctx, st.obj), st.name) if st.name else None
        try:
            st.kind.encode(value, sv, out)
        except EncodeError as exc:
            exc.field = f"{st.name}.{exc.field}" if exc.field else st.name
            raise
        except (TypeError, ValueError, AttributeError) as exc:
            raise EncodeError(f"field {st.name!r}: {exc}", field=st.name) from None


def decode_steps(steps: Sequence[Step], ctx: Any, r: Reader, sv: int) -> None:
    for st in steps:
        if not st.since <= sv < st.until:
            continue
        if isinstance(st, When):
            if st.test(ctx):
                decode_steps(st.steps, ctx, r, sv)
            continue
        value = st.kind.decode(r, st.name or "<placeholder>", sv)
        if st.name:
            setattr(getattr(ctx, st.obj), st.name, value)


@dataclass(slots=True)
class Ctx:
    """The objects one order message spreads its fields over (see ``Fld.obj``)."""

    m: Any = None
    o: Any = None
    c: Any = None
    s: Any = None
    x: Any = None


def on(obj: str) -> Callable[..., Fld]:
    """A ``Fld`` factory for one object: ``O = on("o"); O("lmt_price", NUM_E)``."""

    def make(name: str, kind: Kind, since: int = 0, until: int = 1 << 30) -> Fld:
        return Fld(obj, name, kind, since, until)

    return make


def placeholder(text: str, since: int = 0, until: int = 1 << 30) -> Fld:
    """A deprecated field written as the literal ``text`` and skipped on reading."""
    return Fld("", "", Const(text), since, until)
