"""Run one callable from several threads at the same instant, for the concurrency tests (#15)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def at_once(fn: Callable[[], Any], times: int, timeout: float = 60) -> tuple[list[Any], list[BaseException]]:
    """Call `fn` from `times` threads released together; return (results, exceptions)."""
    results: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(times)

    def run() -> None:
        try:
            start.wait(5)
            results.append(fn())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results, errors
