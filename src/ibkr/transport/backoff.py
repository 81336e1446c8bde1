"""Reconnection timing: jittered exponential backoff and the TWS-aware ``ReconnectPolicy``.

Both are pure: no clock, no sleeping, randomness from an injected ``random.Random``. The caller
asks for the next delay and does the waiting itself.

``Backoff`` grows ``initial * factor**n`` up to ``maximum`` and jitters it: ``"full"`` draws from
``[floor, base]`` (AWS "full jitter", best at spreading a herd of clients), ``"equal"`` from
``[base / 2, base]`` (never less than half the base), ``"none"`` returns the base. Every delay is
at least ``floor`` > 0: no tight loop, ever.

``ReconnectPolicy`` adds what TWS needs:
* error 326 (client id already in use): TWS drops the old session only after a moment, so the next
  attempt waits at least ``client_id_in_use_delay``; with several ``client_ids`` configured it
  moves on to the next one (wrapping around), since the old session may never go away (another
  program may own that id);
* every delay is at least ``min_delay``; ``max_attempts`` optionally gives up;
* a successful connection resets the backoff and keeps the client id that worked.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["Backoff", "Jitter", "ReconnectPolicy", "Retry", "CLIENT_ID_IN_USE"]

Jitter = Literal["full", "equal", "none"]

CLIENT_ID_IN_USE = 326  # ERR_MSG code; tws-protocol.md 2.6 / 7


class Backoff:
    """Jittered exponential backoff (module docstring). ``attempts`` counts ``next_delay`` calls
    since the last ``reset``."""

    __slots__ = ("attempts", "factor", "floor", "initial", "jitter", "maximum", "rng")

    def __init__(
        self,
        initial: float = 0.5,
        maximum: float = 30.0,
        factor: float = 2.0,
        jitter: Jitter = "full",
        rng: random.Random | None = None,
        floor: float = 0.05,
    ) -> None:
        if floor <= 0:
            raise ValueError("floor must be > 0: a zero delay is a tight loop")
        if not 0 < initial <= maximum:
            raise ValueError("need 0 < initial <= maximum")
        if factor < 1:
            raise ValueError("factor must be >= 1")
        if jitter not in ("full", "equal", "none"):
            raise ValueError(f"unknown jitter {jitter!r}")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter: Jitter = jitter
        self.rng = rng if rng is not None else random.Random()
        self.floor = floor
        self.attempts = 0

    def base(self, attempt: int) -> float:
        """The un-jittered delay of attempt number ``attempt`` (0-based), capped at ``maximum``."""
        if self.factor == 1:
            return self.initial
        # Compare exponents first: factor**attempt alone overflows a float after ~1000 attempts.
        if attempt >= math.log(self.maximum / self.initial, self.factor):
            return self.maximum
        return min(self.initial * self.factor**attempt, self.maximum)

    def next_delay(self) -> float:
        b = self.base(self.attempts)
        self.attempts += 1
        if self.jitter == "full":
            d = self.rng.uniform(self.floor, b) if b > self.floor else b
        elif self.jitter == "equal":
            d = b / 2 + self.rng.uniform(0, b / 2)
        else:
            d = b
        return max(d, self.floor)

    def reset(self) -> None:
        self.attempts = 0


@dataclass(frozen=True, slots=True)
class Retry:
    """What to do next: wait ``delay`` seconds, then connect with ``client_id``. ``attempt`` is
    1 for the first retry after a failure."""

    delay: float
    client_id: int
    attempt: int


class ReconnectPolicy:
    """When and as whom to reconnect to TWS (module docstring).

    Call ``on_failure(error_code)`` after a failed connect or a lost connection (``error_code``:
    the TWS code that ended it, e.g. 326, or None); it returns a ``Retry`` or None (give up).
    Call ``on_connected()`` once a connection is ready.
    """

    def __init__(
        self,
        client_ids: Sequence[int] = (0,),
        *,
        backoff: Backoff | None = None,
        min_delay: float = 0.25,
        client_id_in_use_delay: float = 2.0,
        rotate_client_id: bool = True,
        max_attempts: int | None = None,
    ) -> None:
        if not client_ids:
            raise ValueError("at least one client id is needed")
        if min_delay <= 0:
            raise ValueError("min_delay must be > 0: a zero delay is a tight loop")
        if max_attempts is not None and max_attempts < 0:
            raise ValueError("max_attempts must be >= 0 or None")
        self.client_ids = tuple(client_ids)
        self.backoff = backoff if backoff is not None else Backoff()
        self.min_delay = min_delay
        self.client_id_in_use_delay = client_id_in_use_delay
        self.rotate_client_id = rotate_client_id
        self.max_attempts = max_attempts
        self._index = 0
        self.attempts = 0  # failures since the last successful connection
        self.last_error: int | None = None

    @property
    def client_id(self) -> int:
        """The client id for the next connection attempt."""
        return self.client_ids[self._index]

    @property
    def exhausted(self) -> bool:
        return self.max_attempts is not None and self.attempts >= self.max_attempts

    def on_failure(self, error_code: int | None = None) -> Retry | None:
        self.last_error = error_code
        if self.exhausted:
            return None
        self.attempts += 1
        delay = max(self.backoff.next_delay(), self.min_delay)
        if error_code == CLIENT_ID_IN_USE:
            delay = max(delay, self.client_id_in_use_delay)
            if self.rotate_client_id:
                self._index = (self._index + 1) % len(self.client_ids)
        return Retry(delay=delay, client_id=self.client_id, attempt=self.attempts)

    def on_connected(self) -> None:
        self.attempts = 0
        self.last_error = None
        self.backoff.reset()

    def reset(self) -> None:
        """Back to the first client id and a fresh backoff."""
        self.on_connected()
        self._index = 0
