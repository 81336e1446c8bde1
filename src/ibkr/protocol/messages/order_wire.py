"""Wire building blocks shared by the order messages (PLACE_ORDER, OPEN_ORDER, COMPLETED_ORDER...).

* Field kinds only the order messages use: ``OPT_BOOL``, ``Present`` (a 0/1 flag plus a group)
  and ``CONDITIONS`` (the polymorphic order-condition list of tws-protocol.md 4.5). The numeric
  kinds they share with other messages (``NUM*``, ``DEC_LONG_MIN``) live in ``fields.py``.
* Steps: the order messages spread their fields over several objects (message, contract, order,
  order state) and gate groups on values read earlier (``secType == BAG``, a non-empty
  ``deltaNeutralOrderType``...). A layout is a tuple of ``Fld`` (object + attribute + kind,
  version-gated) and ``When`` (a group written and read only if a predicate over the objects holds).
  ``encode_steps`` and ``decode_steps`` run one description in both directions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ibkr.errors import DecodeError, EncodeError
from ibkr.protocol.fields import (
    BOOL,
    INT,
    NUM,
    NUM_E,
    STR,
    Const,
    F,
    Kind,
    ListOf,
    Reader,
    decode_layout,
    encode_layout,
)
from ibkr.protocol.order_models import CONDITION_TYPES, OrderCondition

__all__ = [
    "OPT_BOOL",
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


class _OptBool(Kind):
    """``None`` (TWS default) as ``""``, else ``1``/``0`` (usePriceMgmtAlgo, routeMarketableToBbo)."""

    __slots__ = ()

    def encode(self, value: Any, sv: int, out: list[str]) -> None:
        out.append("" if value is None else "1" if value else "0")

    def decode(self, r: Reader, name: str, sv: int) -> Any:
        return r.convert(name, lambda raw: None if not raw else bool(int(raw)))


OPT_BOOL = _OptBool()


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
