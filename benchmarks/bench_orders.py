"""Order messages in a hot loop: the order acknowledgement round trip's four codec calls (ibkr, and
ib_async's OPEN_ORDER decode), and TICK_STRING.

The messages are the ones of the order acknowledgement round trip of ``bench_client.py``: a
``LMT BUY 1 AAPL DAY`` order as ``IBKRClient.submit_order`` writes it, and the OPEN_ORDER the
simulator (``ibkr.sim.translate.open_order``) answers with. Each figure is the best of
``--repeat`` runs of ``--loops`` calls, in ns per call, on one core, caches warm.

* ``place_order_encode``: ``encode_payload(PlaceOrder(...), sv)`` (the payload bytes; the client).
* ``place_order_decode``: ``decode_payload(payload, sv, CLIENT_MESSAGES)`` (the simulator, as its
  ``ServerConnection`` does it).
* ``open_order_encode``: ``encode_payload(OpenOrder(...), sv)`` (the simulator's answer).
* ``open_order_decode``: ``decode_payload(payload, sv, SERVER_MESSAGES, FAST_DECODERS)`` from the
  payload bytes, as the client's connection does it; ``ib_async``: the payload decoded to text and
  split (what its ``Client._onSocketHasData`` does per message) then ``Decoder.interpret`` with a
  wrapper that does nothing. ib_async speaks up to sv 178, so it runs at 178 only.
* ``tick_string_decode``: a TICK_STRING (LAST_TIMESTAMP), same two paths.

The four order rows run the default path: the step lists compiled per server version
(``step_compiler``), with runs of fields in the compiled extension (``_native.fill`` / ``emit``)
where it is built. Where it is, the ``_python`` rows time the same code compiled to pure Python
(``step_compiler.pure_python()``, what an install without a C compiler or ``IBKR_PURE_PYTHON=1``
runs). The ``_steps`` rows time the generated encoders and decoders alone (what this compilation
changes; the rest of a call is the payload join or split and, decoding, the new message).
``--interpreted`` also times ibkr's generic step interpreter (``order_wire.encode_steps`` /
``decode_steps``: the path before ``step_compiler``, and still the path of any message the
compiled code gives up on) on the same messages.

Run: ``python -m benchmarks.bench_orders [--loops 20000] [--repeat 5] [--json]``
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from ibkr.protocol import native
from ibkr.protocol.fields import Reader
from ibkr.protocol.message import (
    CLIENT_MESSAGES,
    FAST_DECODERS,
    SERVER_MESSAGES,
    decode_fields_of,
    decode_payload,
    encode_payload,
    split_payload,
)
from ibkr.protocol.messages import OpenOrder, PlaceOrder, TickString, step_compiler
from ibkr.protocol.messages.order_wire import Ctx
from ibkr.protocol.models import Contract
from ibkr.protocol.order_models import Order
from ibkr.sim import translate
from ibkr.sim.instruments import UNIVERSE
from ibkr.sim.orders import Order as SimOrder

VERSIONS = (178, 200)
IB_ASYNC_MAX = 178


def place_order() -> PlaceOrder:
    contract = Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD")
    order = Order(action="BUY", total_quantity=Decimal(1), order_type="LMT", lmt_price=150.25, tif="DAY")
    return PlaceOrder(order_id=42, contract=contract, order=order)


def open_order() -> OpenOrder:
    inst = next(i for i in UNIVERSE if i.symbol == "AAPL")
    sim = SimOrder(
        order_id=42, client_id=1, perm_id=600745656, account="DU1234567", instrument=inst, action="BUY",
        total_quantity=Decimal(1), order_type="LMT", lmt_price=150.25, aux_price=None, tif="DAY", oca_group="",
        oca_type=3, parent_id=0, transmit=True, outside_rth=False, order_ref="", placed_at=0.0, status="Submitted",
        remaining=Decimal(1),
    )  # fmt: skip
    return translate.open_order(sim)


def best_ns(fn: Callable[[], object], loops: int, repeat: int) -> float:
    return best_ns_of({"": (fn, contextlib.nullcontext)}, loops, repeat)[""]


def best_ns_of(
    calls: dict[str, tuple[Callable[[], object], Callable[[], contextlib.AbstractContextManager[Any]]]],
    loops: int,
    repeat: int,
) -> dict[str, float]:
    """The best of ``repeat`` runs of each call, each inside its context manager; the runs of the
    calls alternate, so that a slow stretch of the shared machine does not fall on one of them."""
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(repeat):
        for name, (fn, variant) in calls.items():
            with variant():
                gc.collect()
                t0 = time.perf_counter_ns()
                for _ in range(loops):
                    fn()
                best[name] = min(best[name], (time.perf_counter_ns() - t0) / loops)
    return best


class _NullWrapper:
    """Has the attributes ib_async's decoder reads off its wrapper; every callback does nothing."""

    def __init__(self) -> None:
        self.calls = 0
        self.ib = SimpleNamespace(TimezoneTWS="")
        self.defaultTimezone = UTC

    def __getattr__(self, name: str) -> Callable[..., None]:
        def noop(*args: Any) -> None:
            self.calls += 1

        self.__dict__[name] = noop
        return noop


def ib_async_decoder(sv: int) -> tuple[Any, _NullWrapper]:
    from ib_async.decoder import Decoder

    wrapper = _NullWrapper()
    return Decoder(wrapper, sv), wrapper  # type: ignore[arg-type]


