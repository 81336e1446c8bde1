"""What waits between the socket and one consumer: batching, conflation and overflow (sans-I/O).

``Pending`` holds the updates accepted for one subscription until they are delivered. Times are
passed in (monotonic ns), so the rules are tested without a clock:

* **Batching** (``conflation_ns == 0``): a batch is ready as soon as ``batch_size`` updates wait,
  or once the oldest waiting update has waited ``timeout_ns`` (0: at the end of the socket read
  that brought it). Every update is delivered, in order, at most ``batch_size`` per batch.
* **Conflation** (``conflation_ns > 0``): only the latest update per field (trade, quote, depth,
  gap) is kept; the interval starts with the first update after a delivery and everything kept is
  delivered when it ends. So the latest value always arrives, and nothing delivered is older than
  one interval. Depth rows cannot be merged (an insert shifts the levels below it), so the depth
  field is delivered as the whole book (``resolve_depth`` turns the last row into a BookState).
* **Overflow**: at most ``max_pending`` updates wait. Past that, ``"drop_oldest"`` drops the
  oldest (counted in ``dropped``); ``"conflate"`` folds what waits into the latest per field (the
  folded updates counted in ``conflated``) until the consumer has caught up.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from ibkr.stream.events import DEPTH

__all__ = ["Pending"]


class Pending:
    __slots__ = (
        "_kind_of",
        "_resolve_depth",
        "batch_size",
        "conflate_overflow",
        "conflated",
        "conflation_ns",
        "dropped",
        "first_ns",
        "items",
        "latest",
        "max_pending",
        "timeout_ns",
    )

    def __init__(
        self,
        batch_size: int,
        timeout_ns: int,
        conflation_ns: int,
        max_pending: int,
        overflow_policy: str,
        kind_of: Callable[[Any], str],
        resolve_depth: Callable[[Any], Any],
    ) -> None:
        self.batch_size = batch_size
        self.timeout_ns = timeout_ns
        self.conflation_ns = conflation_ns
        self.max_pending = max_pending
        self.conflate_overflow = overflow_policy == "conflate"
        self._kind_of = kind_of
        self._resolve_depth = resolve_depth
        #: waiting updates in order (batching)
        self.items: deque[Any] = deque()
        #: field -> latest update (conflation, or conflating overflow)
        self.latest: dict[str, Any] = {}
        #: monotonic ns of the oldest waiting update (-1: nothing waits)
        self.first_ns = -1
        self.dropped = 0
        self.conflated = 0

    def __len__(self) -> int:
        return len(self.items) + len(self.latest)

    @property
    def waiting(self) -> bool:
        return self.first_ns >= 0

    def add(self, u: Any, now_ns: int) -> bool:
        """Queue one update; True when a batch is ready at once (``batch_size`` reached)."""
        if self.first_ns < 0:
            self.first_ns = now_ns
        latest = self.latest
        if self.conflation_ns or latest:
            kind = self._kind_of(u)
            if kind in latest:
                self.conflated += 1
            latest[kind] = u
            return False
        items = self.items
        if len(items) >= self.max_pending:
            if self.conflate_overflow:
                self._fold()
                return self.add(u, now_ns)
            items.popleft()
            self.dropped += 1
        items.append(u)
        return len(items) >= self.batch_size

    def _fold(self) -> None:
        items, latest, kind_of = self.items, self.latest, self._kind_of
        n = len(items)
        for u in items:
            latest[kind_of(u)] = u
        items.clear()
        self.conflated += n - len(latest)

    def deadline(self) -> int:
        """Monotonic ns when what waits is due (-1: nothing waits)."""
        if self.first_ns < 0:
            return -1
        if self.conflation_ns:
            return self.first_ns + self.conflation_ns
        return self.first_ns + self.timeout_ns

    def take(self, now_ns: int, force: bool = False) -> list[Any] | None:
        """The next batch to deliver at ``now_ns`` (or at once with ``force``), else None."""
        if self.first_ns < 0:
            return None
        items, latest = self.items, self.latest
        if not force and now_ns < self.deadline() and len(items) < self.batch_size:
            return None
        size = self.batch_size
        if latest:
            if len(latest) <= size:
                batch = list(latest.values())
                latest.clear()
            else:
                keys = list(latest)[:size]
                batch = [latest.pop(k) for k in keys]
            batch = [self._resolve_depth(u) if self._kind_of(u) == DEPTH else u for u in batch]
            if not latest and items:
                # the overflow fold took the older updates; the newer ones follow in order
                batch.extend(items.popleft() for _ in range(min(len(items), size - len(batch))))
        elif len(items) <= size:
            batch = list(items)
            items.clear()
        else:
            batch = [items.popleft() for _ in range(size)]
        if not items and not latest:
            self.first_ns = -1
        return batch
