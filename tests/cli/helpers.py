"""Helpers of the ``ibkr`` command tests: run ``python -m ibkr ...`` as a subprocess (no IB_*
variable inherited), a free loopback port, a program in a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import socket
import subprocess
import sys
import time
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


class Terminal:
    """``python -m ibkr ARGS`` with a pseudo-terminal as stdin, stdout and stderr."""

    def __init__(self, *args: str) -> None:
        master, slave = pty.openpty()
        self.master = master
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ibkr", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=clean_env(TERM="xterm"),
            close_fds=True,
        )
        os.close(slave)
        self.screen = b""

    def read_until(self, text: bytes, timeout: float = TIMEOUT) -> bool:
        """Read the output until ``text`` appeared or the program ended (EOF)."""
        deadline = time.monotonic() + timeout
        while text not in self.screen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: every handle of the slave side is closed
                return text in self.screen
            if not chunk:
                break
            self.screen += chunk
        return text in self.screen

    def close(self) -> int:
        self.read_until(b"\x00never\x00", timeout=TIMEOUT)  # drain to EOF
        code = self.proc.wait(TIMEOUT)
        os.close(self.master)
        return code
