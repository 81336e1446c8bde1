"""The compiled order codecs (``step_compiler.StepCodec``) against the step interpreter.

* every order sample (samples_orders.py) and every captured OPEN_ORDER / COMPLETED_ORDER /
  EXECUTION_DATA, at every server version 176..200: the compiled encoder writes the interpreter's
  bytes and the compiled decoder builds the interpreter's objects (``WireFloat`` texts, ``Decimal``
  exponents and types included) and stops at the same field, without falling back;
* random orders (a subset of the Order fields, random condition lists, BAG legs, delta-neutral,
  scale, PEG, algo groups): the same, through ``encode_payload`` / ``decode_payload`` too;
* mutated payloads (fields dropped, inserted, substituted): the full path (compiled, then the
  interpreter on failure) gives the interpreter's result or the same ``DecodeError`` field;
* bad values on encoding: the same ``EncodeError`` field as the interpreter.
"""

from __future__ import annotations

import dataclasses
import typing
from decimal import Decimal
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ibkr.errors import DecodeError, EncodeError
from ibkr.protocol.fields import Reader, WireFloat
from ibkr.protocol.ids import In
from ibkr.protocol.message import Message, decode_fields_of, encode_payload, split_payload
from ibkr.protocol.messages import step_compiler
from ibkr.protocol.messages.executions import ExecutionData
from ibkr.protocol.messages.open_order import CompletedOrder, OpenOrder
from ibkr.protocol.messages.order_wire import Ctx, decode_steps, encode_steps
from ibkr.protocol.messages.orders import PlaceOrder
from ibkr.protocol.models import ComboLeg, Contract, DeltaNeutralContract, TagValue
from ibkr.protocol.order_models import (
    ExecutionCondition,
    MarginCondition,
    Order,
    OrderAllocation,
    OrderComboLeg,
    OrderState,
    PercentChangeCondition,
    PriceCondition,
    SoftDollarTier,
    TimeCondition,
    VolumeCondition,
)
from tests.captures import all_captured
from tests.protocol.mutate import mutate
from tests.protocol.refused import within
from tests.protocol.samples_orders import SAMPLES

ALL_VERSIONS = list(range(176, 201))
CODEC_CLASSES: dict[int, type[Any]] = {
    In.OPEN_ORDER: OpenOrder,
    In.COMPLETED_ORDER: CompletedOrder,
    In.EXECUTION_DATA: ExecutionData,
}
CODEC_SAMPLES = [m for m in SAMPLES if hasattr(type(m), "CODEC")]
CAPTURES = [c for c in all_captured() if c.tag == "S" and int(c.payload.split(b"\0", 1)[0]) in CODEC_CLASSES]


def canon(v: Any) -> Any:
    """A comparable form that tells apart what ``==`` does not (WireFloat texts, 1.0 vs 1.00...)."""
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return (type(v).__name__, tuple(canon(getattr(v, f.name)) for f in dataclasses.fields(v)))
    if isinstance(v, list):
        return [canon(item) for item in v]
    if isinstance(v, WireFloat):
        return ("WireFloat", repr(float(v)), v.text)
    return (type(v).__name__, repr(v))


def interpreted_encode(msg: Message, sv: int) -> Any:
    with step_compiler.interpreted():
        try:
            return encode_payload(msg, sv)
        except EncodeError as exc:
            return ("EncodeError", exc.field, str(exc))


def interpreted_decode(cls: type[Any], fields: list[bytes], sv: int) -> Any:
    with step_compiler.interpreted():
        try:
            return canon(decode_fields_of(cls, fields, sv))
        except DecodeError as exc:
            return ("DecodeError", exc.field, str(exc))


def full_decode(cls: type[Any], fields: list[bytes], sv: int) -> Any:
    try:
        return canon(decode_fields_of(cls, fields, sv))
    except DecodeError as exc:
        return ("DecodeError", exc.field, str(exc))


def direct_encode(msg: Message, sv: int) -> bytes:
    """The compiled encoder alone (no fallback): raises if it gave up."""
    out = [str(msg.ID)]
    msg.CODEC.encoder(sv)(ctx_of(msg), out)  # type: ignore[attr-defined]
    out.append("")
    return "\0".join(out).encode()


