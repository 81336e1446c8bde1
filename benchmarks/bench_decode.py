"""Framing + decoding throughput: ibkr vs ib_async vs the official client, same bytes, same run.

The input is a stream of server messages in the mix of a busy market-data session:
40% TICK_PRICE, 30% TICK_SIZE, 15% TICK_BY_TICK, 10% MARKET_DEPTH / MARKET_DEPTH_L2 and
5% ORDER_STATUS / EXECUTION_DATA, encoded by ibkr's server role at server version 178 (the highest
ib_async speaks), then cut into reads of a fixed size, as a socket would deliver them.

* ibkr: ``ClientConnection.receive_messages`` (frame buffer with a read offset + typed messages),
  plus one handler call per message through a dict keyed by message class, as a client gets it
  by default: with the compiled decoder (``ibkr.protocol.native``) where it is built.
* ibkr-py: the same with ``ClientConnection(native=False)``: the pure-Python decoders.
* ib_async: ``Client._onSocketHasData`` (its framing) and its ``Decoder`` with a wrapper whose
  methods do nothing (so only decoding is measured, not its Ticker bookkeeping).
* official client: ``comm.read_msg`` framing as its reader thread does it, then
  ``Decoder.interpret`` with a no-op wrapper (decoder alone: no thread, no queue).

Fairness: every library must report every message (the callbacks are counted per name against
what each library is expected to call for the stream; ``tcpDataArrived`` / ``tcpDataProcessed``
are per read, not per message, and not counted), and any record logged at WARNING or above
during a run fails it (ib_async logs and swallows any exception in a handler: a wrapper missing
``ib.TimezoneTWS`` once made it format a traceback for every EXECUTION_DATA). The null wrappers
carry what ib_async's own ``Wrapper`` has: ``ib.TimezoneTWS`` (``""``, ib_async's default) and
``defaultTimezone`` (UTC, ``IBDefaults``' default).

Run: ``python -m benchmarks.bench_decode [--messages 1000000] [--read-size 65536] [--repeat 3]``;
``--by-type`` adds a per-message-type table (ns per message, each type alone in the stream).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from ibkr.protocol import NEED_DATA, ClientConnection, ServerConnection, native
from ibkr.protocol.message import Message
from ibkr.protocol.messages import (
    ExecutionData,
    ManagedAccts,
    MarketDepth,
    MarketDepthL2,
    NextValidId,
    OrderStatus,
    TickByTickBidAsk,
    TickByTickLast,
    TickByTickMidPoint,
    TickPrice,
    TickSize,
)
from ibkr.protocol.models import Contract
from ibkr.protocol.order_models import Execution

SV = 178


def build_messages(n: int, seed: int = 7) -> list[Message]:
    rng = random.Random(seed)
    out: list[Message] = []
    contract = Contract(
        con_id=265598,
        symbol="AAPL",
        sec_type="STK",
        exchange="SMART",
        currency="USD",
        local_symbol="AAPL",
        trading_class="NMS",
    )
    for i in range(n):
        r = rng.random()
        req = 1000 + rng.randrange(100)
        price = round(150 + rng.uniform(-5, 5), 2)
        size = float(rng.randrange(1, 50) * 100)
        if r < 0.40:
            out.append(
                TickPrice(
                    req_id=req, tick_type=rng.choice((1, 2, 4)), price=price, size=size, attr_mask=rng.choice((0, 1, 3))
                )
            )
        elif r < 0.70:
            out.append(TickSize(req_id=req, tick_type=rng.choice((0, 3, 5, 8)), size=size))
        elif r < 0.85:
            k = rng.random()
            if k < 0.5:
                out.append(
                    TickByTickLast(
                        req_id=req,
                        tick_type=1,
                        time=1700000000 + i,
                        price=price,
                        size=size,
                        attr_mask=0,
                        exchange="NASDAQ",
                        special_conditions="",
                    )
                )
            elif k < 0.9:
                out.append(
                    TickByTickBidAsk(
                        req_id=req,
                        tick_type=3,
                        time=1700000000 + i,
                        bid_price=price - 0.01,
                        ask_price=price + 0.01,
                        bid_size=size,
                        ask_size=size + 100,
                        attr_mask=0,
                    )
                )
            else:
                out.append(TickByTickMidPoint(req_id=req, tick_type=4, time=1700000000 + i, mid_point=price))
        elif r < 0.95:
            if rng.random() < 0.5:
                out.append(
                    MarketDepth(
                        req_id=req,
                        position=rng.randrange(10),
                        operation=rng.randrange(3),
                        side=rng.randrange(2),
                        price=price,
                        size=size,
                    )
                )
            else:
                out.append(
                    MarketDepthL2(
                        req_id=req,
                        position=rng.randrange(10),
                        market_maker="NSDQ",
                        operation=rng.randrange(3),
                        side=rng.randrange(2),
                        price=price,
                        size=size,
                        is_smart_depth=True,
                    )
                )
        elif rng.random() < 0.7:
            out.append(
                OrderStatus(
                    order_id=i,
                    status="Submitted",
                    filled=Decimal(0),
                    remaining=Decimal(100),
                    avg_fill_price=0.0,
                    perm_id=600745656 + i,
                    parent_id=0,
                    last_fill_price=0.0,
                    client_id=1,
                    why_held="",
                    mkt_cap_price=0.0,
                )
            )
        else:
            ex = Execution(
                exec_id=f"0000e0d5.67fe{i:04x}.01.01",
                time="20250415  19:38:31",
                acct_number="DU1234567",
                exchange="IEX",
                side="BOT",
                shares=Decimal(100),
                price=price,
                perm_id=600745656 + i,
                client_id=1,
                order_id=i,
                cum_qty=Decimal(100),
                avg_price=price,
            )
            out.append(ExecutionData(req_id=-1, contract=contract, execution=ex))
    return out


def encode_stream(msgs: list[Message]) -> bytes:
    client, server = ClientConnection(max_version=SV), ServerConnection()
    server.receive_data(client.initiate())
    server.next_event()
    server.accept("20250101 00:00:00 EST")
    return b"".join(server.send(m) for m in msgs)  # type: ignore[arg-type]


def chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


# --- the three decoders ----------------------------------------------------------------------


def run_ibkr(reads: list[bytes], use_native: bool = True) -> Counter[str]:
    client, server = ClientConnection(max_version=SV, native=use_native), ServerConnection()
    server.receive_data(client.initiate())
    server.next_event()
    client.receive_data(server.accept("t"))
    client.next_event()
    server.receive_data(client.start_api(1))
    server.next_event()
    client.receive_data(server.send(ManagedAccts("DU1")) + server.send(NextValidId(1)))
    while client.next_event() is not NEED_DATA:
        pass
    calls: Counter[str] = Counter()

    def handler_for(cls: type) -> Callable[[Any], None]:
        name = cls.__name__

        def on_msg(msg: Any) -> None:
            calls[name] += 1

        return on_msg

    handlers: dict[type, Callable[[Any], None]] = {}
    receive = client.receive_messages
    for data in reads:
        for msg in receive(data):
            h = handlers.get(type(msg))
            if h is None:
                h = handlers[type(msg)] = handler_for(type(msg))
            h(msg)
    return calls


class _NullWrapper:
    """Counts calls per method name; has the attributes ib_async's decoder reads off its wrapper."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.ib = SimpleNamespace(TimezoneTWS="")
        self.defaultTimezone = UTC

    def __getattr__(self, name: str) -> Callable[..., None]:
        calls = self.calls

        def noop(*args: Any) -> None:
            calls[name] += 1

        self.__dict__[name] = noop
        return noop


