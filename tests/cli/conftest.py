"""Fixtures of the ``ibkr`` command tests: ``ibkr sim`` in its own process, one per module."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.cli.helpers import clean_env


@pytest.fixture(scope="module")
def sim_port() -> Iterator[int]:
    """``ibkr sim --port 0`` in its own process; its port."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ibkr", "sim", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env=clean_env(),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert m, f"unexpected first line from ibkr sim: {line!r}"
        yield int(m.group(1))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
