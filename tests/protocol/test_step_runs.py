"""The step codecs with the extension's runs (``_native.fill`` / ``emit``) against the same step
lists compiled to pure Python (``step_compiler.pure_python()``) and against the step interpreter.

* one field at a time: every one-field kind, written from edge values (None, bool for int, int
  subclasses, huge ints, NaN / inf / -0.0, Decimal and float quantities, non-ASCII text, text with
  NUL, wrong types) and read from odd texts (unset sentinels, 10-digit ints, leading zeros, signs,
  invalid UTF-8): the C entry gives what the Python expression gives (type, repr, float bits), or
  both raise the same exception;
* whole messages (PLACE_ORDER, OPEN_ORDER, COMPLETED_ORDER, EXECUTION_DATA) at several server
  versions: random valid ones, the same with random attributes set to edge values, and their
  payloads mutated (fields substituted, inserted, dropped, cut short). The compiled functions
  alone (no fallback) give the same texts / objects and stop at the same field, or both raise
  the same exception; the full path (``encode_payload`` / ``decode_fields_of``) gives the same
  bytes / objects / ``EncodeError`` / ``DecodeError`` in all three variants;
* the ``Prog`` attribute cache follows a class that changes under it and an object of another type.

With ``IBKR_PURE_PYTHON=1`` (or without the extension) only the tests of ``pure_python()`` run.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ibkr.errors import DecodeError, EncodeError
from ibkr.protocol import native
from ibkr.protocol.fields import (
    BOOL,
    DEC,
    DEC_LONG_MIN,
    FLOAT_E,
    INT,
    INT_E,
    INT_R,
    NUM,
    NUM_E,
    NUM_R,
    NUM_SHOW,
    NUM_TWS,
    NUM_TWS_E,
    SIZE,
    STR,
    STR_ESC,
    Const,
    Kind,
    Num,
    Reader,
    WireFloat,
)
from ibkr.protocol.message import Message, decode_fields_of, encode_payload, split_payload
from ibkr.protocol.messages import step_compiler
from ibkr.protocol.messages.executions import ExecutionData
from ibkr.protocol.messages.open_order import CompletedOrder, OpenOrder
from ibkr.protocol.messages.order_wire import OPT_BOOL, Fld
from ibkr.protocol.messages.orders import PlaceOrder
from ibkr.protocol.order_models import Execution, Order
from tests.protocol.mutate import mutate
from tests.protocol.refused import within
from tests.protocol.samples_orders import SAMPLES
from tests.protocol.test_step_compiler import contracts, ctx_of, ints, messages, some_of

needs_native = pytest.mark.skipif(not native.ENABLED, reason="the compiled extension is not built (or ruled out)")

CODECS: list[type[Any]] = [PlaceOrder, OpenOrder, CompletedOrder, ExecutionData]
VERSIONS = [176, 178, 187, 190, 193, 200]
CODEC_SAMPLES = [m for m in SAMPLES if hasattr(type(m), "CODEC")]


def canon(v: Any) -> Any:
    """What must be identical: each value's type and repr, floats to the bit (and a WireFloat's text)."""
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return (type(v).__name__, tuple((f.name, canon(getattr(v, f.name))) for f in dataclasses.fields(v)))
    if isinstance(v, list):
        return ["list", *(canon(item) for item in v)]
    if isinstance(v, float):
        return (type(v).__name__, repr(v), struct.pack("<d", v).hex(), getattr(v, "text", None))
    return (type(v).__name__, repr(v))


def raised(exc: BaseException) -> tuple[str, str]:
    return ("raised", type(exc).__name__)


def mode(name: str) -> AbstractContextManager[None]:
    if name == "python":
        return step_compiler.pure_python()
    if name == "interpreter":
        return step_compiler.interpreted()
    return nullcontext()


# --- the compiled functions alone, and the full path ------------------------------------------------


def encode_direct(msg: Any, sv: int, variant: str) -> Any:
    with mode(variant):
        fn = type(msg).CODEC.encoder(sv)
    out: list[str] = []
    try:
        fn(ctx_of(msg), out)
    except Exception as exc:  # noqa: BLE001 - the outcome compared
        return raised(exc)
    return [canon(text) for text in out]


def decode_direct(cls: type[Any], fields: list[bytes], sv: int, variant: str) -> Any:
    with mode(variant):
        fn = cls.CODEC.decoder(sv, 1)
    msg, ctx = cls._new()
    try:
        end = fn(ctx, fields, 1, Reader(fields, cls.msg_name(), cls.ID, 1))
    except Exception as exc:  # noqa: BLE001 - the outcome compared
        return raised(exc)
    return canon(msg), end


def encode_full(msg: Message, sv: int, variant: str) -> Any:
    with mode(variant):
        try:
            return encode_payload(msg, sv)
        except EncodeError as exc:
            return ("EncodeError", exc.field, str(exc))
        except Exception as exc:  # noqa: BLE001 - the interpreter lets a few through (When tests)
            return raised(exc)


def decode_full(cls: type[Any], fields: list[bytes], sv: int, variant: str) -> Any:
    with mode(variant):
        try:
            return canon(decode_fields_of(cls, fields, sv))
        except DecodeError as exc:
            return ("DecodeError", exc.field, str(exc))


def check_encodes_alike(msg: Message, sv: int) -> None:
    assert encode_direct(msg, sv, "runs") == encode_direct(msg, sv, "python")
    full = encode_full(msg, sv, "runs")
    assert full == encode_full(msg, sv, "python") == encode_full(msg, sv, "interpreter")


def check_decodes_alike(cls: type[Any], fields: list[bytes], sv: int) -> None:
    assert decode_direct(cls, fields, sv, "runs") == decode_direct(cls, fields, sv, "python")
    full = decode_full(cls, fields, sv, "runs")
    assert full == decode_full(cls, fields, sv, "python") == decode_full(cls, fields, sv, "interpreter")


# --- one field at a time ----------------------------------------------------------------------------


class MyInt(int):
    pass


class MyStr(str):
    __slots__ = ()


class MyFloat(float):
    pass


class MyDecimal(Decimal):
    pass


EDGE_VALUES: list[Any] = [
    None, 0, 1, -1, 42, 1023, 1024, 2**31 - 1, -(2**31), 2**63, -(2**63) - 1, 10**30, True, False, MyInt(7),
    0.0, -0.0, 1.5, 150.25, -0.01, 1e-7, 5e-324, 1e22, 1e300, math.nan, math.inf, -math.inf, MyFloat(2.5),
    WireFloat(0.0, "0"), WireFloat(2918.1, "2918.10"),
    Decimal(0), Decimal("-3.50"), Decimal("1E+3"), Decimal("0.000001"), Decimal("NaN"), Decimal("Infinity"),
    MyDecimal("2"),
    "", "x", "DAY", "é", "日本語", "\U0001f600", "a\0b", "\0", MyStr("s"), b"bytes", [], [1], object(),
]  # fmt: skip
ODD_RAW: list[bytes] = [
    b"", b"0", b"1", b"2", b"-1", b"-0", b"00", b"007", b"42", b"123456789", b"-123456789", b"1234567890",
    b"2147483647", b"9223372036854775807", b"-9223372036854775808", b"9" * 30, b"1_000", b" 1", b"+1",
    b"1.5", b"150.25", b"0.0", b"-0.0", b"1e3", b"1E308", b"1e400", b"nan", b"inf", b"Infinity", b"-inf",
    b"1.7976931348623157E308", b"1.7976931348623157e+308", b"x", b"BAG", b"\xc3\xa9", b"\xe6\x97\xa5",
    b"\xff", b"\xc3", b"\xed\xa0\x80", b"a\x00b",
]  # fmt: skip
KINDS: list[Kind] = [
    INT, INT_E, INT_R, STR, BOOL, OPT_BOOL, DEC, DEC_LONG_MIN, NUM, NUM_E, NUM_R, NUM_SHOW, NUM_TWS, NUM_TWS_E,
    Num("0"), Num("0.0"), Num(None, zero_text="0"), FLOAT_E, SIZE, STR_ESC, Const("x"),
]  # fmt: skip
KIND_IDS = [f"{i}-{type(k).__name__.strip('_')}" for i, k in enumerate(KINDS)]
#: the texts the exhaustive substitution test puts in every field
SUBSTITUTES = [
    b"", b"2", b"-1", b"00", b"x", b"\xff", b"\xc3\xa9", b"1.5", b"1234567890", b"2147483647",
    b"-9223372036854775808", b"Infinity",
]  # fmt: skip


@dataclasses.dataclass(slots=True)
class Holder:
    value: Any = None


def outcome(fn: Callable[[], Any]) -> Any:
    try:
        return canon(fn())
    except Exception as exc:  # noqa: BLE001 - the outcome compared
        return raised(exc)


@needs_native
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_emit_writes_what_each_expression_writes(kind: Kind) -> None:
    ext = native.EXTENSION
    py_gen = step_compiler._EncodeGen("t", 200)
    expr = py_gen.expr(kind, "v")
    assert expr is not None
    entry = step_compiler._EncodeGen("t", 200, ext).entry(kind, Fld("o", "value", kind))
    assert entry is not None
    prog = ext.Prog((entry,))
    for value in EDGE_VALUES:
        holder = Holder(value)
        out: list[str] = []
        python = outcome(lambda: eval(expr, py_gen.ns, {"v": value}))  # noqa: B023
        c = outcome(lambda: (ext.emit((None, holder), prog, out), out[0])[1])  # noqa: B023
        assert c == python, (value, c, python)


@needs_native
@pytest.mark.parametrize("kind", KINDS[:-1], ids=KIND_IDS[:-1])
def test_fill_reads_what_each_expression_reads(kind: Kind) -> None:
    ext = native.EXTENSION
    py_gen = step_compiler._DecodeGen("t", 200, 1)
    py_gen.dyn, py_gen.off = False, 1
    expr = py_gen.expr(kind)
    assert expr is not None
    gen = step_compiler._DecodeGen("t", 200, 1, ext)
    entry = gen.run_entry(Fld("o", "value", kind))
    assert entry is not None
    prog = ext.Prog((entry,))
    for raw in ODD_RAW:
        fields = [b"id", raw]
        holder = Holder("unset")
        python = outcome(lambda: eval(expr, py_gen.ns, {"f": fields}))  # noqa: B023
        c = outcome(lambda: (ext.fill((None, holder), fields, 1, prog), holder.value)[1])  # noqa: B023
        assert c == python, (raw, c, python)
        if python[0] != "raised":
            assert ext.fill((None, Holder()), [b"id", raw, b"more"], 1, prog) == 2


# --- whole messages ---------------------------------------------------------------------------------

executions = st.builds(ExecutionData, ints, contracts, some_of(Execution))
any_message = st.one_of(messages, executions)


@needs_native
def test_the_run_variant_has_runs_and_the_python_variant_none() -> None:
    for cls in CODECS:
        for sv in VERSIONS:
            for fn in (cls.CODEC.encoder(sv), cls.CODEC.decoder(sv, 1)):
                assert any(type(v) is native.EXTENSION.Prog for v in fn.__globals__.values())
            with step_compiler.pure_python():
                for fn in (cls.CODEC.encoder(sv), cls.CODEC.decoder(sv, 1)):
                    assert not any(type(v) is native.EXTENSION.Prog for v in fn.__globals__.values())


@needs_native
@pytest.mark.parametrize("sv", VERSIONS)
@pytest.mark.parametrize("msg", CODEC_SAMPLES, ids=lambda m: type(m).__name__)
def test_samples_alike(msg: Message, sv: int) -> None:
    msg = within(msg, sv)
    check_encodes_alike(msg, sv)
    payload = encode_payload(msg, sv)
    fields = split_payload(payload)
    check_decodes_alike(type(msg), fields, sv)
    for n in range(1, len(fields)):  # every short message
        check_decodes_alike(type(msg), fields[:n], sv)
    check_decodes_alike(type(msg), [*fields, b"1"], sv)


@needs_native
@settings(max_examples=200, deadline=None)
@given(msg=any_message, sv=st.sampled_from(VERSIONS))
def test_random_messages_alike(msg: Message, sv: int) -> None:
    msg = within(msg, sv)
    check_encodes_alike(msg, sv)
    payload = encode_full(msg, sv, "interpreter")
    assert isinstance(payload, bytes), payload
    check_decodes_alike(type(msg), split_payload(payload), sv)


PARTS = ("contract", "order", "order_state", "execution")


def _owners(msg: Any) -> list[Any]:
    """The message and the objects it spreads its fields over."""
    return [msg, *(getattr(msg, name) for name in PARTS if hasattr(msg, name))]


@needs_native
@settings(max_examples=300, deadline=None)
@given(
    msg=any_message,
    sv=st.sampled_from(VERSIONS),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.sampled_from(EDGE_VALUES)), max_size=4),
)
def test_edge_values_encode_alike(msg: Message, sv: int, edits: list[tuple[int, int, Any]]) -> None:
    msg = within(msg, sv)
    for which, field, value in edits:
        owner = _owners(msg)[which % len(_owners(msg))]
        names = [f.name for f in dataclasses.fields(owner) if f.name not in PARTS]
        setattr(owner, names[field % len(names)], value)
    check_encodes_alike(msg, sv)


@needs_native
@settings(max_examples=300, deadline=None)
@given(
    msg=any_message,
    sv=st.sampled_from(VERSIONS),
    edits=st.lists(st.tuples(st.integers(0, 400), st.sampled_from(ODD_RAW), st.sampled_from("sid")), max_size=3),
    cut=st.none() | st.integers(1, 400),
)
def test_mutated_payloads_decode_alike(
    msg: Message, sv: int, edits: list[tuple[int, bytes, str]], cut: int | None
) -> None:
    payload = encode_full(within(msg, sv), sv, "interpreter")
    assert isinstance(payload, bytes), payload
    fields = split_payload(payload)
    mutate(fields, edits)
    if cut is not None:
        fields = fields[: 1 + cut % len(fields)]
    check_decodes_alike(type(msg), fields, sv)


@needs_native
@pytest.mark.parametrize("sv", [178, 200])
@pytest.mark.parametrize("cls", CODECS, ids=lambda c: c.__name__)
def test_every_single_substitution_alike(cls: type[Any], sv: int) -> None:
    """Each field of a rich sample replaced by each odd text in turn (exhaustive, not sampled)."""
    msg = within(next(m for m in CODEC_SAMPLES if type(m) is cls), sv)
    fields = split_payload(encode_payload(msg, sv))
    for pos in range(1, len(fields)):
        for value in SUBSTITUTES:
            check_decodes_alike(cls, [*fields[:pos], value, *fields[pos + 1 :]], sv)


# --- the Prog's attribute cache ---------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class Target:
    a: Any = None
    b: Any = None


@needs_native
def test_prog_follows_a_class_changed_under_it() -> None:
    ext = native.EXTENSION
    fill = ext.Prog(((0, "a", None), (0, "b", None)))
    emit = ext.Prog(((0, "a", ext.EMIT_STR, None, STR.to_text), (0, "b", ext.EMIT_STR, None, STR.to_text)))

    class Local(Target):
        __slots__ = ()

    t = Local()
    assert ext.fill((t,), [b"x", b"y"], 0, fill) == 2
    assert (t.a, t.b) == ("x", "y")
    seen: list[Any] = []
    slot = Target.__dict__["a"]
    Local.a = property(lambda self: "from property", lambda self, v: seen.append(v))  # type: ignore[assignment]
    ext.fill((t,), [b"p", b"q"], 0, fill)
    assert seen == ["p"]
    assert slot.__get__(t) == "x"  # the slot itself untouched
    assert t.b == "q"
    out: list[str] = []
    ext.emit((t,), emit, out)
    assert out == ["from property", "q"]
    del Local.a
    ext.fill((t,), [b"r", b"s"], 0, fill)
    assert (t.a, t.b) == ("r", "s")


@needs_native
def test_prog_takes_objects_of_other_types_at_the_same_index() -> None:
    ext = native.EXTENSION
    fill = ext.Prog(((0, "a", None), (0, "b", {b"1": 1})))

    log: list[str] = []

    class Logged(Target):
        __slots__ = ()

        def __setattr__(self, name: str, value: Any) -> None:
            log.append(name)
            object.__setattr__(self, name, value)

    class Plain:
        pass

    logged = Logged()
    log.clear()
    for obj in (Target(), logged, Plain(), Target(), logged):
        ext.fill((obj,), [b"x", b"1"], 0, fill)
        assert (obj.a, obj.b) == ("x", 1)  # type: ignore[attr-defined]
    assert log == ["a", "b", "a", "b"]
    with pytest.raises(AttributeError):
        ext.fill((object(),), [b"x", b"1"], 0, fill)


@needs_native
def test_fill_and_emit_errors() -> None:
    ext = native.EXTENSION
    fill = ext.Prog(((0, "a", None), (0, None, None), (0, "b", None)))
    t = Target()
    with pytest.raises(IndexError):
        ext.fill((t,), [b"x", b"skipped"], 0, fill)
    assert t.a == "x"  # the entries before the error are set
    assert ext.fill((t,), [b"", b"x", b"", b"z"], 1, fill) == 4
    assert t.b == "z"
    with pytest.raises(UnicodeDecodeError):
        ext.fill((t,), [b"\xff"], 0, fill)
    with pytest.raises(TypeError):
        ext.fill((t,), [b"x"], 0, ext.Prog(((0, "a", STR.to_text, ext.EMIT_STR, None),)))
    with pytest.raises(TypeError):
        ext.Prog(((0, "a", None), (0, "b", ext.EMIT_STR, None, STR.to_text)))
    with pytest.raises(ValueError, match="object index"):
        ext.Prog(((9, "a", None),))
    out: list[str] = []
    with pytest.raises(TypeError):
        ext.emit((Target(1, "ok"),), ext.Prog(((0, "b", ext.EMIT_STR, None, STR.to_text),
                                                (0, "a", ext.EMIT_STR, None, STR.to_text))), out)  # fmt: skip
    assert out == ["ok"]


# --- the two variants side by side (with or without the extension) ----------------------------------


@pytest.fixture
def fresh_codec() -> Iterator[step_compiler.StepCodec]:
    yield step_compiler.StepCodec("PlaceOrder", PlaceOrder.CODEC.steps)


def test_pure_python_keeps_its_own_cache(fresh_codec: step_compiler.StepCodec) -> None:
    runs = fresh_codec.encoder(200), fresh_codec.decoder(200, 1)
    with step_compiler.pure_python():
        python = fresh_codec.encoder(200), fresh_codec.decoder(200, 1)
        assert (fresh_codec.encoder(200), fresh_codec.decoder(200, 1)) == python
    assert (fresh_codec.encoder(200), fresh_codec.decoder(200, 1)) == runs
    assert runs[0] is not python[0] and runs[1] is not python[1]
    msg = PlaceOrder(order_id=7, order=Order(action="BUY", total_quantity=Decimal(3), lmt_price=1.5))
    expected = encode_full(msg, 200, "interpreter")
    assert encode_full(msg, 200, "python") == encode_full(msg, 200, "runs") == expected
