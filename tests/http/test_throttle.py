"""The sign-in throttle on its own: limits, doubling delays, the bound on its store and on Argon2."""

from __future__ import annotations

import threading

import pytest

from lookout_ledger.http.throttle import Busy, SigninThrottle


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_an_account_locks_after_its_limit_and_the_delay_doubles() -> None:
    clock = Clock()
    t = SigninThrottle(per_account=3, per_address=100, base_delay=30, clock=clock)
    assert [t.failed("Ada", "10.0.0.1") for _ in range(2)] == [None, None]
    assert t.retry_after("ada", "10.0.0.2") is None
    assert t.failed("ada ", "10.0.0.1") == 30  # the third failure locks, whatever the address or case
    assert t.retry_after("ADA", "10.0.0.9") == 31
    clock.t += 31
    assert t.retry_after("ada", "10.0.0.1") is None
    assert t.failed("ada", "10.0.0.1") == 60
    clock.t += 61
    t.succeeded("ada")
    assert t.retry_after("ada", "10.0.0.1") is None and t.failed("ada", "10.0.0.1") is None


def test_one_address_trying_many_names_is_locked_too() -> None:
    t = SigninThrottle(per_account=100, per_address=4, clock=Clock())
    results = [t.failed(f"user{i}", "198.51.100.7") for i in range(4)]
    assert results[:3] == [None, None, None] and results[3] is not None
    assert t.retry_after("someone-else", "198.51.100.7") is not None
    assert t.retry_after("someone-else", "198.51.100.8") is None


def test_failures_outside_the_window_are_forgotten_and_the_delay_is_capped() -> None:
    clock = Clock()
    t = SigninThrottle(per_account=2, per_address=100, window=60, base_delay=30, max_delay=100, clock=clock)
    t.failed("bea", None)
    clock.t += 61
    assert t.failed("bea", None) is None  # the first one is out of the window
    assert t.failed("bea", None) == 30
    assert max(t.failed("bea", None) or 0 for _ in range(10)) == 100


def test_the_store_is_bounded() -> None:
    t = SigninThrottle(capacity=50, clock=Clock())
    for i in range(1000):
        t.failed(f"user{i}", f"192.0.2.{i % 250}")
    assert len(t) == 50


def test_argon2_slots_bound_concurrent_checks() -> None:
    t = SigninThrottle(slots=1, slot_wait=0.05)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with t.argon2_slot():
            held.set()
            release.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    held.wait(5)
    with pytest.raises(Busy), t.argon2_slot():
        pass
    release.set()
    worker.join()
    with t.argon2_slot():
        pass
