"""``ibkr latency`` against ``ibkr sim``."""

from __future__ import annotations

import json
import re

from tests.cli.helpers import ibkr


def test_latency_report(sim_port: int) -> None:
    r = ibkr("latency", "--count", "5", "--orders", "2", "--port", str(sim_port), "--client-id", "41")
    assert r.code == 0, r.err
    assert r.out.startswith(f"latency of a session with 127.0.0.1:{sim_port} (microseconds)")
    for name, count in (("connect", 1), ("order_ack", 2), ("order_cancel", 2)):
        assert re.search(rf"^{name}\s+{count}\s+[\d,.]+\s+[\d,.]+", r.out, re.M), name
    assert re.search(r"^request_rtt\s+\d+\s+[\d,.]+", r.out, re.M)


def test_latency_json_without_orders(sim_port: int) -> None:
    r = ibkr("latency", "--count", "3", "--orders", "0", "--json", "--port", str(sim_port), "--client-id", "42")
    assert r.code == 0, r.err
    report = json.loads(r.out)["latency_us"]
    assert report["request_rtt"]["count"] >= 3 and report["request_rtt"]["p50"] > 0
    assert report["order_ack"]["count"] == 0