def run_ib_async(reads: list[bytes]) -> Counter[str]:
    from ib_async.client import Client

    wrapper = _NullWrapper()
    client = Client(wrapper)  # type: ignore[arg-type]
    client._serverVersion = SV
    client.decoder.serverVersion = SV
    client._apiReady = True
    client.connState = Client.CONNECTED
    for data in reads:
        client._onSocketHasData(data)
    del wrapper.calls["tcpDataArrived"], wrapper.calls["tcpDataProcessed"]
    return wrapper.calls


def run_ibapi(reads: list[bytes]) -> Counter[str]:
    from ibapi import comm
    from ibapi.decoder import Decoder

    wrapper = _NullWrapper()
    decoder = Decoder(wrapper, SV)
    buf = b""
    for data in reads:
        buf += data
        while len(buf) > 4:
            _size, text, rest = comm.read_msg(buf)
            if not text:
                break
            buf = rest
            sep = text.index(b"\0")
            msg_id = int(text[:sep])
            fields = comm.read_fields(text[sep + 1 :])
            decoder.interpret(fields, msg_id)
    return wrapper.calls


#: message class -> the callbacks each library makes for one such message
_EXPECTED: dict[str, dict[str, tuple[str, ...]]] = {
    "ib_async": {
        "TickPrice": ("priceSizeTick",),
        "TickSize": ("tickSize",),
        "TickByTickLast": ("tickByTickAllLast",),
        "TickByTickBidAsk": ("tickByTickBidAsk",),
        "TickByTickMidPoint": ("tickByTickMidPoint",),
        "MarketDepth": ("updateMktDepth",),
        "MarketDepthL2": ("updateMktDepthL2",),
        "OrderStatus": ("orderStatus",),
        "ExecutionData": ("execDetails",),
    },
    # the official client reports the size of a BID/ASK/LAST price tick as its own tickSize call
    "ibapi": {
        "TickPrice": ("tickPrice", "tickSize"),
        "TickSize": ("tickSize",),
        "TickByTickLast": ("tickByTickAllLast",),
        "TickByTickBidAsk": ("tickByTickBidAsk",),
        "TickByTickMidPoint": ("tickByTickMidPoint",),
        "MarketDepth": ("updateMktDepth",),
        "MarketDepthL2": ("updateMktDepthL2",),
        "OrderStatus": ("orderStatus",),
        "ExecutionData": ("execDetails",),
    },
}


