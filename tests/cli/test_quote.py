"""``ibkr quote`` against ``ibkr sim``."""

from __future__ import annotations

import json
import re
import signal

from tests.cli.helpers import Terminal, ibkr


def test_once_prints_a_table(sim_port: int) -> None:
    r = ibkr("quote", "AAPL", "msft", "--once", "--port", str(sim_port), "--client-id", "21")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].split()[:4] == ["symbol", "bid", "ask", "last"]
    assert re.match(r"AAPL\s+\d+\.\d\d\s+\d+\.\d\d", lines[2])
    assert re.match(r"MSFT\s+\d+\.\d\d\s+\d+\.\d\d", lines[3])


def test_once_json(sim_port: int) -> None:
    r = ibkr("quote", "SPY", "--once", "--json", "--port", str(sim_port), "--client-id", "22")
    assert r.code == 0, r.err
    [q] = json.loads(r.out)
    assert q["symbol"] == "SPY" and q["con_id"] > 0
    assert 0 < q["bid"] <= q["ask"]


def test_seconds_streams_json_lines_and_ends(sim_port: int) -> None:
    r = ibkr(
        "quote", "AAPL", "--seconds", "1", "--interval", "0.2", "--json", "--port", str(sim_port), "--client-id", "23"
    )
    assert r.code == 0, r.err
    frames = [json.loads(line) for line in r.out.splitlines()]
    assert len(frames) >= 3
    assert frames[-1][0]["updates"] > frames[0][0]["updates"]


def test_unknown_symbol(sim_port: int) -> None:
    r = ibkr("quote", "AAPL", "NOSUCH", "--once", "--port", str(sim_port), "--client-id", "24")
    assert r.code == 5
    assert r.out == ""
    assert r.err.strip().splitlines() == [
        "ibkr quote: error: unknown symbol 'NOSUCH': No security definition has been found for the request "
        "(TWS error 200)"
    ]


def test_redraws_in_place_on_a_terminal_and_ends_on_ctrl_c(sim_port: int) -> None:
    term = Terminal("quote", "AAPL", "--interval", "0.1", "--port", str(sim_port), "--client-id", "25")
    try:
        assert term.read_until(b"AAPL"), term.screen
        assert term.read_until(b"\x1b[3F\x1b[J")  # the next frame moved up over the 3-line table
        term.proc.send_signal(signal.SIGINT)
        code = term.close()
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    assert code == 0
    assert b"Traceback" not in term.screen
