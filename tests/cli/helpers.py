"""Helpers of the ``ibkr`` command tests: run ``python -m ibkr ...`` as a subprocess (no IB_*
variable inherited), a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass

#: every subprocess is bounded: a hang is a failure, not a stuck suite
TIMEOUT = 30


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IB_") and k != "IBKR_DEBUG"}
    env.update(extra)
    return env


@dataclass
class Result:
    code: int
    out: str
    err: str


def ibkr(*args: str, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "ibkr", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or clean_env(),
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def free_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port
