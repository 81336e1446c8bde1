"""Event loops: uvloop when it is installed (the ``uvloop`` extra), asyncio's own otherwise.

``ibkr.runtime.run(main())`` is ``asyncio.run`` on the fastest loop available;
``new_event_loop()`` is the same choice for code that manages its loop (BlockingClient, the
``ibkr`` command). ``IBKR_LOOP=asyncio`` forces the standard loop (to compare, or to debug).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["run", "new_event_loop", "loop_name", "loop_factory"]

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    if os.environ.get("IBKR_LOOP", "").lower() != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
            return factory
    return asyncio.new_event_loop


def new_event_loop() -> asyncio.AbstractEventLoop:
    return loop_factory()()


def loop_name(loop: asyncio.AbstractEventLoop | None = None) -> str:
    loop = loop or asyncio.get_running_loop()
    return f"{type(loop).__module__}.{type(loop).__name__}"


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)`` on uvloop when installed."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(coro)
