"""Order step lists compiled to straight-line Python, once per server version (``StepCodec``).

``order_wire.encode_steps`` / ``decode_steps`` walk a step list field by field: a version test,
an ``isinstance``, two ``getattr``, a kind method and a ``try`` per field, ~0.5-1 us each, and
OPEN_ORDER has ~170 fields. ``StepCodec`` generates, on first use at a server version, one
function per direction with the version gates resolved, the field positions counted, every
attribute a direct ``o.lmt_price`` and the common kinds inlined (what ``dataclasses`` does for
``__init__``). ``When`` groups stay ``if test(ctx):`` blocks.

The compiled functions only ever produce what the interpreter produces: anything they do not take
verbatim (an odd value, a bad type, invalid UTF-8, a short message) raises, and ``StepCodec`` then
runs the interpreter from the same start, which gives the result or raises the precise
``DecodeError`` / ``EncodeError`` naming the field. Decoded scalars come from per-kind tables
(``_Table``): a hit is the value the kind's ``from_raw`` gave for that text, a miss calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TypeVar

from ibkr.protocol.fields import (
    BOOL,
    DEC,
    DEC_LONG_MIN,
    INT,
    INT_E,
    INT_R,
    STR,
    UNSET_NUMERIC,
    Const,
    Group,
    Kind,
    ListOf,
    Num,
    Reader,
    Version,
)
from ibkr.protocol.messages.fast import INTS
from ibkr.protocol.messages.order_wire import OPT_BOOL, Ctx, Fld, Present, Step, When, decode_steps, encode_steps
from ibkr.protocol.models import TAG_VALUE_TEXT

__all__ = ["StepCodec", "interpreted"]

M = TypeVar("M")

#: False while ``interpreted()`` is active (benchmarks and tests of the interpreter)
_compiled = [True]


@contextmanager
def interpreted() -> Iterator[None]:
    """Run every ``StepCodec`` through the interpreter inside the block (not thread-safe)."""
    _compiled[0] = False
    try:
        yield
    finally:
        _compiled[0] = True


EncodeFn = Callable[[Ctx, list[str]], None]
DecodeFn = Callable[[Ctx, Sequence[bytes], int, Reader], int]


class StepCodec:
    """One step list with its compiled encoder and decoder per server version (built lazily)."""

    __slots__ = ("_dec", "_enc", "name", "steps")

    def __init__(self, name: str, steps: Sequence[Step]) -> None:
        self.name = name
        self.steps = tuple(steps)
        self._enc: dict[int, EncodeFn] = {}
        self._dec: dict[tuple[int, int], DecodeFn] = {}

    def encode(self, ctx: Ctx, sv: int, out: list[str]) -> None:
        if _compiled[0]:
            mark = len(out)
            try:
                (self._enc.get(sv) or self.encoder(sv))(ctx, out)
                return
            except Exception:  # noqa: BLE001 - the interpreter below writes it or names the field
                del out[mark:]
        encode_steps(self.steps, ctx, sv, out)

    def decode(self, make: Callable[[], tuple[M, Ctx]], r: Reader, sv: int) -> M:
        """The object ``make`` builds (with the context over its parts), filled from ``r``."""
        start = r.pos
        if _compiled[0]:
            fn = self._dec.get((sv, start)) or self.decoder(sv, start)
            msg, ctx = make()
            try:
                end = fn(ctx, r.fields, start, r)
            except Exception:  # noqa: BLE001 - the interpreter below names the field
                pass
            else:
                if end <= len(r.fields):
                    r.pos = end
                    return msg
            r.pos = start
        msg, ctx = make()
        decode_steps(self.steps, ctx, r, sv)
        return msg

    def encoder(self, sv: int) -> EncodeFn:
        """The compiled encoder at ``sv`` (raises on anything it does not write verbatim)."""
        fn = self._enc.get(sv)
        if fn is None:
            fn = self._enc[sv] = _EncodeGen(self.name, sv).build(self.steps)
        return fn

    def decoder(self, sv: int, start: int = 1) -> DecodeFn:
        """The compiled decoder at ``sv`` for a message whose fields begin at ``start``: it returns
        the position after the last field, which may lie past the end (a truncated message)."""
        fn = self._dec.get((sv, start))
        if fn is None:
            fn = self._dec[(sv, start)] = _DecodeGen(self.name, sv, start).build(self.steps)
        return fn


# --- shared ----------------------------------------------------------------------------------------


def _present(st: Step, sv: int) -> bool:
    return st.since <= sv < st.until


class _Gen:
    """Source lines plus the objects they refer to (bound as globals of the generated code)."""

    def __init__(self, name: str, sv: int) -> None:
        self.name = name
        self.sv = sv
        self.lines: list[str] = []
        self.ns: dict[str, Any] = {}
        self._ids: dict[int, str] = {}

    def ref(self, value: Any) -> str:
        """A global name for ``value`` (one per object)."""
        name = self._ids.get(id(value))
        if name is None:
            name = self._ids[id(value)] = f"_k{len(self._ids)}"
            self.ns[name] = value
        return name

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def make(self, head: str, fn_name: str) -> Any:
        src = "\n".join([head, *self.lines]) + "\n"
        code = compile(src, f"<{self.name} sv{self.sv} {fn_name}>", "exec")
        exec(code, self.ns)
        return self.ns[fn_name]


# --- encoder ---------------------------------------------------------------------------------------


def _num_text(kind: Num) -> Callable[[Any], str]:
    """``kind.to_text`` with a shortcut for a plain finite float (``repr`` is what it writes)."""
    to_text = kind.to_text
    if kind.plain or kind.zero_text is not None:
        return to_text

    def text(value: Any) -> str:
        if value.__class__ is float and value - value == 0.0:
            return repr(value)
        return to_text(value)

    return text


class _EncodeGen(_Gen):
    def build(self, steps: Sequence[Step]) -> EncodeFn:
        self.pending: list[str] = []
        self.emit(1, "m, o, c, s, x = ctx.m, ctx.o, ctx.c, ctx.s, ctx.x")
        self.steps(steps, 1)
        self.flush(1)
        fn: EncodeFn = self.make("def _encode(ctx, out):", "_encode")
        return fn

    def flush(self, depth: int) -> None:
        if self.pending:
            self.emit(depth, f"out += ({', '.join(self.pending)},)")
            self.pending = []

    def steps(self, steps: Sequence[Step], depth: int) -> None:
        for st in steps:
            if not _present(st, self.sv):
                continue
            if isinstance(st, When):
                self.flush(depth)
                self.emit(depth, f"if {self.ref(st.test)}(ctx):")
                mark = len(self.lines)
                self.steps(st.steps, depth + 1)
                self.flush(depth + 1)
                if len(self.lines) == mark:
                    self.emit(depth + 1, "pass")
            else:
                self.field(st.kind, f"{st.obj}.{st.name}" if st.name else "None", depth)

    def expr(self, kind: Kind, v: str) -> str | None:
        """One expression writing ``v`` (the text of an attribute read) as ``kind``, if it has one."""
        if isinstance(kind, Const):
            return repr(kind.text)
        if kind is INT:
            return f"(str({v}) if {v}.__class__ is int else {self.ref(kind.to_text)}({v}))"
        if kind is INT_E or kind is INT_R:
            unset = repr(kind.unset_text)
            to_text = self.ref(kind.to_text)
            return f"({unset} if {v} is None else str({v}) if {v}.__class__ is int else {to_text}({v}))"
        if kind is STR:
            return f"({v} if {v}.__class__ is str and '\\0' not in {v} else {self.ref(kind.to_text)}({v}))"
        if kind is BOOL:
            return f"('1' if {v} else '0')"
        if kind is OPT_BOOL:
            return f"('' if {v} is None else '1' if {v} else '0')"
        if kind is DEC or kind is DEC_LONG_MIN:
            unset = repr(kind.unset_text)
            dec, to_text = self.ref(Decimal), self.ref(kind.to_text)
            return f"({unset} if {v} is None else str({v}) if {v}.__class__ is {dec} else {to_text}({v}))"
        if isinstance(kind, Num):
            text = self.ref(_num_text(kind))
            if kind.unset_text is None:
                return f"{text}({v})"
            return f"({kind.unset_text!r} if {v} is None else {text}({v}))"
        scalar = getattr(kind, "to_text", None)
        if scalar is not None:  # any other one-field kind
            return f"{self.ref(scalar)}({v})"
        return None

    def field(self, kind: Kind, v: str, depth: int) -> None:
        e = self.expr(kind, v)
        if e is not None:
            self.pending.append(e)
            return
        if isinstance(kind, Group):
            subs = [
                self.expr(f.kind, "None" if f.name[0] == "_" else f"g.{f.name}")
                for f in kind.layout
                if f.present(self.sv)
            ]
            if all(s is not None for s in subs):
                self.flush(depth)
                self.emit(depth, f"g = {v}")
                self.pending.extend(s for s in subs if s is not None)
                self.flush(depth)
                return
        self.flush(depth)
        k = self.ref(kind)
        if isinstance(kind, ListOf):
            self.emit(depth, f"if {v}: {k}.encode({v}, {self.sv}, out)")
            self.emit(depth, "else: out.append('0')")
        elif isinstance(kind, Present):
            self.emit(depth, f"if {v} is None: out.append('0')")
            self.emit(depth, f"else: {k}.encode({v}, {self.sv}, out)")
        elif kind is TAG_VALUE_TEXT:
            self.emit(depth, f"if not {v}: out.append('')")
            self.emit(depth, f"else: {k}.encode({v}, {self.sv}, out)")
        else:
            self.emit(depth, f"{k}.encode({v}, {self.sv}, out)")


# --- decoder ---------------------------------------------------------------------------------------


class _Table(dict[bytes, Any]):
    """Raw text -> what a kind reads from it; a miss converts (and remembers, if ``keep``)."""

    __slots__ = ("conv", "keep")

    _MAX = 4096

    def __init__(self, conv: Callable[[bytes], Any], keep: bool, known: dict[bytes, Any]) -> None:
        super().__init__(known)
        self.conv = conv
        self.keep = keep

    def __missing__(self, raw: bytes) -> Any:
        value = self.conv(raw)
        if self.keep:
            if len(self) >= self._MAX:
                self.clear()
            self[raw] = value
        return value


_BOOLS = {b"0": False, b"1": True, b"": False}
_UNSET = dict.fromkeys(UNSET_NUMERIC)
#: kind -> its table; shared by every codec (a price text reads the same in every message)
_TABLES: dict[int, _Table] = {}


def _opt_bool(raw: bytes) -> bool | None:
    return None if not raw else bool(int(raw))  # what OPT_BOOL reads


def _table(kind: Kind) -> _Table | None:
    table = _TABLES.get(id(kind))
    if table is not None:
        return table
    if kind is INT:
        table = _Table(INT.from_raw, False, {**INTS, b"": 0})
    elif kind is INT_E or kind is INT_R:
        table = _Table(kind.from_raw, False, {**INTS, **_UNSET})
    elif kind is BOOL:
        table = _Table(BOOL.from_raw, False, _BOOLS)
    elif kind is OPT_BOOL:
        table = _Table(_opt_bool, False, {b"": None, b"0": False, b"1": True})
    elif kind is DEC or kind is DEC_LONG_MIN or isinstance(kind, Num):
        # immutable results (Decimal, float, WireFloat), and the same texts come again and again
        table = _Table(kind.from_raw, True, {})
    else:
        return None
    _TABLES[id(kind)] = table
    return table


class _DecodeGen(_Gen):
    """Positions are static (``f[7]``) up to the first group of variable length, then relative to
    ``i`` (``f[i+3]``), ``i`` being re-synchronised after each ``When`` and each list."""

    def __init__(self, name: str, sv: int, start: int) -> None:
        super().__init__(name, sv)
        self.start = start

    def build(self, steps: Sequence[Step]) -> DecodeFn:
        self.dyn = False
        self.off = self.start
        self.emit(1, "m, o, c, s, x = ctx.m, ctx.o, ctx.c, ctx.s, ctx.x")
        self.steps(steps, 1)
        self.emit(1, f"return {self.pos()}")
        fn: DecodeFn = self.make("def _decode(ctx, f, i, r):", "_decode")
        return fn

    def pos(self, extra: int = 0) -> str:
        n = self.off + extra
        if not self.dyn:
            return str(n)
        return f"i+{n}" if n else "i"

    def sync(self, depth: int) -> None:
        """Make ``i`` the current position."""
        if not self.dyn or self.off:
            self.emit(depth, f"i = {self.pos()}")
        self.dyn, self.off = True, 0

    def steps(self, steps: Sequence[Step], depth: int) -> None:
        for st in steps:
            if not _present(st, self.sv):
                continue
            if isinstance(st, When):
                self.sync(depth)
                self.emit(depth, f"if {self.ref(st.test)}(ctx):")
                mark = len(self.lines)
                self.steps(st.steps, depth + 1)
                self.sync(depth + 1)
                if len(self.lines) == mark:
                    self.emit(depth + 1, "pass")
            else:
                self.field(st, depth)

    def expr(self, kind: Kind) -> str | None:
        """The value of the field at the current position as ``kind`` (consumed), if one field."""
        raw = f"f[{self.pos()}]"
        if kind is STR:
            e = f"{raw}.decode()"
        else:
            table = _table(kind)
            if table is not None:
                e = f"{self.ref(table)}[{raw}]"
            else:
                from_raw = getattr(kind, "from_raw", None)
                if from_raw is None:
                    return None
                e = f"{self.ref(from_raw)}({raw})"
        self.off += 1
        return e

    def field(self, st: Fld, depth: int) -> None:
        kind = st.kind
        target = f"{st.obj}.{st.name}" if st.name else ""
        if isinstance(kind, Version):
            self.emit(depth, f"int(f[{self.pos()}])")
            self.off += 1
            return
        if isinstance(kind, Const):
            self.off += 1  # skipped; the final position catches a message that ends here
            return
        e = self.expr(kind)
        if e is None and isinstance(kind, Group):
            e = self.group(kind)
        if e is not None:
            self.emit(depth, f"{target} = {e}" if target else e)
            return
        k, name = self.ref(kind), repr(st.name or "<placeholder>")
        if isinstance(kind, ListOf | Present):
            empty = "[]" if isinstance(kind, ListOf) else "None"
            self.emit(depth, f"if f[{self.pos()}] in {self.ref(_EMPTY)}:")
            self.emit(depth + 1, f"{target or '_'} = {empty}")
            self.emit(depth + 1, f"i = {self.pos(1)}")
            self.emit(depth, "else:")
            depth += 1
        self.emit(depth, f"r.pos = {self.pos()}")
        self.emit(depth, f"{target or '_'} = {k}.decode(r, {name}, {self.sv})")
        self.emit(depth, "i = r.pos")
        self.dyn, self.off = True, 0

    def group(self, kind: Group) -> str | None:
        """A group of one-field kinds as one constructor call (consumes its fields)."""
        saved = self.off
        args = []
        for f in kind.layout:
            if not f.present(self.sv):
                continue
            if isinstance(f.kind, Const):
                self.off += 1
                continue
            e = self.expr(f.kind) if not isinstance(f.kind, Version) else None
            if e is None:
                self.off = saved
                return None
            if f.name[0] != "_":
                args.append(f"{f.name}={e}")
        return f"{self.ref(kind.cls)}({', '.join(args)})"


#: count / flag texts of an empty list or an absent group (``int(raw) if raw else 0`` is 0)
_EMPTY = frozenset({b"0", b""})