def expected_calls(msgs: list[Message], library: str) -> Counter[str]:
    per_class = Counter(type(m).__name__ for m in msgs)
    if library.startswith("ibkr"):
        return per_class
    out: Counter[str] = Counter()
    for cls, n in per_class.items():
        for name in _EXPECTED[library][cls]:
            out[name] += n
    return out


class _LogCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1


def run_ibkr_python(reads: list[bytes]) -> Counter[str]:
    return run_ibkr(reads, use_native=False)


RUNNERS: dict[str, Callable[[list[bytes]], Counter[str]]] = {
    "ibkr": run_ibkr,
    "ibkr-py": run_ibkr_python,
    "ib_async": run_ib_async,
    "ibapi": run_ibapi,
}


def measure(library: str, reads: list[bytes], expected: Counter[str], n: int, repeat: int) -> float:
    """Best msg/s of ``repeat`` runs; fails unless every message was reported and nothing logged."""
    fn = RUNNERS[library]
    log = _LogCounter()
    root = logging.getLogger()
    root.addHandler(log)
    best = 0.0
    try:
        for _ in range(repeat):
            gc.collect()
            t0 = time.perf_counter()
            got = fn(reads)
            dt = time.perf_counter() - t0
            if got != expected:
                raise SystemExit(f"{library} reported {dict(got)}, expected {dict(expected)}")
            if log.records:
                raise SystemExit(f"{library} logged {log.records} warnings or errors")
            best = max(best, n / dt)
    finally:
        root.removeHandler(log)
    return best


def _per_type_samples(msgs: list[Message], n: int) -> dict[str, list[Message]]:
    out: dict[str, list[Message]] = {}
    for m in msgs:
        group = out.setdefault(type(m).__name__, [])
        if len(group) < n:
            group.append(m)
    return dict(sorted(out.items()))


def by_type(
    samples: dict[str, list[Message]], libraries: list[str], read_size: int, repeat: int
) -> dict[str, dict[str, float]]:
    """ns per message for each message class alone in the stream (framing included)."""
    table: dict[str, dict[str, float]] = {}
    for cls, subset in samples.items():
        reads = chunks(encode_stream(subset), read_size)
        table[cls] = {
            lib: 1e9 / measure(lib, reads, expected_calls(subset, lib), len(subset), repeat) for lib in libraries
        }
    return table


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--read-size", type=int, default=65536)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip", nargs="*", default=[], choices=["ibkr-py", "ib_async", "ibapi"])
    ap.add_argument("--by-type", action="store_true", help="also time each message type alone")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    msgs = build_messages(args.messages)
    data = encode_stream(msgs)
    reads = chunks(data, args.read_size)
    results: dict[str, Any] = {
        "messages": args.messages,
        "bytes": len(data),
        "read_size": args.read_size,
        "server_version": SV,
        "python": sys.version.split()[0],
    }
    # "ibkr" is what a client gets by default: the compiled decoder where it is built;
    # "ibkr-py" the pure-Python decoders (the same as "ibkr" where the extension is not built)
    results["native"] = native.ENABLED
    skip = set(args.skip) | (set() if native.ENABLED else {"ibkr-py"})
    libraries = ["ibkr", *(lib for lib in ("ibkr-py", "ib_async", "ibapi") if lib not in skip)]
    expected = {lib: expected_calls(msgs, lib) for lib in libraries}
    samples = _per_type_samples(msgs, 20_000) if args.by_type else {}
    # The input messages are not needed while timing: drop them and freeze what is left, so that
    # the cyclic GC does not walk a million set-up objects whenever a decoder's results survive
    # a young collection (which would tax the library that returns messages in a list the most).
    del msgs
    gc.collect()
    gc.freeze()
    for lib in libraries:
        results[lib] = measure(lib, reads, expected[lib], args.messages, args.repeat)
    if args.by_type:
        results["ns_per_message"] = by_type(samples, libraries, args.read_size, args.repeat)
    if args.json:
        print(json.dumps(results, indent=2))
        return results
    print(
        f"{args.messages:,} messages, {len(data):,} bytes, reads of {args.read_size} bytes, sv {SV}, "
        f"Python {results['python']}, compiled decoder {'on' if native.ENABLED else 'off (not built)'}"
    )
    print(f"{'decoder':<12}{'msg/s':>14}{'ibkr is':>12}")
    for name in libraries:
        ratio = results["ibkr"] / results[name]
        print(f"{name:<12}{results[name]:>14,.0f}{ratio:>11.2f}x")
    if args.by_type:
        print(f"\n{'ns/message':<20}" + "".join(f"{lib:>12}" for lib in libraries))
        for cls, row in results["ns_per_message"].items():
            print(f"{cls:<20}" + "".join(f"{row[lib]:>12,.0f}" for lib in libraries))
    return results


if __name__ == "__main__":
    main()