def ib_async_decode(payload: bytes, sv: int) -> Callable[[], None]:
    decoder, wrapper = ib_async_decoder(sv)
    interpret = decoder.interpret

    def run() -> None:
        interpret(payload.decode(errors="backslashreplace").split("\0")[:-1])

    run()
    if wrapper.calls != 1:
        raise SystemExit(f"ib_async made {wrapper.calls} callbacks for one message")
    return run


def order_calls(sv: int) -> dict[str, Callable[[], object]]:
    """The round trip's four codec calls at ``sv``, each checked to give back what it was given."""
    po, oo = place_order(), open_order()
    po_payload, oo_payload = encode_payload(po, sv), encode_payload(oo, sv)
    for payload, registry, fast in ((po_payload, CLIENT_MESSAGES, None), (oo_payload, SERVER_MESSAGES, FAST_DECODERS)):
        for variant in (contextlib.nullcontext(), step_compiler.pure_python(), step_compiler.interpreted()):
            with variant:
                decoded = decode_payload(payload, sv, registry, fast)
                if decoded is None or encode_payload(decoded, sv) != payload:
                    raise SystemExit(f"{payload[:2]!r}: does not decode to what was encoded")
    return {
        "place_order_encode": lambda: encode_payload(po, sv),
        "place_order_decode": lambda: decode_payload(po_payload, sv, CLIENT_MESSAGES),
        "open_order_encode": lambda: encode_payload(oo, sv),
        "open_order_decode": lambda: decode_payload(oo_payload, sv, SERVER_MESSAGES, FAST_DECODERS),
    }


def step_calls(sv: int) -> dict[str, Callable[[], object]]:
    """The generated encoders and decoders of the same messages alone: no payload join or split, no
    new message, no fallback (the decoders refill one message from fields split once)."""
    calls: dict[str, Callable[[], object]] = {}
    for name, msg in (("place_order", place_order()), ("open_order", open_order())):
        cls: Any = type(msg)
        codec = cls.CODEC
        ctx = Ctx(m=msg, o=msg.order, c=msg.contract, s=getattr(msg, "order_state", None))
        fields = split_payload(encode_payload(msg, sv))
        reader = Reader(fields, cls.msg_name(), cls.ID, 1)
        _, target = cls._new()

        def encode(codec: Any = codec, ctx: Ctx = ctx) -> None:
            codec.encoder(sv)(ctx, [])

        def decode(codec: Any = codec, target: Ctx = target, fields: list[bytes] = fields, r: Reader = reader) -> None:
            codec.decoder(sv, 1)(target, fields, 1, r)

        calls[f"{name}_encode_steps"], calls[f"{name}_decode_steps"] = encode, decode
    return calls


def measure_sv(sv: int, loops: int, repeat: int, interpreted: bool) -> dict[str, float]:
    variants: dict[str, Callable[[], contextlib.AbstractContextManager[Any]]] = {"": contextlib.nullcontext}
    if native.ENABLED:  # the same compiled code without the extension's runs
        variants["_python"] = step_compiler.pure_python
    if interpreted:
        variants["_interpreted"] = step_compiler.interpreted
    timed = {
        f"{name}{suffix}": (fn, variant) for suffix, variant in variants.items() for name, fn in order_calls(sv).items()
    }
    for suffix, variant in variants.items():
        if suffix != "_interpreted":  # the interpreter has no generated functions
            timed.update((f"{name}{suffix}", (fn, variant)) for name, fn in step_calls(sv).items())
    row = best_ns_of(timed, loops, repeat)
    payload = encode_payload(open_order(), sv)
    tick = encode_payload(TickString(req_id=1001, tick_type=45, value="1700000000"), sv)
    row["tick_string_decode"] = best_ns(
        lambda: decode_payload(tick, sv, SERVER_MESSAGES, FAST_DECODERS), loops * 10, repeat
    )
    row["tick_string_decode_generic"] = best_ns(
        lambda: decode_fields_of(TickString, split_payload(tick), sv), loops * 10, repeat
    )
    if sv <= IB_ASYNC_MAX:
        row["open_order_decode_ib_async"] = best_ns(ib_async_decode(payload, sv), loops, repeat)
        row["tick_string_decode_ib_async"] = best_ns(ib_async_decode(tick, sv), loops * 10, repeat)
    row["open_order_bytes"] = len(payload)
    return row


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loops", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--interpreted", action="store_true", help="also time the generic step interpreter")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    results: dict[str, Any] = {"python": sys.version.split()[0], "native": native.ENABLED}
    for sv in VERSIONS:
        results[f"sv{sv}"] = measure_sv(sv, args.loops, args.repeat, args.interpreted)
    if args.json:
        print(json.dumps(results, indent=2))
        return results
    runs = "in the compiled extension" if native.ENABLED else "in Python (the extension is not built or ruled out)"
    print(f"ns per call, best of {args.repeat} x {args.loops:,} (TICK_STRING x10), Python {results['python']}")
    print(f"order codecs: compiled step lists, field runs {runs}")
    for sv in VERSIONS:
        print(f"sv {sv}")
        for name, value in results[f"sv{sv}"].items():
            print(f"  {name:<34}{value:>12,.0f}")
    return results


if __name__ == "__main__":
    main()
