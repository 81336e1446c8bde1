"""Type stub of the compiled hot path (``_fastpath.c``); ``fastpath.py`` is its Python face."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

def dispatch(
    msgs: Sequence[Any],
    handlers: Mapping[type, Callable[[int, Any], Any]],
    slot: int,
    sinks: Mapping[int, Any],
    batch_ns: int,
    other: Callable[[int, Any], Any],
    /,
) -> None: ...

DONE: object

def step(coro: Any, /) -> Any: ...
def apply_l1(state: Any, m: Any, batch_ns: int, /) -> bool: ...
def bind_l1(
    tick_price: type,
    tick_size: type,
    state: type,
    snapshot: type,
    ring: type,
    trade_tag: str,
    quote_tag: str,
    price_actions: dict[int, int],
    size_actions: dict[int, int],
    /,
) -> None: ...
def apply_depth(state: Any, m: Any, batch_ns: int, /) -> bool: ...
def bind_depth(
    market_depth: type, market_depth_l2: type, book: type, level: type, ring: type, depth_tag: str, /
) -> None: ...
