"""Order messages in a hot loop: PLACE_ORDER encode, OPEN_ORDER decode (ibkr vs ib_async), TICK_STRING.

The messages are the ones of the order acknowledgement round trip of ``bench_client.py``: a
``LMT BUY 1 AAPL DAY`` order as ``IBKRClient.submit_order`` writes it, and the OPEN_ORDER the
simulator (``ibkr.sim.translate.open_order``) answers with. Each figure is the best of
``--repeat`` runs of ``--loops`` calls, in ns per call, on one core, caches warm.

* ``place_order_encode``: ``encode_payload(PlaceOrder(...), sv)`` (the payload bytes).
* ``open_order_decode``: ``decode_payload(payload, sv, SERVER_MESSAGES, FAST_DECODERS)`` from the
  payload bytes, as the connection does it; ``ib_async``: the payload decoded to text and split
  (what its ``Client._onSocketHasData`` does per message) then ``Decoder.interpret`` with a
  wrapper that does nothing. ib_async speaks up to sv 178, so it runs at 178 only.
* ``tick_string_decode``: a TICK_STRING (LAST_TIMESTAMP), same two paths.

``--interpreted`` also times ibkr's generic step interpreter (``order_wire.encode_steps`` /
``decode_steps``: the path before ``step_compiler``, and still the path of any message the
compiled code gives up on) on the same messages.

Run: ``python -m benchmarks.bench_orders [--loops 20000] [--repeat 5] [--json]``
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from ibkr.protocol.message import (
    FAST_DECODERS,
    SERVER_MESSAGES,
    decode_fields_of,
    decode_payload,
    encode_payload,
    split_payload,
)
from ibkr.protocol.messages import OpenOrder, PlaceOrder, TickString, step_compiler
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
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter_ns()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter_ns() - t0) / loops)
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


def measure_sv(sv: int, loops: int, repeat: int, interpreted: bool) -> dict[str, float]:
    po, oo = place_order(), open_order()
    row: dict[str, float] = {}
    row["place_order_encode"] = best_ns(lambda: encode_payload(po, sv), loops, repeat)
    payload = encode_payload(oo, sv)
    decoded = decode_payload(payload, sv, SERVER_MESSAGES, FAST_DECODERS)
    if decoded is None or encode_payload(decoded, sv) != payload:
        raise SystemExit("OPEN_ORDER does not decode to what was encoded")
    row["open_order_decode"] = best_ns(
        lambda: decode_payload(payload, sv, SERVER_MESSAGES, FAST_DECODERS), loops, repeat
    )
    if interpreted:
        with step_compiler.interpreted():
            row["place_order_encode_interpreted"] = best_ns(lambda: encode_payload(po, sv), loops, repeat)
            row["open_order_decode_interpreted"] = best_ns(
                lambda: decode_payload(payload, sv, SERVER_MESSAGES, FAST_DECODERS), loops, repeat
            )
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
    results: dict[str, Any] = {"python": sys.version.split()[0]}
    for sv in VERSIONS:
        results[f"sv{sv}"] = measure_sv(sv, args.loops, args.repeat, args.interpreted)
    if args.json:
        print(json.dumps(results, indent=2))
        return results
    print(f"ns per call, best of {args.repeat} x {args.loops:,} (TICK_STRING x10), Python {results['python']}")
    for sv in VERSIONS:
        print(f"sv {sv}")
        for name, value in results[f"sv{sv}"].items():
            print(f"  {name:<34}{value:>12,.0f}")
    return results


if __name__ == "__main__":
    main()
