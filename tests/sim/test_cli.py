"""The ``ibkr sim`` command as a subprocess: it prints its listening lines, serves clients, takes
fault commands on stdin, and ends with exit code 0 on SIGINT / SIGTERM."""

from __future__ import annotations

import asyncio
import re
import signal
import sys

import pytest

from ibkr.cli import SUBCOMMANDS, build_parser
from ibkr.protocol.messages.system import CurrentTime, ReqCurrentTime
from tests.sim.wire import TIMEOUT, Wire


async def _start(*args: str) -> tuple[asyncio.subprocess.Process, list[int]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ibkr.cli", "sim", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    ports = []
    for _ in range(args.count("--port")):
        line = (await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)).decode()
        match = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", line)
        assert match, line
        ports.append(int(match.group(1)))
    return proc, ports


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
async def test_sim_command_serves_until_interrupted(sig: signal.Signals) -> None:
    proc, (port,) = await _start("--port", "0", "--seed", "3", "--tick-rate", "50")
    w = await Wire.connect(port, 1)
    w.send(ReqCurrentTime())
    await w.expect(CurrentTime)
    proc.send_signal(sig)
    assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0
    await w.closed()
    await w.close()


async def test_fault_commands_on_stdin_and_at_start() -> None:
    proc, (a, b) = await _start("--port", "0", "--port", "0", "--fault", "delay-acks=0", "--control-stdin")
    assert proc.stdout is not None and proc.stdin is not None
    assert (await proc.stdout.readline()).startswith(b"ok: acks delayed")
    w = await Wire.connect(b, 4)
    proc.stdin.write(b"notice 1100,1102\nbogus\ndrop 4\n")
    await proc.stdin.drain()
    await w.error(1100)
    await w.error(1102)
    await w.closed()
    assert (await proc.stdout.readline()).startswith(b"ok: notices sent to 1")
    assert (await proc.stdout.readline()).startswith(b"error: unknown command 'bogus'")
    assert (await proc.stdout.readline()).startswith(b"ok: dropped 1")
    proc.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0
    assert a != b
    await w.close()


def test_entry_point_has_a_subcommand_table() -> None:
    assert "sim" in SUBCOMMANDS
    args = build_parser().parse_args(["sim", "--port", "4002", "--port", "4003", "--pacing-limit", "0"])
    assert args.port == [4002, 4003] and args.pacing_limit == 0 and callable(args.run)
