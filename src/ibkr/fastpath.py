"""The compiled hot path of the client's dispatch and of the data stream's L1 and depth updates.

``_fastpath`` (``_fastpath.c``, built at install time when a C compiler is there, like the
compiled decoder of ``ibkr.protocol.native``) runs the client's dispatch loop (``dispatch``: each
message of a read to its handler, in order) and applies the TICK_PRICE / TICK_SIZE messages of the
request ids a data stream routes to a ``SymbolState`` itself (``apply_l1``), with exactly the
effects of ``SymbolState.on_l1`` on the same Python objects, and their MARKET_DEPTH /
MARKET_DEPTH_L2 rows with those of ``SymbolState.on_depth`` (``apply_depth``). Where it cannot (a type it does not
know, a slot that holds something unusual), it changes nothing and the message takes the Python
path, so the result never depends on which path ran; the test suite runs random message
sequences through both and compares every slot.

``DISPATCH`` / ``APPLY_L1`` are ``None`` when the extension is not built, or when
``IBKR_PURE_PYTHON`` is set to a non-empty value other than ``0`` (as for the decoder).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ibkr.protocol.native import PURE_PYTHON

__all__ = ["AVAILABLE", "ENABLED", "DISPATCH", "APPLY_L1", "APPLY_DEPTH", "DONE", "step", "bind_l1", "bind_depth"]


def _load() -> Any:
    try:
        return importlib.import_module("ibkr._fastpath")
    except ImportError:  # built without a C compiler: pure Python
        return None


_fastpath = _load()

#: the extension is built and importable
AVAILABLE = _fastpath is not None
#: ... and not ruled out by IBKR_PURE_PYTHON
ENABLED = AVAILABLE and not PURE_PYTHON
#: ``dispatch(msgs, handlers, slot, sinks, batch_ns, other)`` when ENABLED, else None
DISPATCH: Callable[..., None] | None = _fastpath.dispatch if ENABLED else None
#: ``apply_l1(state, m, batch_ns) -> bool`` when ENABLED, else None
APPLY_L1: Callable[[Any, Any, int], bool] | None = _fastpath.apply_l1 if ENABLED else None
#: ``apply_depth(state, m, batch_ns) -> bool`` when ENABLED, else None
APPLY_DEPTH: Callable[[Any, Any, int], bool] | None = _fastpath.apply_depth if ENABLED else None


#: what ``step`` returns for a coroutine that finished
DONE: object = _fastpath.DONE if ENABLED else object()


def _step(coro: Any) -> Any:
    try:
        return coro.send(None)
    except StopIteration:
        return DONE


#: ``step(coro)``: ``coro.send(None)``, but ``DONE`` instead of raising StopIteration when the
#: coroutine finishes (the compiled one skips the exception: ~0.5 us a call); errors propagate
step: Callable[[Any], Any] = _fastpath.step if ENABLED else _step


def bind_l1(*args: Any) -> None:
    """The classes and tick tables ``apply_l1`` works on (``_fastpath.pyi``); nothing without
    the extension."""
    if _fastpath is not None:
        _fastpath.bind_l1(*args)


def bind_depth(*args: Any) -> None:
    """The classes ``apply_depth`` works on (``_fastpath.pyi``; after ``bind_l1``); nothing
    without the extension."""
    if _fastpath is not None:
        _fastpath.bind_depth(*args)
