"""A second process that digests a large write's records while the write goes on.

An import of a million lines is one transaction, and every record it inserts must be digested
before it commits (#12). Done at commit in the writing process, that is a third of the import's
time again; a process of its own, fed the rows as they are inserted, does it on the machine's
other core while the importer parses, validates and waits for the database. The worker keeps
the rows (so the writer need not), digests whatever records it has while it waits for more,
digests again any record more rows arrived for, and at `finish` returns every record's digest,
column checks and Merkle leaf. It runs `digests.digest`, the same function the writer uses, and
imports nothing but this package's digest and Merkle modules.

Any failure (the worker dies, a row it cannot digest) is raised to the writer as an error at
commit, so the transaction rolls back: nothing is stored without its digest.
"""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from lookout_ledger.core.digests import Shape, Slot, digest, keep, record_leaf

CHUNK = 50_000  # records per reply message: a million-record reply is never one pickle
IDLE = 0.02  # seconds without rows after which the worker digests the records still arriving
Digested = tuple[str, str, str, bytes]  # record id, digest, column checks, leaf


class WorkerError(RuntimeError):
    """The digest worker failed: the records it held have no digest, so the write must not commit."""


class Worker:
    """The writer's handle on one transaction's digest worker."""

    def __init__(self, shapes: dict[str, tuple[Shape, int]]) -> None:
        # A fresh interpreter, not a fork (the writer may be a threaded web server) and not
        # multiprocessing's spawn (which re-runs the writer's main script): `python -m` this
        # module, talking over a socket pair.
        ours, theirs = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]))
        self._proc = subprocess.Popen(  # noqa: S603  (our own interpreter and module, no input)
            [sys.executable, "-m", __name__, str(theirs.fileno())], pass_fds=[theirs.fileno()], env=env
        )
        theirs.close()
        self._conn = Connection(ours.detach())
        # Messages go out from a thread of their own, so the writer never waits for the worker
        # (it takes a tenth of a second to start) and pickling overlaps the database's work.
        self._outbox: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._failed: BaseException | None = None
        self._pump = threading.Thread(target=self._send_all, name="lookout-digests-out", daemon=True)
        self._pump.start()
        self._outbox.put(("shapes", shapes))

    def slots(self, type_name: str, slots: dict[str, Slot]) -> None:
        """Hand over records already kept in the writer, so each record is kept in one place."""
        self._outbox.put(("slots", type_name, slots))

    def rows(self, table_name: str, columns: list[str], rows: list[Any]) -> None:
        self._outbox.put(("rows", table_name, columns, rows))

    def finish(self, again: dict[str, set[str]]) -> Iterator[tuple[str, list[Digested]]]:
        """Every kept record's digest, by type, except the ids in `again` (read back instead)."""
        self._outbox.put(("finish", again))
        self._outbox.put(None)
        self._pump.join()
        if self._failed is not None:
            raise WorkerError(f"the digest worker stopped ({self._why()})") from self._failed
        while True:
            msg = self._recv()
            if msg[0] == "done":
                return
            yield msg[1], msg[2]

    def close(self) -> None:
        if self._pump.is_alive():
            self._outbox.put(None)
            self._pump.join()
        try:
            self._conn.close()
        finally:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def _send_all(self) -> None:
        while (msg := self._outbox.get()) is not None:
            if self._failed is None:
                try:
                    self._conn.send(msg)
                except (OSError, EOFError) as exc:
                    self._failed = exc  # told at `finish`; the rest of the outbox is dropped

    def _recv(self) -> Any:
        try:
            msg = self._conn.recv()
        except (OSError, EOFError) as exc:
            raise WorkerError(f"the digest worker stopped ({self._why()})") from exc
        if msg[0] == "error":
            raise WorkerError(f"the digest worker failed: {msg[1]}")
        return msg

    def _why(self) -> str:
        try:
            code = self._proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "still running"
        return f"exit code {code}"


def serve(conn: Connection) -> None:
    """The worker's loop: keep rows, digest while idle, answer `finish`, exit."""
    memo: dict[str, dict[str, Slot]] = {}
    done: dict[str, dict[str, Digested]] = {}
    # A record is digested once the next batch of its type's main table arrives (its child
    # rows come between the two); one more row for it later puts it back in `fresh`.
    fresh: dict[str, set[str]] = {}
    ready: dict[str, set[str]] = {}
    with contextlib.suppress(OSError):
        os.nice(10)  # the writer and the database come first; the worker takes the idle core
    try:
        first = conn.recv()
        shapes: dict[str, tuple[Shape, int]] = first[1]
        by_type = {shape.name: shape for shape, _ in shapes.values()}
        while True:
            if not conn.poll(0):
                _digest(by_type, memo, done, ready, limit=2000)
                if not conn.poll(IDLE):  # the writer has paused: its last rows are likely whole
                    for name, waiting in fresh.items():
                        ready.setdefault(name, set()).update(waiting)
                        waiting.clear()
                    _digest(by_type, memo, done, ready, limit=2000)
            msg = conn.recv()
            kind = msg[0]
            if kind == "rows":
                _, table_name, columns, rows = msg
                shape, table = shapes[table_name]
                name = shape.name
                ids = keep(memo.setdefault(name, {}), shape, table, columns, rows)
                waiting = fresh.setdefault(name, set())
                if table == 0:
                    ready.setdefault(name, set()).update(waiting)
                    waiting.clear()
                ready.get(name, set()).difference_update(ids)
                waiting.update(ids)
            elif kind == "slots":
                _, type_name, slots = msg
                memo.setdefault(type_name, {}).update(slots)
                ready.setdefault(type_name, set()).update(slots)
            elif kind == "finish":
                for name, waiting in fresh.items():
                    ready.setdefault(name, set()).update(waiting)
                _digest(by_type, memo, done, ready, limit=None)
                again: dict[str, set[str]] = msg[1]
                for type_name in sorted(done):
                    skip = again.get(type_name, set())
                    got = [d for rid, d in sorted(done[type_name].items()) if rid not in skip]
                    for start in range(0, len(got), CHUNK):
                        conn.send(("digests", type_name, got[start : start + CHUNK]))
                conn.send(("done",))
                conn.close()
                os._exit(0)  # nothing to tidy: the kept rows need no freeing
    except EOFError:
        return  # the writer went away (rolled back, or died): nothing to answer
    except BaseException:  # told to the writer, which fails the transaction
        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc(limit=3).strip().splitlines()[-1]))
    finally:
        conn.close()


def _digest(
    by_type: dict[str, Shape],
    memo: dict[str, dict[str, Slot]],
    done: dict[str, dict[str, Digested]],
    ready: dict[str, set[str]],
    limit: int | None,
) -> None:
    """Digest up to `limit` records that are ready. Records with no main row are left: the
    writer reads them back."""
    budget = limit
    for type_name, ids in ready.items():
        shape, kept, out = by_type[type_name], memo[type_name], done.setdefault(type_name, {})
        while ids:
            if budget is not None:
                if budget <= 0:
                    return
                budget -= 1
            rid = ids.pop()
            main, children = kept[rid]
            if main is None:
                continue
            d, parts = digest(shape, rid, main, children)
            out[rid] = (rid, d, parts, record_leaf(type_name, rid, d))


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
