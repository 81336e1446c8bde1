"""``ibkr bench``: runs the benchmarks of the checkout (bench_decode, quick sizes)."""

from __future__ import annotations

import json
import re

from tests.cli.helpers import ibkr


def test_list() -> None:
    r = ibkr("bench", "--list")
    assert r.code == 0, r.err
    assert "bench_decode" in r.out.split()


def test_quick_decode_prints_ratios() -> None:
    r = ibkr("bench", "--quick", "bench_decode")
    assert r.code == 0, r.err
    assert "[1/1] bench_decode" in r.err  # progress
    assert re.search(r"^ibkr\s+[\d,]+\s+1\.00x$", r.out, re.M)
    for rival in ("ib_async", "ibapi"):  # both are test dependencies
        assert re.search(rf"^{rival}\s+[\d,]+\s+\d+\.\d\dx$", r.out, re.M), rival


def test_json() -> None:
    r = ibkr("bench", "--quick", "bench_decode", "--json")
    assert r.code == 0, r.err
    result = json.loads(r.out)["bench_decode"]
    assert result["ibkr"] > 0 and result["messages"] == 30000


def test_unknown_benchmark() -> None:
    r = ibkr("bench", "bench_nothing")
    assert r.code == 2 and "no benchmark bench_nothing" in r.err
