"""Backoff and ReconnectPolicy with a seeded rng: bounds, growth, reset, 326, no zero delays."""

from __future__ import annotations

import random

import pytest

from ibkr.transport.backoff import CLIENT_ID_IN_USE, Backoff, ReconnectPolicy, Retry


def test_base_grows_then_caps() -> None:
    b = Backoff(initial=0.5, maximum=30, factor=2)
    assert [b.base(n) for n in range(9)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    assert b.base(10_000) == 30  # no overflow
    assert Backoff(initial=1, maximum=5, factor=1).base(50) == 1


@pytest.mark.parametrize("jitter", ["full", "equal", "none"])
def test_delays_stay_within_bounds(jitter: str) -> None:
    b = Backoff(initial=0.5, maximum=30, jitter=jitter, rng=random.Random(42))  # type: ignore[arg-type]
    for n in range(200):
        base = b.base(n)
        d = b.next_delay()
        low = {"full": b.floor, "equal": base / 2, "none": base}[jitter]
        assert low <= d <= base
    assert b.attempts == 200


def test_full_jitter_spreads_and_grows() -> None:
    b = Backoff(initial=1, maximum=1000, rng=random.Random(1))
    firsts = [Backoff(initial=1, maximum=1000, rng=random.Random(s)).next_delay() for s in range(50)]
    assert len(set(firsts)) == 50  # jittered
    delays = [b.next_delay() for _ in range(11)]
    assert max(delays[8:]) > max(delays[:3])  # grows on average


def test_seeded_rng_is_deterministic() -> None:
    a = [Backoff(rng=random.Random(7)).next_delay() for _ in range(3)]
    b = [Backoff(rng=random.Random(7)).next_delay() for _ in range(3)]
    assert a == b


def test_reset_starts_over() -> None:
    b = Backoff(jitter="none")
    for _ in range(5):
        b.next_delay()
    assert b.attempts == 5
    b.reset()
    assert b.attempts == 0
    assert b.next_delay() == 0.5


def test_never_zero() -> None:
    class ZeroRng(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return a

    for jitter in ("full", "equal"):
        b = Backoff(initial=0.001, maximum=0.002, jitter=jitter, rng=ZeroRng(), floor=0.01)  # type: ignore[arg-type]
        assert all(b.next_delay() >= 0.01 for _ in range(20))


@pytest.mark.parametrize(
    "kwargs",
    [{"floor": 0}, {"initial": 0}, {"initial": 5, "maximum": 1}, {"factor": 0.5}, {"jitter": "bogus"}],
)
def test_bad_backoff_configuration(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)  # type: ignore[arg-type]


# --- ReconnectPolicy ------------------------------------------------------------------------------


def policy(**kwargs: object) -> ReconnectPolicy:
    kwargs.setdefault("backoff", Backoff(rng=random.Random(3)))
    return ReconnectPolicy(**kwargs)  # type: ignore[arg-type]


def test_plain_failures_back_off_and_keep_the_client_id() -> None:
    p = policy(client_ids=[7, 8])
    retries = [p.on_failure(None) for _ in range(10)]
    assert all(isinstance(r, Retry) for r in retries)
    assert [r.attempt for r in retries if r] == list(range(1, 11))
    assert {r.client_id for r in retries if r} == {7}
    assert all(r.delay >= p.min_delay for r in retries if r)


def test_client_id_in_use_waits_and_rotates() -> None:
    p = policy(client_ids=[1, 2, 3], client_id_in_use_delay=2.5)
    assert p.client_id == 1
    seen = []
    for _ in range(4):
        r = p.on_failure(CLIENT_ID_IN_USE)
        assert r is not None
        assert r.delay >= 2.5
        seen.append(r.client_id)
    assert seen == [2, 3, 1, 2]  # wraps around
    assert p.last_error == CLIENT_ID_IN_USE


def test_client_id_in_use_without_rotation() -> None:
    p = policy(client_ids=[1, 2], rotate_client_id=False, client_id_in_use_delay=5)
    r = p.on_failure(CLIENT_ID_IN_USE)
    assert r == Retry(delay=r.delay if r else 0, client_id=1, attempt=1)
    assert r is not None and r.delay >= 5


def test_attempt_cap() -> None:
    p = policy(max_attempts=3)
    assert all(p.on_failure() is not None for _ in range(3))
    assert p.exhausted
    assert p.on_failure() is None
    p.on_connected()
    assert not p.exhausted
    assert p.on_failure() is not None


def test_on_connected_resets_backoff_keeps_id_reset_goes_back() -> None:
    p = policy(client_ids=[1, 2], backoff=Backoff(jitter="none"))
    for _ in range(5):
        p.on_failure(None)
    p.on_failure(CLIENT_ID_IN_USE)
    p.on_connected()
    assert p.attempts == 0
    assert p.client_id == 2
    r = p.on_failure(None)
    assert r is not None and r.delay == 0.5  # backoff started over
    p.reset()
    assert p.client_id == 1


def test_floor_on_every_delay() -> None:
    tiny = Backoff(initial=0.001, maximum=0.001, floor=0.001, rng=random.Random(0))
    p = ReconnectPolicy([1], backoff=tiny, min_delay=0.2)
    assert all((r := p.on_failure()) is not None and r.delay >= 0.2 for _ in range(50))


@pytest.mark.parametrize("kwargs", [{"client_ids": []}, {"min_delay": 0}, {"max_attempts": -1}])
def test_bad_policy_configuration(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ReconnectPolicy(**kwargs)  # type: ignore[arg-type]
