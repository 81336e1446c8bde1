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

Where the compiled extension is there (``native.EXTENSION``), a run of at least ``_MIN_RUN``
consecutive one-field steps becomes one call of its ``fill`` (decoding) or ``emit`` (encoding)
over a ``Prog`` built here, which does in C what the Python lines of that run do, value for
value, or raises like them. A list or an optional group takes part too: on encoding its lines
("if v: kind.encode(v, sv, out)" / "else: out.append('0')"), on decoding its empty test and
``kind.decode``, after which the run ends (``fill`` returns the position the list ended at).
``pure_python()`` builds and runs the Python lines instead (tests compare the two).
"""

from __future__ import annotations

import sys
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

__all__ = ["StepCodec", "interpreted", "pure_python"]

M = TypeVar("M")

#: False while ``interpreted()`` is active (benchmarks and tests of the interpreter)
_compiled = [True]
#: False while ``pure_python()`` is active: compiled code without the extension's runs
_runs = [True]
#: the fewest one-field steps worth a ``fill`` / ``emit`` call (below it the Python lines are as fast)
_MIN_RUN = 3


@contextmanager
def interpreted() -> Iterator[None]:
    """Run every ``StepCodec`` through the interpreter inside the block (not thread-safe)."""
    _compiled[0] = False
    try:
        yield
    finally:
        _compiled[0] = True


@contextmanager
def pure_python() -> Iterator[None]:
    """Inside the block, every ``StepCodec`` builds and runs its compiled code without the
    extension's ``fill`` / ``emit`` runs (not thread-safe); the two variants are cached apart."""
    _runs[0] = False
    try:
        yield
    finally:
        _runs[0] = True


def _extension() -> Any:
    """The compiled extension whose ``fill`` / ``emit`` the generated code calls, or ``None``."""
    if not _runs[0]:
        return None
    from ibkr.protocol import native  # not at the top: native imports the messages, which import us

    return native.EXTENSION


EncodeFn = Callable[[Ctx, list[str]], None]
DecodeFn = Callable[[Ctx, Sequence[bytes], int, Reader], int]


class StepCodec:
    """One step list with its compiled encoder and decoder per server version (built lazily)."""

    __slots__ = ("_dec", "_dec_py", "_enc", "_enc_py", "name", "steps")

    def __init__(self, name: str, steps: Sequence[Step]) -> None:
        self.name = name
        self.steps = tuple(steps)
        # with the extension's runs where it is there; and without (inside pure_python())
        self._enc: dict[int, EncodeFn] = {}
        self._dec: dict[tuple[int, int], DecodeFn] = {}
        self._enc_py: dict[int, EncodeFn] = {}
        self._dec_py: dict[tuple[int, int], DecodeFn] = {}

    def encode(self, ctx: Ctx, sv: int, out: list[str]) -> None:
        if _compiled[0]:
            mark = len(out)
            try:
                ((self._enc if _runs[0] else self._enc_py).get(sv) or self.encoder(sv))(ctx, out)
                return
            except Exception:  # noqa: BLE001 - the interpreter below writes it or names the field
                del out[mark:]
        encode_steps(self.steps, ctx, sv, out)

    def decode(self, make: Callable[[], tuple[M, Ctx]], r: Reader, sv: int) -> M:
        """The object ``make`` builds (with the context over its parts), filled from ``r``."""
        start = r.pos
        if _compiled[0]:
            fn = (self._dec if _runs[0] else self._dec_py).get((sv, start)) or self.decoder(sv, start)
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
        fns = self._enc if _runs[0] else self._enc_py
        fn = fns.get(sv)
        if fn is None:
            fn = fns[sv] = _EncodeGen(self.name, sv, _extension()).build(self.steps)
        return fn

    def decoder(self, sv: int, start: int = 1) -> DecodeFn:
        """The compiled decoder at ``sv`` for a message whose fields begin at ``start``: it returns
        the position after the last field, which may lie past the end (a truncated message)."""
        fns = self._dec if _runs[0] else self._dec_py
        fn = fns.get((sv, start))
        if fn is None:
            fn = fns[(sv, start)] = _DecodeGen(self.name, sv, start, _extension()).build(self.steps)
        return fn


# --- shared ----------------------------------------------------------------------------------------


def _present(st: Step, sv: int) -> bool:
    return st.since <= sv < st.until


#: the context objects in the order of the ``objs`` tuple the generated code hands to fill / emit
_OBJS = "mocsx"