def ctx_of(msg: Any) -> Ctx:
    """The context the message's ``encode_fields`` builds."""
    return Ctx(
        m=msg,
        o=getattr(msg, "order", None),
        c=msg.contract,
        s=getattr(msg, "order_state", None),
        x=getattr(msg, "execution", None),
    )


def direct_decode(cls: type[Any], fields: list[bytes], sv: int) -> tuple[Any, int]:
    """The compiled decoder alone (no fallback) and the position it stopped at."""
    msg, ctx = cls._new()
    end = cls.CODEC.decoder(sv, 1)(ctx, fields, 1, Reader(fields, cls.msg_name(), cls.ID, 1))
    return canon(msg), end


def step_decode(cls: type[Any], fields: list[bytes], sv: int) -> tuple[Any, int]:
    """``decode_steps`` alone and the position it stopped at."""
    msg, ctx = cls._new()
    r = Reader(fields, cls.msg_name(), cls.ID, 1)
    decode_steps(cls.CODEC.steps, ctx, r, sv)
    return canon(msg), r.pos


def check_valid(msg: Message, sv: int) -> None:
    """``msg`` is valid at ``sv``: both paths write the same bytes and read them the same way."""
    cls = type(msg)
    payload = interpreted_encode(msg, sv)
    assert isinstance(payload, bytes), payload
    assert direct_encode(msg, sv) == payload
    assert encode_payload(msg, sv) == payload
    check_decodes_alike(cls, split_payload(payload), sv)


def check_decodes_alike(cls: type[Any], fields: list[bytes], sv: int, must_compile: bool = True) -> None:
    if must_compile:
        assert direct_decode(cls, fields, sv) == step_decode(cls, fields, sv)
    assert full_decode(cls, fields, sv) == interpreted_decode(cls, fields, sv)


@pytest.mark.parametrize("sv", ALL_VERSIONS)
@pytest.mark.parametrize("msg", CODEC_SAMPLES, ids=lambda m: type(m).__name__)
def test_samples_compiled_equals_interpreted(msg: Message, sv: int) -> None:
    check_valid(within(msg, sv), sv)


@pytest.mark.parametrize("sv", ALL_VERSIONS)
@pytest.mark.parametrize("cap", CAPTURES, ids=lambda c: f"{c.file}:{c.line}")
def test_captures_compiled_equals_interpreted(cap: Any, sv: int) -> None:
    fields = split_payload(cap.payload)
    cls = CODEC_CLASSES[int(fields[0])]
    outcome = interpreted_decode(cls, fields, sv)
    # at its own version a capture decodes (test_captures); elsewhere the layout may not fit, and
    # then only the full path's error has to match the interpreter's
    check_decodes_alike(cls, fields, sv, must_compile=outcome[0] != "DecodeError")
    if sv == cap.server_version:
        assert outcome[0] != "DecodeError"


def test_captures_cover_the_order_messages() -> None:
    # the captures hold no COMPLETED_ORDER; its samples and the random orders cover it
    assert {int(c.payload.split(b"\0", 1)[0]) for c in CAPTURES} == {In.OPEN_ORDER, In.EXECUTION_DATA}


# --- random orders ---------------------------------------------------------------------------------

SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
text = st.text(st.characters(blacklist_categories=SURROGATES, blacklist_characters="\0"), max_size=4)
finite = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([0.0, 1.5, 100.25, -0.01, 1e-5])
ints = st.integers(-5, 10**6) | st.sampled_from([0, -1, 1, 2**31 - 2])
decimals = st.sampled_from([Decimal(0), Decimal(100), Decimal("0.5"), Decimal("1.25"), Decimal("-3")])
tag_values = st.lists(
    st.builds(TagValue, st.sampled_from(["a", "tag", ""]), st.sampled_from(["1", "x y", ""])), max_size=2
)
conditions = st.lists(
    st.one_of(
        st.builds(PriceCondition, st.booleans(), st.booleans(), finite, ints, text, st.integers(0, 8)),
        st.builds(TimeCondition, st.booleans(), st.booleans(), text),
        st.builds(MarginCondition, st.booleans(), st.booleans(), finite),
        st.builds(ExecutionCondition, st.booleans(), text, text, text),
        st.builds(VolumeCondition, st.booleans(), st.booleans(), ints, ints, text),
        st.builds(PercentChangeCondition, st.booleans(), st.booleans(), st.none() | finite, ints, text),
    ),
    max_size=3,
)
#: values that switch the conditional groups on
SPECIAL: dict[str, st.SearchStrategy[Any]] = {
    "order_type": st.sampled_from(["LMT", "MKT", "PEG BENCH", "PEGBENCH", "PEG BEST", "PEG MID", "REL", ""]),
    "delta_neutral_order_type": st.sampled_from(["", "LMT", "None"]),
    "hedge_type": st.sampled_from(["", "D", "P"]),
    "algo_strategy": st.sampled_from(["", "Adaptive", "Vwap"]),
    "scale_price_increment": st.none() | st.sampled_from([0.0, 0.05, 1.0, -1.0]),
    "compete_against_best_offset": st.none() | st.sampled_from([float("inf"), 0.02]),
    "conditions": conditions,
    "algo_params": tag_values,
    "smart_combo_routing_params": tag_values,
    "order_misc_options": tag_values,
    "order_combo_legs": st.lists(st.builds(OrderComboLeg, st.none() | finite), max_size=2),
    "soft_dollar_tier": st.builds(SoftDollarTier, text, text, text),
    "order_allocations": st.lists(
        st.builds(OrderAllocation, text, decimals, decimals, decimals, decimals, decimals, st.booleans()), max_size=2
    ),
    "sec_type": st.sampled_from(["STK", "BAG", "OPT", "FUT"]),
    "exchange": st.sampled_from(["SMART", "IBKRATS", ""]),
    "combo_legs": st.lists(
        st.builds(ComboLeg, ints, ints, text, text, st.integers(0, 3), st.integers(0, 2), text, st.integers(-1, 5)),
        max_size=2,
    ),
    "delta_neutral_contract": st.none() | st.builds(DeltaNeutralContract, ints, finite, finite),
}


def by_type(annotation: Any) -> st.SearchStrategy[Any]:
    if annotation is str:
        return text
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return ints
    if annotation is float:
        return finite
    args = set(typing.get_args(annotation))
    base = {a for a in args if a is not type(None)}
    if base == {int}:
        return st.none() | ints
    if base == {float}:
        return st.none() | finite
    if base == {bool}:
        return st.none() | st.booleans()
    if base == {Decimal}:
        return st.none() | decimals
    raise LookupError(annotation)


def some_of(cls: type[Any]) -> st.SearchStrategy[Any]:
    """``cls`` with a random subset of its fields set to valid values (lists only via SPECIAL)."""
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, annotation in typing.get_type_hints(cls).items():
        if name in SPECIAL:
            optional[name] = SPECIAL[name]
            continue
        try:
            optional[name] = by_type(annotation)
        except LookupError:
            continue
    return st.fixed_dictionaries({}, optional=optional).map(lambda kw: cls(**kw))


orders = some_of(Order)
contracts = some_of(Contract)
messages = st.one_of(
    st.builds(PlaceOrder, ints, contracts, orders),
    st.builds(OpenOrder, contracts, orders, some_of(OrderState), text, text, st.booleans(), st.booleans()),
    st.builds(CompletedOrder, contracts, orders, some_of(OrderState), text),
)


@settings(max_examples=300, deadline=None)
@given(msg=messages, sv=st.sampled_from(ALL_VERSIONS))
def test_random_orders_compiled_equals_interpreted(msg: Message, sv: int) -> None:
    msg = within(msg, sv)
    payload = interpreted_encode(msg, sv)
    assert encode_payload(msg, sv) == payload  # the full path too
    assert direct_encode(msg, sv) == payload
    check_decodes_alike(type(msg), split_payload(payload), sv)


ODD_FIELDS = [
    b"", b"0", b"1", b"-1", b"2", b"x", b"\xff", b"1.5", b"2147483647", b"1.7976931348623157E308", b"nan",
    b"Infinity", b"BAG", b"PEG BENCH", b"a", b"o", b"9" * 30, b"00", b"1e3", b"-9223372036854775808",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    msg=messages,
    sv=st.sampled_from(ALL_VERSIONS),
    edits=st.lists(st.tuples(st.integers(0, 400), st.sampled_from(ODD_FIELDS), st.sampled_from("sid")), max_size=3),
)
def test_mutated_payloads_give_the_interpreters_error(
    msg: Message, sv: int, edits: list[tuple[int, bytes, str]]
) -> None:
    cls = type(msg)
    fields = split_payload(encode_payload(within(msg, sv), sv))
    mutate(fields, edits)
    assert full_decode(cls, fields, sv) == interpreted_decode(cls, fields, sv)


