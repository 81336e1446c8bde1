"""``ibkr sim --loop``: the simulator serves orders on asyncio's own loop and on uvloop, says which
loop it runs on in ``status``, and refuses an unknown loop name."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys

import pytest

from ibkr.protocol.messages.orders import OrderStatus, PlaceOrder
from ibkr.protocol.models import Contract
from ibkr.protocol.order_models import Order
from tests.sim.wire import TIMEOUT, Wire

AAPL = Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD")

LOOPS = [("asyncio", "asyncio.unix_events._UnixSelectorEventLoop")]
try:
    import uvloop  # noqa: F401
except ImportError:  # pragma: no cover - uvloop is an optional extra
    pass
else:
    LOOPS.append(("uvloop", "uvloop.Loop"))


@pytest.mark.parametrize(("loop", "expected"), LOOPS)
async def test_sim_serves_orders_on_the_chosen_loop(loop: str, expected: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ibkr", "sim", "--port", "0", "--loop", loop, "--control-stdin",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdin is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)).decode()
    match = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", line)
    assert match, line
    w = await Wire.connect(int(match.group(1)), 1)
    w.send(PlaceOrder(1, AAPL, Order(action="BUY", total_quantity=1, order_type="MKT")))
    await w.expect(OrderStatus, lambda s: s.status == "Filled")
    proc.stdin.write(b"status\n")
    await proc.stdin.drain()
    status = (await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)).decode()
    assert status.startswith("ok: ") and "clients=[1]" in status and status.endswith(f"; loop {expected}\n")
    proc.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0
    await w.close()


def test_an_unknown_loop_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ibkr", "sim", "--port", "0", "--loop", "trio"], capture_output=True, timeout=60
    )
    assert done.returncode == 2 and b"invalid choice: 'trio'" in done.stderr
