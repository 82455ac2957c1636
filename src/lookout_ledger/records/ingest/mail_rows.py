"""E-mail read into archive rows, in this process or in worker processes.

Reading a message (parsing it, decoding its headers, folding its text for the index, finding
its phone numbers) is pure work on its bytes and costs more than storing it. For a large mbox
the reading is handed to worker processes, a chunk of messages at a time, while this process
stores the rows read so far: the same function (`read_chunk`) reads a chunk in either case, the
results come back in the archive's order, and only this process touches the database, so the
file is still stored all or nothing in one transaction. Workers are fresh interpreters running
`mail_worker` (see `_Worker`) and import only this module's small imports.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lookout_ledger.core.errors import LedgerError
from lookout_ledger.records.ingest.email_reader import MailMessage, MailProblem, read_message
from lookout_ledger.records.search import textnorm

IN_FLIGHT = 8  # chunks per worker sent and not yet taken back
CHUNK = 500  # messages per task: large enough that sending a task costs little beside reading it
PARALLEL_MIN_BYTES = 32 * 1024 * 1024  # below this (about 50,000 messages) starting workers is not worth it


@dataclass
class Row:
    id: str
    line: int
    sent_at: datetime
    sender: str
    recipients: list[str]
    subject: str | None
    body: str
    kind: str
    attachments: list[tuple[str, bytes | None]]
    doc: str | None = None  # the index text, when the reader already made it
    defects: tuple[str, ...] = ()  # what could not be read as sent (email_reader.MailMessage.defects)


def zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise LedgerError(f"--timezone: {name!r} is not an IANA time zone like America/Tijuana") from None


def content_id(prefix: str, *parts: object) -> str:
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return f"{prefix}-{h[:28]}"


def mail_row(m: MailMessage, timezone: str | None) -> Row:
    sent_at = m.sent_at
    assert sent_at is not None
    if sent_at.tzinfo is None:
        tz = zone(timezone)
        if tz is None:
            raise LedgerError(f"line {m.line}: the Date header has no offset (-0000): give --timezone")
        sent_at = sent_at.replace(tzinfo=tz)
    ident = m.message_id or "|".join([sent_at.isoformat(), m.sender, m.subject or "", m.body])
    return Row(
        content_id("em", ident),
        m.line,
        sent_at,
        m.sender,
        m.recipients,
        m.subject,
        m.body,
        "message",
        [(a.name, a.data) for a in m.attachments],
        defects=tuple(m.defects),
    )


def read_chunk(
    chunk: list[tuple[int, bytes]], timezone: str | None, region: str | None, mbox: bool = True
) -> list[Row | str]:
    """Each (line, bytes) of an mbox as a row with its index text, or the problem that refuses the file."""
    out: list[Row | str] = []
    for line, data in chunk:
        if mbox and not data:  # split_mbox's mark of text before the first separator
            out.append(f"line {line}: text before the first 'From ' separator line: not an mbox file")
            continue
        item = read_message(data, line)
        if isinstance(item, MailProblem):
            out.append(f"line {item.line}: {item.reason}")
            continue
        try:
            row = mail_row(item, timezone)
        except LedgerError as exc:
            out.append(str(exc))
            continue
        row.doc = textnorm.document(
            row.sender, *row.recipients, row.subject, row.body, *(n for n, _ in row.attachments), region=region
        )
        out.append(row)
    return out


def chunks(items: Iterable[tuple[int, bytes]], size: int = CHUNK) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def default_workers(size: int) -> int:
    """Worker processes for a file of this size: none for a small file or a one-core machine.

    One per core, at most three: the storing process waits on SQLite and the pipes part of the
    time, so on two cores two readers beat one (100,000 messages on a shared 2-core machine:
    one process 5,100 msgs/s, one worker 5,400-5,900, two workers 8,900; see docs/records.md).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if size < PARALLEL_MIN_BYTES or cores < 2:
        return 0
    return min(cores, 3)


def read_all(
    items: Iterable[tuple[int, bytes]], timezone: str | None, region: str | None, workers: int
) -> Iterator[Row | str]:
    """Rows (or problems) of every message, in order; read by `workers` processes when above zero.

    Chunks go to the workers in turn and results are taken back in the same turn, so the order
    is the archive's. At most IN_FLIGHT chunks per worker are in flight (enough to keep the
    workers busy while a batch is stored), so memory holds some ten thousand messages whatever
    the size of the archive. Leaving the iteration early (an error while storing) stops the
    workers; a worker that dies is reported and the import's transaction stores nothing.
    """
    if workers <= 0:
        for chunk in chunks(items):
            yield from read_chunk(chunk, timezone, region)
        return
    pool = [_Worker() for _ in range(workers)]
    try:
        pending: deque[_Worker] = deque()
        for turn, chunk in enumerate(chunks(items)):
            worker = pool[turn % workers]
            worker.send((chunk, timezone, region))
            pending.append(worker)
            if len(pending) >= IN_FLIGHT * workers:
                yield from pending.popleft().receive()
        while pending:
            yield from pending.popleft().receive()
    finally:
        for worker in pool:
            worker.stop()


class _Worker:
    """A `python -m lookout_ledger.records.ingest.mail_worker` process, fed pickled chunks through a pipe.

    A child started with the interpreter and this package only (not multiprocessing's spawn,
    which re-runs the caller's main script, and not fork, which would copy a process holding a
    database connection). Tasks are written and results read by two threads, so a worker keeps
    reading while this process is busy storing a batch, and writing the next chunk never waits on
    a worker that is itself waiting for its previous result to be read.
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lookout_ledger.records.ingest.mail_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.tasks: queue.Queue[bytes | None] = queue.Queue()
        self.results: queue.Queue[bytes | None] = queue.Queue()
        self.writer = threading.Thread(target=self._write, daemon=True)
        self.writer.start()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _write(self) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            while (task := self.tasks.get()) is not None:
                stdin.write(len(task).to_bytes(8, "big") + task)
                stdin.flush()
        except (BrokenPipeError, ValueError):  # the worker is gone; receive() reports it
            pass
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def send(self, args: tuple[object, ...]) -> None:
        self.tasks.put(pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL))

    def _read(self) -> None:
        """Drain the worker's results as they come, so it never waits for this process to read."""
        stdout = self.proc.stdout
        assert stdout is not None
        while len(head := stdout.read(8)) == 8:
            size = int.from_bytes(head, "big")
            body = stdout.read(size)
            if len(body) < size:
                break
            self.results.put(body)
        self.results.put(None)

    def receive(self) -> list[Row | str]:
        body = self.results.get()
        if body is None:
            raise LedgerError(f"a worker reading the mail stopped (exit code {self.proc.poll()}); nothing was stored")
        # The pipe connects this process to its own child; nothing outside writes to it.
        result: list[Row | str] = pickle.loads(body)  # noqa: S301
        return result

    def stop(self) -> None:
        self.tasks.put(None)
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait()
        self.reader.join(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The worker's loop: read a pickled (chunk, timezone, region), write the pickled rows back."""
    while len(head := stdin.read(8)) == 8:
        # stdin is the pipe from the importing process that started this one.
        chunk, timezone, region = pickle.loads(stdin.read(int.from_bytes(head, "big")))  # noqa: S301
        result = pickle.dumps(read_chunk(chunk, timezone, region), protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(len(result).to_bytes(8, "big") + result)
        stdout.flush()
