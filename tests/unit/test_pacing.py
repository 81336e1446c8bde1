"""Pacer (sans-I/O) and AsyncPacer: rate per sliding second, priorities, FIFO, no sleeping."""

from __future__ import annotations

import asyncio
import bisect

import pytest

from ibkr.transport.pacing import AsyncPacer, Pacer, Priority


class Clock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def drain(pacer: Pacer[int], clock: Clock) -> list[tuple[float, int]]:
    """Run the pacer to empty the way a transport would: ready(), then jump to next_release()."""
    out: list[tuple[float, int]] = []
    while True:
        out.extend((clock.t, item) for item in pacer.ready(clock.t))
        when = pacer.next_release(clock.t)
        if when is None:
            return out
        assert when > clock.t  # never asked to spin
        clock.t = when


def max_in_any_window(times: list[float], width: float) -> int:
    # The busiest half-open window [t, t + width) starts at a send time.
    return max(bisect.bisect_left(times, t + width) - i for i, t in enumerate(times))


@pytest.mark.parametrize("rate", [50, 45, 7])
def test_500_at_once_never_exceed_rate_in_any_second(rate: int) -> None:
    clock = Clock()
    pacer: Pacer[int] = Pacer(rate=rate, clock=clock)
    for i in range(500):
        pacer.enqueue(i, Priority.DATA)
    sent = drain(pacer, clock)
    assert [item for _, item in sent] == list(range(500))
    times = [t for t, _ in sent]
    assert max_in_any_window(times, 1.0) == rate
    # and no slower than needed: rate per second, back to back
    assert times[-1] - times[0] == pytest.approx((500 - 1) // rate)
    stats = pacer.statistics()
    assert stats.sent == 500
    assert stats.delayed == 500 - rate
    assert stats.max_delay == pytest.approx((500 - 1) // rate)
    assert stats.queued == {Priority.ORDER: 0, Priority.CONTROL: 0, Priority.DATA: 0}


def test_rate_holds_for_irregular_arrivals() -> None:
    clock = Clock()
    pacer: Pacer[int] = Pacer(rate=50, clock=clock)
    sent: list[float] = []
    n = 0
    for step in range(400):  # offers in bursts at uneven times, polling in between
        clock.t = 1000.0 + step * 0.037
        for _ in range(step % 5):
            pacer.enqueue(n, Priority(n % 3))
            n += 1
        sent.extend(clock.t for _ in pacer.ready(clock.t))
    sent.extend(t for t, _ in drain(pacer, clock))
    assert len(sent) == n
    assert max_in_any_window(sent, 1.0) <= 50


def test_orders_jump_ahead_of_400_queued_data_requests() -> None:
    clock = Clock()
    pacer: Pacer[str] = Pacer(rate=50, clock=clock)
    for i in range(400):
        pacer.enqueue(f"data{i}", Priority.DATA)
    first = pacer.ready(clock.t)
    assert first == [f"data{i}" for i in range(50)]
    pacer.enqueue("ctl", Priority.CONTROL)
    pacer.enqueue("order1", Priority.ORDER)
    pacer.enqueue("order2", Priority.ORDER)
    clock.t = pacer.next_release(clock.t) or 0.0
    nxt = pacer.ready(clock.t)
    assert nxt[:3] == ["order1", "order2", "ctl"]
    assert nxt[3:] == [f"data{i}" for i in range(50, 97)]


def test_fifo_within_each_class_priority_across() -> None:
    clock = Clock()
    pacer: Pacer[tuple[Priority, int]] = Pacer(rate=0, clock=clock)
    offered = [(Priority(i % 3), i) for i in range(30)]
    for p, i in reversed(offered):
        pacer.enqueue((p, i), p)
    out = pacer.ready(clock.t)
    assert out == sorted(offered, key=lambda e: (e[0], -e[1]))


def test_disabled_pacing_passes_everything_through() -> None:
    clock = Clock()
    pacer: Pacer[int] = Pacer(rate=0, clock=clock)
    for i in range(10_000):
        pacer.enqueue(i, Priority.DATA)
    assert pacer.ready(clock.t) == list(range(10_000))
    assert pacer.next_release(clock.t) is None
    assert all(pacer.acquire(Priority.DATA, clock.t) for _ in range(1000))
    assert pacer.statistics().delayed == 0


def test_next_release_none_when_empty_and_now_when_room() -> None:
    clock = Clock()
    pacer: Pacer[int] = Pacer(rate=2, clock=clock)
    assert pacer.next_release(clock.t) is None
    pacer.enqueue(1)
    assert pacer.next_release(clock.t) == clock.t
    assert pacer.ready(clock.t) == [1]


def test_acquire_fast_path_respects_window_and_queue() -> None:
    clock = Clock()
    pacer: Pacer[int] = Pacer(rate=3, clock=clock)
    assert pacer.acquire(Priority.DATA, clock.t)
    assert pacer.acquire(Priority.DATA, clock.t)
    pacer.enqueue(99, Priority.DATA)  # room left: still, FIFO says queued data goes first
    assert not pacer.acquire(Priority.DATA, clock.t)
    assert pacer.acquire(Priority.ORDER, clock.t)  # an order is not behind data
    assert not pacer.acquire(Priority.ORDER, clock.t)  # window full
    clock.t += 1.0
    assert pacer.ready(clock.t) == [99]


def test_reserve_keeps_slots_for_orders() -> None:
    clock = Clock()
    pacer: Pacer[str] = Pacer(rate=10, reserve=2, clock=clock)
    for i in range(20):
        pacer.enqueue(f"d{i}", Priority.DATA)
    assert len(pacer.ready(clock.t)) == 8
    clock.t += 0.5
    pacer.enqueue("o", Priority.ORDER)
    assert pacer.ready(clock.t) == ["o"]  # no wait for the window to slide


def test_burst_smooths_within_the_second() -> None:
    clock = Clock()
    pacer: Pacer[int] = Pacer(rate=50, burst=10, clock=clock)
    for i in range(200):
        pacer.enqueue(i, Priority.DATA)
    times = [t for t, _ in drain(pacer, clock)]
    assert max_in_any_window(times, 10 / 50) == 10
    assert max_in_any_window(times, 1.0) <= 50


def test_remove_and_clear() -> None:
    pacer: Pacer[str] = Pacer(rate=1, clock=Clock())
    for name, p in (("a", Priority.DATA), ("b", Priority.ORDER), ("c", Priority.DATA)):
        pacer.enqueue(name, p)
    assert pacer.remove("a")
    assert not pacer.remove("zzz")
    assert len(pacer) == 2
    assert pacer.clear() == ["b", "c"]
    assert len(pacer) == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rate": -1}, "rate"),
        ({"rate": 0.5}, "rate"),
        ({"rate": 50, "burst": 51}, "burst"),
        ({"rate": 50, "reserve": 50}, "reserve"),
    ],
)
def test_bad_configuration(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Pacer(**kwargs)  # type: ignore[arg-type]


# --- AsyncPacer ----------------------------------------------------------------------------------


async def test_async_pacer_with_manual_clock() -> None:
    clock = Clock()
    out: list[str] = []
    pacer: AsyncPacer[str] = AsyncPacer(out.append, rate=3, clock=clock)
    for i in range(5):
        pacer.submit(f"d{i}", Priority.DATA)
    assert out == ["d0", "d1", "d2"]  # synchronous while the window has room
    waiter = asyncio.ensure_future(pacer.send("order", Priority.ORDER))
    await asyncio.sleep(0)
    assert not waiter.done()
    clock.t += 1.0
    pacer.wake()
    await asyncio.sleep(0)
    assert waiter.done()
    assert out == ["d0", "d1", "d2", "order", "d3", "d4"]
    assert pacer.statistics().sent == 6
    assert pacer.close() == []


async def test_async_pacer_cancel_withdraws_and_close_returns_unsent() -> None:
    clock = Clock()
    out: list[str] = []
    pacer: AsyncPacer[str] = AsyncPacer(out.append, rate=1, clock=clock)
    await pacer.send("first")
    cancelled = asyncio.ensure_future(pacer.send("gone"))
    pending = asyncio.ensure_future(pacer.send("pending", Priority.DATA))
    pacer.submit("queued", Priority.CONTROL)
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    assert len(pacer) == 2
    assert pacer.close() == ["queued", "pending"]
    await asyncio.sleep(0)
    assert pending.cancelled()
    with pytest.raises(RuntimeError):
        pacer.submit("late")
    assert out == ["first"]


async def test_async_pacer_close_with_exception_fails_waiters() -> None:
    pacer: AsyncPacer[str] = AsyncPacer(lambda _: None, rate=1, clock=Clock())
    pacer.submit("x")
    waiter = asyncio.ensure_future(pacer.send("y"))
    await asyncio.sleep(0)
    pacer.close(ConnectionResetError("gone"))
    with pytest.raises(ConnectionResetError):
        await waiter


async def test_async_pacer_sink_error_reaches_the_waiter() -> None:
    clock = Clock()

    def sink(item: str) -> None:
        if item == "bad":
            raise OSError("write failed")

    pacer: AsyncPacer[str] = AsyncPacer(sink, rate=1, clock=clock)
    pacer.submit("ok")
    waiter = asyncio.ensure_future(pacer.send("bad"))
    await asyncio.sleep(0)
    clock.t += 1
    pacer.wake()
    with pytest.raises(OSError):
        await waiter
    pacer.close()


async def test_async_pacer_real_timer_keeps_order() -> None:
    # A real loop clock and a tiny window (1 ms per message): asserts order only, never timing.
    out: list[str] = []
    pacer: AsyncPacer[str] = AsyncPacer(out.append, rate=1000, burst=1)
    sends = [asyncio.ensure_future(pacer.send(f"d{i}", Priority.DATA)) for i in range(20)]
    await asyncio.sleep(0)
    orders = [asyncio.ensure_future(pacer.send(f"o{i}", Priority.ORDER)) for i in range(3)]
    callback_seen: list[str] = []
    pacer.submit("c", Priority.CONTROL, callback_seen.append)
    await asyncio.gather(*sends, *orders)
    assert callback_seen == ["c"]
    assert out[0] == "d0"
    later = out[1:]
    assert later[:4] == ["o0", "o1", "o2", "c"] or later.index("o2") < later.index("d19")
    assert [x for x in out if x.startswith("d")] == [f"d{i}" for i in range(20)]
    assert [x for x in out if x.startswith("o")] == ["o0", "o1", "o2"]
    pacer.close()


async def test_async_pacer_disabled() -> None:
    out: list[int] = []
    pacer: AsyncPacer[int] = AsyncPacer(out.append, rate=0)
    for i in range(1000):
        await pacer.send(i, Priority.DATA)
    assert out == list(range(1000))
    pacer.close()