@pytest.mark.parametrize("sv", [176, 200])
@pytest.mark.parametrize("cls", [*CODEC_CLASSES.values(), PlaceOrder])
def test_truncated_payloads_give_the_interpreters_error(cls: type[Any], sv: int) -> None:
    msg = next(m for m in CODEC_SAMPLES if type(m) is cls)
    fields = split_payload(encode_payload(msg, sv))
    for n in range(1, len(fields)):
        assert full_decode(cls, fields[:n], sv) == interpreted_decode(cls, fields[:n], sv)
    assert full_decode(cls, [*fields, b"1"], sv) == interpreted_decode(cls, [*fields, b"1"], sv)


BAD_VALUES: list[tuple[str, str, Any]] = [
    ("o", "lmt_price", "1.5"),
    ("o", "lmt_price", float("nan")),
    ("o", "total_quantity", "x"),
    ("o", "action", "BU\0Y"),
    ("o", "action", 5),
    ("o", "parent_id", None),
    ("o", "parent_id", True),
    ("o", "display_size", 1.5),
    ("o", "conditions", [object()]),
    ("o", "algo_params", [TagValue("a=b", "1")]),
    ("c", "symbol", None),
    ("c", "combo_legs", [ComboLeg(con_id="x")]),  # type: ignore[arg-type]
    ("c", "delta_neutral_contract", DeltaNeutralContract(price=None)),  # type: ignore[arg-type]
    ("o", "soft_dollar_tier", None),
]


@pytest.mark.parametrize("sv", [176, 200])
@pytest.mark.parametrize(("obj", "name", "value"), BAD_VALUES)
@pytest.mark.parametrize("cls", [PlaceOrder, OpenOrder, CompletedOrder])
def test_bad_values_give_the_interpreters_encode_error(
    cls: type[Any], obj: str, name: str, value: Any, sv: int
) -> None:
    msg: Any = next(m for m in CODEC_SAMPLES if type(m) is cls)
    msg = dataclasses.replace(msg, order=dataclasses.replace(msg.order), contract=dataclasses.replace(msg.contract))
    msg.contract.sec_type = "BAG"
    msg.order.algo_strategy = "Adaptive"
    setattr(msg.order if obj == "o" else msg.contract, name, value)
    try:
        got: Any = encode_payload(msg, sv)
    except EncodeError as exc:
        got = ("EncodeError", exc.field, str(exc))
    except Exception as exc:  # noqa: BLE001 - the interpreter lets a few through (When tests)
        got = type(exc)
    try:
        expected: Any = interpreted_encode(msg, sv)
    except Exception as exc:  # noqa: BLE001
        expected = type(exc)
    assert got == expected


def test_encode_steps_and_compiled_encoder_agree_on_the_samples_directly() -> None:
    for msg in CODEC_SAMPLES:
        for sv in (176, 200):
            out: list[str] = []
            encode_steps(type(msg).CODEC.steps, ctx_of(msg), sv, out)  # type: ignore[attr-defined]
            assert direct_encode(msg, sv) == "\0".join([str(msg.ID), *out, ""]).encode()


@pytest.mark.parametrize("sv", [178, 200])
@pytest.mark.parametrize("cls", [*CODEC_CLASSES.values(), PlaceOrder])
def test_every_single_substitution_gives_the_interpreters_result(cls: type[Any], sv: int) -> None:
    """Each field of a rich sample replaced by each odd text in turn (exhaustive, not sampled)."""
    msg = next(m for m in CODEC_SAMPLES if type(m) is cls)
    fields = split_payload(encode_payload(msg, sv))
    for pos in range(1, len(fields)):
        for value in (b"", b"2", b"x", b"\xff", b"1.5", b"00", b"2147483647", b"-9223372036854775808", b"Infinity"):
            mutated = [*fields[:pos], value, *fields[pos + 1 :]]
            assert full_decode(cls, mutated, sv) == interpreted_decode(cls, mutated, sv), (pos, value)
