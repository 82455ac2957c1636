"""Sign-in throttling: per account and per address, in a bounded store, with `Retry-After`.

The tester tried 40 wrong passwords and then the right one, and got in; 16 concurrent failures
pushed an authenticated request from 8 ms to 1.6 s, and each failure appended to the audit log
(issue 16, item 5). So:

- after `per_account` failures for one user name (or `per_address` from one address) within
  `window`, further attempts are refused *before any password is checked* for a delay that
  doubles with each further failure, up to `max_delay`; a success clears the account's count;
- Argon2 runs in at most `slots` sign-ins at once, so an attack cannot take every core from the
  people already signed in; an attempt that cannot get a slot soon is told to retry;
- the counts live in memory, in at most `capacity` entries (the oldest go first), never in the
  audit log: an attacker cannot grow the database by failing. The log keeps one entry when a
  lock starts.

The store is per server process, which is how `lookout serve` runs; several processes would
each throttle on their own (the bound per process still holds).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _Count:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0


class Busy(Exception):
    """No Argon2 slot came free in time."""


@dataclass
class SigninThrottle:
    per_account: int = 5
    per_address: int = 20
    window: float = 15 * 60
    base_delay: float = 30
    max_delay: float = 15 * 60
    capacity: int = 10_000
    slots: int = 2
    slot_wait: float = 5.0
    clock: Callable[[], float] = time.monotonic
    _counts: OrderedDict[str, _Count] = field(default_factory=OrderedDict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _argon2: threading.BoundedSemaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._argon2 = threading.BoundedSemaphore(self.slots)

    @staticmethod
    def keys(username: str, address: str | None) -> tuple[str, str]:
        return f"u:{username.strip().lower()}", f"a:{address or 'unknown'}"

    def retry_after(self, username: str, address: str | None) -> int | None:
        """Seconds until this user name may be tried from this address, or None if it may now."""
        now = self.clock()
        with self._lock:
            waits = [c.locked_until - now for k in self.keys(username, address) if (c := self._counts.get(k))]
        wait = max(waits, default=0.0)
        return int(wait) + 1 if wait > 0 else None

    def failed(self, username: str, address: str | None) -> int | None:
        """Count a failure; the delay in seconds when it starts (or extends) a lock, else None."""
        now = self.clock()
        started: int | None = None
        with self._lock:
            for key, limit in zip(self.keys(username, address), (self.per_account, self.per_address), strict=True):
                count = self._counts.pop(key, None) or _Count()
                count.failures = [t for t in count.failures if now - t < self.window] + [now]
                over = len(count.failures) - limit
                if over >= 0:
                    delay = min(self.max_delay, self.base_delay * 2**over)
                    count.locked_until = now + delay
                    started = max(started or 0, int(delay))
                self._counts[key] = count  # most recent last
            while len(self._counts) > self.capacity:
                self._counts.popitem(last=False)
        return started

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._counts.pop(self.keys(username, None)[0], None)

    def __len__(self) -> int:
        return len(self._counts)

    @contextmanager
    def argon2_slot(self) -> Iterator[None]:
        """Hold one of the `slots` password checks; Busy when none comes free in `slot_wait`."""
        if not self._argon2.acquire(timeout=self.slot_wait):
            raise Busy()
        try:
            yield
        finally:
            self._argon2.release()
