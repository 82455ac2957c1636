"""The digest worker (core/digest_worker.py): a large write's records digested in a second process
give exactly the digests the writer would have computed, and a worker that fails stops the write."""

from __future__ import annotations

import io
import os
import signal

import pytest
from sqlalchemy import text

from lookout_ledger.core import digest_worker, integrity, state
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.interchange.generate import generate_lif
from lookout_ledger.interchange.importer import ImportFailed, import_lif


def _lif(lookouts: int = 40) -> bytes:
    buf = io.BytesIO()
    generate_lif(buf, lookouts=lookouts, seed=7)
    return buf.getvalue()


def _records(ledger: Ledger) -> list[tuple[str, str, str, str | None]]:
    with ledger.engine.connect() as conn:
        rows = conn.execute(text("SELECT record_type, record_id, digest, parts FROM audit_records ORDER BY seq, n"))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_an_import_digested_by_the_worker_logs_what_the_writer_would(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every digest and column check the worker made equals the one read back from the database."""
    started = _spy(monkeypatch)
    monkeypatch.setattr(state, "WORKER_FROM", 1)
    import_lif(ledger, io.BytesIO(_lif()), "admin")
    logged = _records(ledger)
    assert len(started) == 1 and len(logged) > 100
    by_type: dict[str, list[tuple[str, str, str | None]]] = {}
    for rtype, rid, digest, parts in logged:
        by_type.setdefault(rtype, []).append((rid, digest, parts))
    with ledger.engine.connect() as conn:
        for rtype, rows in by_type.items():
            read_back = state.compute(conn, state._TYPES[rtype], [rid for rid, _, _ in rows])
            assert {rid: (d, p) for rid, d, p in rows} == read_back


def test_without_the_worker_the_same_import_logs_the_same_digests(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _spy(monkeypatch)
    monkeypatch.setattr(state, "WORKER_FROM", 10**9)
    import_lif(ledger, io.BytesIO(_lif()), "admin")
    assert not started
    with ledger.engine.connect() as conn:
        rid = conn.execute(text("SELECT min(id) FROM lookouts")).scalar_one()
        logged = conn.execute(
            text("SELECT digest, parts FROM audit_records WHERE record_type = 'lookout' AND record_id = :i"), {"i": rid}
        ).one()
        assert state.compute(conn, state._TYPES["lookout"], [rid])[rid] == tuple(logged)


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[digest_worker.Worker]:
    started: list[digest_worker.Worker] = []
    real = digest_worker.Worker.__init__

    def spy(self: digest_worker.Worker, *a: object) -> None:
        real(self, *a)  # type: ignore[arg-type]
        started.append(self)

    monkeypatch.setattr(digest_worker.Worker, "__init__", spy)
    return started


@pytest.mark.tampers
def test_a_worker_import_verifies_intact_and_its_edits_are_named(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state, "WORKER_FROM", 1)
    import_lif(ledger, io.BytesIO(_lif()), "admin")
    assert integrity.verify_ledger(ledger).ok
    with ledger.engine.begin() as conn:
        lid = conn.execute(text("SELECT min(id) FROM lookouts")).scalar_one()
        conn.execute(text("UPDATE lookouts SET basis = 'edited' WHERE id = :i"), {"i": lid})
    report = integrity.verify_ledger(ledger)
    assert [(p.record_type, p.record_id, p.where) for p in report.state] == [("lookout", lid, ["lookouts.basis"])]


def test_a_worker_that_dies_stops_the_write_and_nothing_is_stored(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = digest_worker.Worker.__init__

    def doomed(self: digest_worker.Worker, *a: object) -> None:
        real(self, *a)  # type: ignore[arg-type]
        os.kill(self._proc.pid, signal.SIGKILL)

    monkeypatch.setattr(digest_worker.Worker, "__init__", doomed)
    monkeypatch.setattr(state, "WORKER_FROM", 1)
    before = _records(ledger)
    with pytest.raises((state.StateError, ImportFailed), match="digest worker"):
        import_lif(ledger, io.BytesIO(_lif()), "admin")
    with ledger.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM lookouts")).scalar_one() == 0
    assert _records(ledger) == before


def test_a_rolled_back_write_leaves_no_worker_running(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    started = _spy(monkeypatch)
    monkeypatch.setattr(state, "WORKER_FROM", 1)
    bad = _lif() + b'{"type": "lookout", "id": "broken"}\n'
    with pytest.raises(ImportFailed):
        import_lif(ledger, io.BytesIO(bad), "admin")
    assert started and all(w._proc.poll() is not None for w in started)
