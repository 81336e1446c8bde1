"""Pending: batching by size and by timeout, conflation, overflow (explicit times, no clock)."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from ibkr.stream import BookState, DepthUpdate, Gap, Pending, Quote, Trade

MS = 1_000_000


def make(
    batch_size: int = 3,
    timeout_ms: float = 10,
    conflation_ms: float = 0,
    max_pending: int = 100,
    policy: str = "drop_oldest",
) -> Pending:
    def resolve(u: Any) -> BookState:
        return BookState(u.symbol, ((1.0, 1.0),), ((2.0, 1.0),), u.recv_ns)

    return Pending(
        batch_size, int(timeout_ms * MS), int(conflation_ms * MS), max_pending, policy, attrgetter("kind"), resolve
    )


def q(i: int, t: int) -> Quote:
    return Quote("X", 100.0 + i, 101.0 + i, 1.0, 1.0, t)


def tr(i: int, t: int) -> Trade:
    return Trade("X", 100.0 + i, float(i), t)


def test_a_full_batch_is_ready_at_once_and_the_rest_waits_for_the_timeout() -> None:
    p = make(batch_size=3, timeout_ms=10)
    ready = [p.add(q(i, 0), 0) for i in range(7)]
    assert ready == [False, False, True, True, True, True, True]
    assert [u.bid for u in p.take(0) or []] == [100, 101, 102]
    assert [u.bid for u in p.take(0) or []] == [103, 104, 105]
    # one left: not due before 10 ms after the first waiting update
    assert p.take(9 * MS) is None
    assert p.deadline() == 10 * MS
    assert [u.bid for u in p.take(10 * MS) or []] == [106]
    assert p.take(100 * MS) is None and not p.waiting and len(p) == 0


def test_timeout_zero_delivers_whatever_waits_at_the_next_flush() -> None:
    p = make(batch_size=100, timeout_ms=0)
    p.add(q(1, 5), 5)
    p.add(tr(2, 5), 5)
    assert p.take(5) == [q(1, 5), tr(2, 5)]


def test_the_timeout_runs_from_the_oldest_waiting_update() -> None:
    p = make(batch_size=100, timeout_ms=10)
    p.add(q(0, 0), 0)
    p.add(q(1, 8 * MS), 8 * MS)
    assert p.take(9 * MS) is None
    assert len(p.take(10 * MS) or []) == 2
    p.add(q(2, 30 * MS), 30 * MS)
    assert p.deadline() == 40 * MS


def test_conflation_keeps_the_latest_per_field_and_the_latest_always_arrives() -> None:
    p = make(batch_size=100, conflation_ms=50)
    delivered: list[Any] = []
    last_flush = 0
    t = 0
    for step in range(1000):
        t = step * MS  # one update per ms, alternating fields
        p.add(q(step, t) if step % 3 else tr(step, t), t)
        batch = p.take(t)
        if batch is not None:
            # one update per field, none received before the interval began
            assert len({u.kind for u in batch}) == len(batch)
            assert all(u.recv_ns >= last_flush for u in batch)
            assert all(t - u.recv_ns <= 50 * MS for u in batch)
            delivered.extend(batch)
            last_flush = t
    final = p.take(t + 50 * MS)
    assert final is not None
    delivered.extend(final)
    # the very last quote and trade were delivered
    assert [u for u in delivered if u.kind == "quote"][-1] == q(998, 998 * MS)
    assert [u for u in delivered if u.kind == "trade"][-1] == tr(999, 999 * MS)
    assert p.conflated == 1000 - len(delivered)


def test_conflated_depth_rows_arrive_as_the_whole_book() -> None:
    p = make(conflation_ms=10)
    for i in range(5):
        p.add(DepthUpdate("X", i, 0, 1, 1.0, 1.0, "", i), i)
    assert p.take(10 * MS) == [BookState("X", ((1.0, 1.0),), ((2.0, 1.0),), 4)]


def test_overflow_drop_oldest_counts_and_bounds() -> None:
    p = make(batch_size=1000, max_pending=10)
    for i in range(25):
        p.add(q(i, i), i)
    assert len(p) == 10 and p.dropped == 15
    assert [u.bid for u in p.take(0, force=True) or []] == [100.0 + i for i in range(15, 25)]


def test_overflow_conflate_folds_to_the_latest_per_field_in_order() -> None:
    p = make(batch_size=1000, max_pending=4, policy="conflate")
    for i in range(10):
        p.add(q(i, i), i)
        p.add(tr(i, i), i)
    p.add(Gap("X", 1, 2, "reconnected", 20), 20)
    assert len(p) <= 4
    batch = p.take(0, force=True) or []
    assert q(9, 9) in batch and tr(9, 9) in batch and batch[-1].kind == "gap"
    assert p.conflated == 20 - 2
    assert p.dropped == 0 and len(p) == 0
    # caught up: back to plain batching
    p.add(q(50, 50), 50)
    p.add(q(51, 51), 51)
    assert p.take(0, force=True) == [q(50, 50), q(51, 51)]