class _Gen:
    """Source lines plus the objects they refer to (bound as globals of the generated code);
    ``ext``: the extension whose ``fill`` / ``emit`` take runs of one-field steps, or ``None``."""

    def __init__(self, name: str, sv: int, ext: Any = None) -> None:
        self.name = name
        self.sv = sv
        self.ext = ext
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
        #: the fields not written yet: each an expression (or, for a list, the statements) writing
        #: it, and its ``emit`` entry if it has one
        self.pending: list[tuple[str | tuple[str, ...], tuple[Any, ...] | None]] = []
        self.emit(1, "m, o, c, s, x = ctx.m, ctx.o, ctx.c, ctx.s, ctx.x")
        if self.ext is not None:
            self.emit(1, "objs = (m, o, c, s, x)")
        self.steps(steps, 1)
        self.flush(1)
        fn: EncodeFn = self.make("def _encode(ctx, out):", "_encode")
        return fn

    def flush(self, depth: int) -> None:
        """Write the pending fields: runs of ``_MIN_RUN`` entries or more as one ``emit`` call
        each, the rest as ``out += (expr, ...)`` (and a list's own statements)."""
        exprs: list[str] = []

        def write_exprs() -> None:
            if exprs:
                self.emit(depth, f"out += ({', '.join(exprs)},)")
                exprs.clear()

        i, pending, self.pending = 0, self.pending, []
        while i < len(pending):
            j = i
            while j < len(pending) and pending[j][1] is not None:
                j += 1
            if j - i >= _MIN_RUN:
                write_exprs()
                prog = self.ext.Prog(tuple(entry for _, entry in pending[i:j]))
                self.emit(depth, f"{self.ref(self.ext.emit)}(objs, {self.ref(prog)}, out)")
                i = j
                continue
            for python, _ in pending[i : max(j, i + 1)]:
                if isinstance(python, str):
                    exprs.append(python)
                else:
                    write_exprs()
                    for line in python:
                        self.emit(depth, line)
            i = max(j, i + 1)
        write_exprs()

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
                self.field(st.kind, f"{st.obj}.{st.name}" if st.name else "None", depth, st)

    def entry(self, kind: Kind, st: Fld) -> tuple[Any, ...] | None:
        """``st`` as an ``emit`` entry ``(obj_index, name, code, a, b)`` that writes what ``expr``
        (or ``field``'s statements for a list) writes, if there is one (``a``: the unset text;
        ``b``: the kind's ``to_text``)."""
        ext = self.ext
        if isinstance(kind, Const):
            return (0, None, ext.EMIT_CONST, kind.text, None)
        if not st.name:
            return None
        at = (_OBJS.index(st.obj), sys.intern(st.name))
        if isinstance(kind, ListOf) or kind is TAG_VALUE_TEXT:
            return (*at, ext.EMIT_LIST, "0" if isinstance(kind, ListOf) else "", (kind.encode, self.sv))
        if isinstance(kind, Present):
            return (*at, ext.EMIT_PRESENT, "0", (kind.encode, self.sv))
        if kind is INT:
            return (*at, ext.EMIT_INT, None, kind.to_text)
        if kind is INT_E or kind is INT_R:
            return (*at, ext.EMIT_INT_UNSET, kind.unset_text, kind.to_text)
        if kind is STR:
            return (*at, ext.EMIT_STR, None, kind.to_text)
        if kind is BOOL:
            return (*at, ext.EMIT_BOOL, None, None)
        if kind is OPT_BOOL:
            return (*at, ext.EMIT_OPT_BOOL, None, None)
        if kind is DEC or kind is DEC_LONG_MIN:
            return (*at, ext.EMIT_DEC, kind.unset_text, (Decimal, kind.to_text))
        if isinstance(kind, Num):
            # _num_text's float shortcut, or not
            code = ext.EMIT_CALL if kind.plain or kind.zero_text is not None else ext.EMIT_NUM
            return (*at, code, kind.unset_text, kind.to_text)
        scalar = getattr(kind, "to_text", None)
        if scalar is not None:
            return (*at, ext.EMIT_CALL, None, scalar)
        return None

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

    def field(self, kind: Kind, v: str, depth: int, st: Fld | None = None) -> None:
        """``st``: the step when ``v`` is its attribute (then a candidate for an ``emit`` run)."""
        e = self.expr(kind, v)
        if e is not None:
            entry = self.entry(kind, st) if self.ext is not None and st is not None else None
            self.pending.append((e, entry))
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
                self.pending.extend((s, None) for s in subs if s is not None)
                self.flush(depth)
                return
        k = self.ref(kind)
        if isinstance(kind, ListOf):
            lines = (f"if {v}: {k}.encode({v}, {self.sv}, out)", "else: out.append('0')")
        elif isinstance(kind, Present):
            lines = (f"if {v} is None: out.append('0')", f"else: {k}.encode({v}, {self.sv}, out)")
        elif kind is TAG_VALUE_TEXT:
            lines = (f"if not {v}: out.append('')", f"else: {k}.encode({v}, {self.sv}, out)")
        else:
            self.flush(depth)
            self.emit(depth, f"{k}.encode({v}, {self.sv}, out)")
            return
        entry = self.entry(kind, st) if self.ext is not None and st is not None else None
        self.pending.append((lines, entry))


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

    def __init__(self, name: str, sv: int, start: int, ext: Any = None) -> None:
        super().__init__(name, sv, ext)
        self.start = start
        #: the current run: each step's ``fill`` entry and its Python line ("" for none)
        self.run: list[tuple[tuple[Any, ...], str]] = []
        self.run_at = ""
        self.run_depth = 0
        #: the ``read`` codes of the list entries (a run ends with one)
        self.list_reads = () if ext is None else (ext.FILL_LIST, ext.FILL_PRESENT, ext.FILL_TEXT_LIST)

    def is_list(self, entry: tuple[Any, ...]) -> bool:
        return len(entry) == 4 and entry[3] in self.list_reads

    def build(self, steps: Sequence[Step]) -> DecodeFn:
        self.dyn = False
        self.off = self.start
        self.emit(1, "m, o, c, s, x = ctx.m, ctx.o, ctx.c, ctx.s, ctx.x")
        if self.ext is not None:
            self.emit(1, "objs = (m, o, c, s, x)")
        self.steps(steps, 1)
        if not self.flush("return "):
            self.emit(1, f"return {self.pos()}")
        fn: DecodeFn = self.make("def _decode(ctx, f, i, r):", "_decode")
        return fn

    def pos(self, extra: int = 0) -> str:
        n = self.off + extra
        if not self.dyn:
            return str(n)
        return f"i+{n}" if n else "i"

    def flush(self, lead: str = "") -> bool:
        """Write the current run: one ``fill`` call if it sets ``_MIN_RUN`` attributes or more or
        ends with a list, else its Python lines; true if a ``fill`` call was written behind
        ``lead`` (``"i = "``, ``"return "``: the position after the run; a list is always followed
        by ``i = ``). Every line that is not part of a run comes after a ``flush``."""
        run, self.run = self.run, []
        ends_list = bool(run) and self.is_list(run[-1][0])
        if ends_list or sum(1 for entry, _ in run if entry[1] is not None) >= _MIN_RUN:
            prog = self.ext.Prog(tuple(entry for entry, _ in run))
            call = f"{self.ref(self.ext.fill)}(objs, f, {self.run_at}, {self.ref(prog)}{', r' if ends_list else ''})"
            if ends_list and not lead:
                lead = "i = "
            self.emit(self.run_depth, lead + call)
            if lead == "i = ":
                self.dyn, self.off = True, 0
            return bool(lead)
        for _, line in run:
            if line:
                self.emit(self.run_depth, line)
        return False

    def run_entry(self, st: Fld) -> tuple[Any, ...] | None:
        """``st`` as a ``fill`` entry ``(obj_index, name, conv[, read])`` reading what ``expr``
        reads, if it is one: ``conv`` None decodes the text, else is its table (a ``from_raw`` of a
        kind without one behind a table that only ever misses); ``read``: the C reader of the int
        and flag texts whose table values it gives itself. A ``Const`` is skipped unread (name
        None)."""
        kind = st.kind
        if isinstance(kind, Version):
            return None
        if isinstance(kind, Const):
            return (0, None, None)
        if not st.name:
            return None
        at = (_OBJS.index(st.obj), sys.intern(st.name))
        ext = self.ext
        if isinstance(kind, ListOf | Present) or kind is TAG_VALUE_TEXT:
            read = ext.FILL_LIST if isinstance(kind, ListOf) else ext.FILL_PRESENT
            return (*at, (kind.decode, self.sv), ext.FILL_TEXT_LIST if kind is TAG_VALUE_TEXT else read)
        if kind is STR:
            return (*at, None)
        conv = _table(kind)
        if conv is None:  # (an empty table is falsy)
            conv = _call_table(kind)
            if conv is None:
                return None
        if kind is INT or kind is INT_E or kind is INT_R:
            return (*at, conv, ext.FILL_INT)
        if kind is BOOL:
            return (*at, conv, ext.FILL_BOOL)
        if kind is OPT_BOOL:
            return (*at, conv, ext.FILL_OPT_BOOL)
        return (*at, conv)

    def sync(self, depth: int) -> None:
        """Make ``i`` the current position."""
        if self.flush("i = "):
            return
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
        entry = self.run_entry(st) if self.ext is not None else None
        if entry is not None:
            if not self.run:
                self.run_at, self.run_depth = self.pos(), depth
            if self.is_list(entry):  # the run ends here, at a position only fill knows
                self.run.append((entry, ""))
                self.flush("i = ")
            elif isinstance(kind, Const):
                self.off += 1
                self.run.append((entry, ""))
            else:
                self.run.append((entry, f"{target} = {self.expr(kind)}"))
            return
        self.flush()
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
#: kind -> a table that only ever misses, i.e. calls its ``from_raw`` (kinds without a table)
_CALLS: dict[int, _Table] = {}


def _call_table(kind: Kind) -> _Table | None:
    """``kind.from_raw`` as a mapping for ``fill`` (``table[raw]`` is ``from_raw(raw)``)."""
    table = _CALLS.get(id(kind))
    if table is None:
        from_raw = getattr(kind, "from_raw", None)
        if from_raw is None:
            return None
        table = _CALLS[id(kind)] = _Table(from_raw, False, {})
    return table
