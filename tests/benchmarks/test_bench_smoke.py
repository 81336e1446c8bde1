"""Smoke tests of the client and gateway benchmarks: each script runs end to end at tiny sizes
(its own simulator process, every library) and prints the keys its report is built from. No
timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(180)


def run_json(module: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", module, *args, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_bench_client_runs() -> None:
    r = run_json("benchmarks.bench_client", "--orders", "20", "--rounds", "2", "--warmup", "2", "--seconds", "1")
    assert r["libraries"] == ["ibkr", "ib_async", "ibapi"]
    for lib in r["libraries"]:
        ack = r["ack_us"][lib]
        assert ack["await"]["count"] == 20 and ack["callback"]["count"] == 20
        assert {"p50", "p90", "p99", "max"} <= set(ack["await"])
    for lib in ("ibkr", "ib_async"):
        assert set(r["ack_us"][lib]["parts"]) == {
            "place_to_write",
            "write_to_sim_send",
            "sim_send_to_callback",
            "callback_to_await",
        }
        ticks = r["ticks_us"][lib]
        assert ticks["one_way"]["count"] > 0 and ticks["send_to_callback"]["count"] > 0
    assert r["ibkr_order_ack_histogram_us"]["count"] >= 20
    assert r["ibkr_tick_to_callback_histogram_us"]["count"] > 0
    assert r["loop"]


def test_bench_gateway_runs() -> None:
    r = run_json("benchmarks.bench_gateway", "--requests", "20", "--seconds", "1", "--symbols", "3", "--depth", "1")
    assert set(r["pools"]) == {"1", "5"}
    for n, pool in r["pools"].items():
        for kind in ("historical", "snapshot"):
            assert pool[kind]["requests"] == 20 and pool[kind]["failed"] == 0
            assert sum(pool[kind]["sent_per_connection"]) == 20
            assert len(pool[kind]["sent_per_connection"]) == int(n)
        assert pool["messages"]["messages"] > 0
        assert {"per_second", "drained_per_second", "dropped", "per_connection"} <= set(pool["messages"])
        assert len(pool["pacing_violations"]) == int(n)  # counted (how many depends on scheduling)
