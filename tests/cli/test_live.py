"""``ibkr live`` in a pseudo-terminal: it draws its sections in place and ends by itself after
--seconds, or on "q"."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.cli.helpers import TIMEOUT, Terminal, clean_env

SECTIONS = ("CONNECTIONS", "QUOTES", "ORDERS", "LATENCY")


def test_draws_sections_and_ends_after_seconds(sim_port: int) -> None:
    term = Terminal("live", "--port", str(sim_port), "--client-id", "51", "--seconds", "2", "--interval", "0.2")
    code = term.close()
    screen = term.screen.decode(errors="replace")
    assert code == 0, screen
    assert "Traceback" not in screen
    for section in SECTIONS:
        assert section in screen
    assert "\x1b[?1049h" in screen and "\x1b[?1049l" in screen  # alternate screen entered and left
    assert screen.count("\x1b[H") >= 3  # redrawn in place, several frames
    assert "tcp://127.0.0.1:" in screen and "AAPL" in screen and "request_rtt" in screen
    assert "ibkr live:" in screen.rsplit("\x1b[?1049l", 1)[1]  # the summary after leaving


def test_quits_on_q(sim_port: int) -> None:
    term = Terminal("live", "MSFT", "--port", str(sim_port), "--client-id", "52")
    try:
        assert term.read_until(b"QUOTES"), term.screen
        assert term.read_until(b"MSFT")
        os.write(term.master, b"q")
        code = term.close()
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    assert code == 0
    assert b"ibkr live:" in term.screen


def test_without_a_terminal_prints_frames(sim_port: int) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ibkr", "live", "--port", str(sim_port), "--client-id", "53", "--seconds", "0.5"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stdout
    for section in SECTIONS:
        assert section in proc.stdout
